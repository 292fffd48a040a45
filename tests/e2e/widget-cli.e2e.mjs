// The widget's `validate` gives the same reports as the CLI (`opdcheck check --format json`)
// for every sample document: one engine, whichever door a document comes in by.
//
//   OPDCHECK_CLI=target/release/opdcheck OPDCHECK_DIST=dist node tests/e2e/widget-cli.e2e.mjs
//
// `cargo xtask test` runs it after building the widget (dist/widget/<version>/) and the CLI.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..', '..');
const cli = process.env.OPDCHECK_CLI ?? path.join(root, 'target', 'release', 'opdcheck');
const dist = process.env.OPDCHECK_DIST ?? path.join(root, 'dist');

// The version folders (the npm tarball lies beside them).
const versions = readdirSync(path.join(dist, 'widget'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
assert.equal(versions.length, 1, `one widget version in ${dist}/widget, found ${versions}`);
const dir = path.join(dist, 'widget', versions[0]);
const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
assert.equal(pkg.version, versions[0], 'the folder is named by the package version');

// The shipped module, as an integrator imports it (one bundled file), given the wasm's bytes:
// Node's fetch cannot read the file: URL beside it, so the early start steps aside.
const widget = await import(pathToFileURL(path.join(dir, 'opdcheck.js')).href);
await widget.init({ wasm: readFileSync(path.join(dir, 'opdcheck_widget_bg.wasm')) });
assert.equal(widget.version(), pkg.version, 'version() is the package version');

/** The engine's report: the wrapper stamps the version of the policy in force (0: built in,
 * null: set by the page), which the CLI has no notion of. */
function check(doc, policyVersion = 0) {
  const r = widget.validate(doc);
  if (r.error) return r;
  assert.equal(r.policy_version, policyVersion, 'stamped with the policy in force');
  const { policy_version: _, ...report } = r;
  return report;
}
const wasm = { validate: check, setPolicy: widget.setPolicy };

/** Every sample file: the engine's clean ones, the app's defective ones, the shipped batch. */
const files = [
  ...['crates/opdcheck-engine/samples', 'crates/opdcheck-app/samples'].flatMap((d) =>
    readdirSync(path.join(root, d)).filter((f) => f.endsWith('.json')).map((f) => path.join(d, f))),
  'samples/documents-example.json',
  'samples/batch.jsonl',
].filter((f) => existsSync(path.join(root, f)));
assert.ok(files.length >= 12, `sample files found: ${files.length}`);

/** The documents of a file as the CLI reads them: one object, an array, or JSON Lines. */
function documentsOf(file) {
  const text = readFileSync(path.join(root, file), 'utf8');
  if (file.endsWith('.json')) {
    const v = JSON.parse(text);
    return (Array.isArray(v) ? v : [v]).map((d) => JSON.stringify(d));
  }
  return text.split('\n').filter((l) => l.trim() !== '');
}

function cliReports(file) {
  let out;
  try {
    out = execFileSync(cli, ['check', '--format', 'json', file], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  } catch (e) {
    // 1: some document has an error finding; 2: some input was bad (the rest still checked).
    if (e.status !== 1 && e.status !== 2) throw e;
    out = e.stdout;
  }
  return out.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

let compared = 0;
let findings = 0;
for (const file of files) {
  const fromCli = cliReports(file);
  const fromWidget = [];
  for (const text of documentsOf(file)) {
    // As an integrator would call it: a plain object.
    const report = wasm.validate(JSON.parse(text));
    if (report.error) continue; // the CLI prints nothing on stdout for a bad input either
    fromWidget.push(report);
    // Text in gives the same report as the object.
    assert.deepEqual(wasm.validate(text), report, `${file}: text and object agree`);
    assert.ok(report.ruleset.startsWith(`${pkg.version}+policy.`), `${file}: version stamped: ${report.ruleset}`);
  }
  assert.equal(fromWidget.length, fromCli.length, `${file}: as many reports from the widget as from the CLI`);
  for (let i = 0; i < fromCli.length; i++) {
    assert.deepEqual(fromWidget[i], fromCli[i], `${file}: report ${i} (${fromCli[i].document.id})`);
    findings += fromCli[i].findings.length + (fromCli[i].documents ?? []).reduce((n, d) => n + d.findings.length, 0);
  }
  compared += fromCli.length;
}
assert.ok(findings > 0, 'the samples include defective documents');
console.log(`widget-cli: ${compared} reports from ${files.length} sample files identical to the CLI's (${findings} findings)`);

// A hospital's tuning entries (samples/tuning/): the widget under that policy gives the CLI's
// reports, and both change exactly the findings in each entry's scope (expected.jsonl, held
// true by the engine's tests/tuning.rs against the default reports).
{
  const dirT = 'samples/tuning';
  const policy = JSON.parse(readFileSync(path.join(root, dirT, 'policy.json'), 'utf8'));
  const expected = readFileSync(path.join(root, dirT, 'expected.jsonl'), 'utf8')
    .split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
  const withoutRuleset = ({ ruleset, ...rest }) => rest;
  let out;
  try {
    out = execFileSync(cli, ['check', '--format', 'json', '--policy', path.join(dirT, 'policy.json'), path.join(dirT, 'documents.jsonl')],
      { cwd: root, encoding: 'utf8' });
  } catch (e) {
    if (e.status !== 1) throw e;
    out = e.stdout;
  }
  const fromCli = out.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
  const tunedRuleset = wasm.setPolicy(policy);
  const docs = readFileSync(path.join(root, dirT, 'documents.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  assert.equal(docs.length, expected.length);
  let tuned = 0;
  docs.forEach((text, i) => {
    const report = wasm.validate(JSON.parse(text), null);
    assert.equal(report.ruleset, tunedRuleset, 'checked with the tuned policy');
    assert.deepEqual(report, fromCli[i], `tuning ${i}: the widget's report is the CLI's`);
    assert.deepEqual(withoutRuleset(report), expected[i], `tuning ${i}: as expected.jsonl`);
    tuned += report.findings.filter((f) => f.tuning).length + (report.shadow ?? []).length;
  });
  wasm.setPolicy(null);
  assert.ok(tuned >= 5, `tuned findings seen: ${tuned}`);
  console.log(`widget-cli: ${docs.length} documents under samples/tuning/policy.json identical to the CLI's and to expected.jsonl (${tuned} tuned findings)`);
}
