// Times the engine compiled to wasm32 (crates/opdcheck-widget) under Node, per document kind.
// Run by `cargo xtask bench-wasm`, or by hand after building:
//
//   node tests/bench/wasm-bench.mjs target/bench/wasm/opdcheck_widget.js [--ms=1000]
//
// Per kind, four figures (median of 7 rounds, µs per operation; the fastest round of `check` too,
// as the machine's noise moves single rounds by up to ~50 %):
//   check        benchCheck: the document parsed once, checked in a loop inside wasm
//                (the figure to compare with the native divan bench `check::*`);
//   parse+check  benchParseCheck: JSON text parsed and checked inside wasm;
//   checkJson    benchCheckJson: parse + check + report serialised to JSON, inside wasm;
//   JS call      checkJson(text) called from JavaScript: the above plus the string copies
//                across the JS/wasm boundary (what a page pays per call).
// After a warm-up of max(2 s, --ms) so that V8 has tiered the module up to optimised code.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const modulePath = resolve(args.find((a) => !a.startsWith("--")) ?? "target/bench/wasm/opdcheck_widget.js");
const msArg = args.find((a) => a.startsWith("--ms="));
const budgetMs = msArg ? Number(msArg.slice(5)) : 1000;

const require = createRequire(import.meta.url);
const wasm = require(modulePath);

const here = dirname(fileURLToPath(import.meta.url));
const engineDir = join(here, "..", "..", "crates", "opdcheck-engine");
const read = (p) => readFileSync(join(engineDir, p), "utf8");

const KINDS = [
  ["prescription (5 drugs)", read("benches/fixtures/prescription-5drugs.json")],
  ["prescription (2 drugs)", read("samples/prescription-clean.json")],
  ["outpatient_record (initial)", read("samples/outpatient_record-clean.json")],
  ["exam_request", read("samples/exam_request-clean.json")],
  ["infectious_report", read("samples/infectious_report-clean.json")],
  ["visit (record + 2 rx + request)", read("benches/fixtures/visit-2rx.json")],
];

// Sanity: every fixture checks, and bad input gives a located error, not a throw.
for (const [name, text] of KINDS) {
  const r = JSON.parse(wasm.checkJson(text));
  if (r.error) throw new Error(`${name}: ${JSON.stringify(r.error)}`);
}
const bad = JSON.parse(wasm.checkJson('{"kind":"prescription",\n"items":[{"drug":42}]}'));
if (!bad.error || bad.error.line !== 2) throw new Error(`bad input: ${JSON.stringify(bad)}`);
const obj = wasm.validate(JSON.parse(KINDS[0][1]));
if (obj.document?.kind !== "prescription") throw new Error(`validate: ${JSON.stringify(obj)}`);

const ROUNDS = 7;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/// `run(n)` performs n operations and returns µs per operation; calibrate n so one round takes
/// about budget/ROUNDS ms, then take the median round.
function measure(run) {
  const roundMs = Math.max(20, budgetMs / ROUNDS);
  let n = 1;
  for (;;) {
    const t = performance.now();
    run(n);
    const ms = performance.now() - t;
    if (ms >= roundMs / 4 || n >= 1 << 24) {
      n = Math.max(1, Math.round((n * roundMs) / Math.max(ms, 0.001)));
      break;
    }
    n *= 4;
  }
  const xs = [];
  for (let i = 0; i < ROUNDS; i++) xs.push(run(n));
  return { us: median(xs), min: Math.min(...xs), n };
}

const jsCall = (text) => (n) => {
  let sink = 0;
  const t = performance.now();
  for (let i = 0; i < n; i++) sink += wasm.checkJson(text).length;
  const us = ((performance.now() - t) * 1000) / n;
  if (sink < 0) console.log(sink);
  return us;
};

// Warm up: V8 runs wasm on its baseline compiler (Liftoff) first and tiers up to TurboFan in the
// background; measure steady state, after every entry point has run on every kind for a while.
{
  const until = performance.now() + Math.max(2000, budgetMs);
  while (performance.now() < until) {
    for (const [, text] of KINDS) {
      wasm.benchCheck(text, 20);
      wasm.benchParseCheck(text, 5);
      wasm.benchCheckJson(text, 5);
      wasm.checkJson(text);
    }
  }
}

console.log(`opdcheck wasm bench: ${modulePath}`);
console.log(`node ${process.version}, ruleset ${wasm.ruleset()}, ~${budgetMs} ms per figure, median of ${ROUNDS}`);
console.log("");
const header = ["document kind", "check µs", "(fastest)", "parse+check µs", "checkJson µs", "JS call µs"];
const rows = [];
const results = {};
for (const [name, text] of KINDS) {
  const check = measure((n) => wasm.benchCheck(text, n));
  const parseCheck = measure((n) => wasm.benchParseCheck(text, n));
  const checkJson = measure((n) => wasm.benchCheckJson(text, n));
  const js = measure(jsCall(text));
  results[name] = {
    check_us: +check.us.toFixed(2),
    check_min_us: +check.min.toFixed(2),
    parse_check_us: +parseCheck.us.toFixed(2),
    check_json_us: +checkJson.us.toFixed(2),
    js_call_us: +js.us.toFixed(2),
  };
  rows.push([name, check.us, check.min, parseCheck.us, checkJson.us, js.us]);
}
const w = [32, 10, 10, 15, 13, 11];
const fmt = (cells) =>
  cells.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : (typeof c === "number" ? c.toFixed(2) : c).padStart(w[i]))).join(" ");
console.log(fmt(header));
for (const r of rows) console.log(fmt(r));
console.log("");
console.log(JSON.stringify({ node: process.version, results }));
