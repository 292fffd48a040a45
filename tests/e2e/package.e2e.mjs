// The product as it is deployed: the release opdcheck-server alone, started in an empty
// directory without --dist, serves every file of the build (the app, the QA workspace, the
// widget, the demo portal) byte for byte, and the app and the QA page run from it in Chromium;
// the widget's npm tarball holds the package and its subresource-integrity hashes are the
// served files'; a script tag with the right integrity loads the widget, a wrong one is refused,
// and an engine module that is not the built one is refused by opdcheck.js itself.
//
//   OPDCHECK_SERVER=… OPDCHECK_DIST=… node tests/e2e/package.e2e.mjs
//   (the server built by `cargo xtask` after dist/: it carries dist/ inside)
//
// Exit status 0 when every step passed; otherwise the failing step, why, and a screenshot
// (target/e2e/package-failure.png).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { config, launchBrowser, outFile, startServer } from './lib.mjs';

const WAIT = 15_000;
const VERSION = readdirSync(path.join(config.dist, 'widget'), { withFileTypes: true }).find((d) => d.isDirectory()).name;
let step = 'start';
const say = (s) => { step = s; console.log(`package-e2e: ${s}`); };
const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

/** Every file under `dir`, as paths relative to it with '/'. */
function files(dir, base = dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p, base) : [path.relative(base, p).split(path.sep).join('/')];
  });
}

const empty = mkdtempSync(path.join(os.tmpdir(), 'opdcheck-empty-'));
let server;
let browser;
let page;
try {
  say('the release server starts in an empty directory, without --dist');
  server = await startServer(['--data-dir', path.join(empty, 'data')], { dist: false, cwd: empty });
  assert.deepEqual(readdirSync(empty), ['data'], 'the server wrote nothing but its data directory');

  say('it serves every file of the build, byte for byte');
  const built = files(config.dist);
  assert.ok(built.includes('index.html') && built.includes(`widget/${VERSION}/opdcheck.js`), 'dist holds the build');
  for (const rel of built) {
    const res = await fetch(`${server.url}${rel}`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(res.status, 200, `${rel}: status ${res.status}`);
    const body = Buffer.from(await res.arrayBuffer());
    assert.ok(body.equals(readFileSync(path.join(config.dist, rel))), `${rel}: the served bytes differ from dist/`);
  }
  console.log(`package-e2e:   ${built.length} files`);
  const wasm = await fetch(`${server.url}widget/${VERSION}/opdcheck_widget_bg.wasm`, { headers: { 'accept-encoding': 'br' } });
  assert.equal(wasm.headers.get('content-encoding'), 'br', 'the precompressed files are served too');

  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setViewportSize({ width: 1366, height: 768 });
  say('the app runs from the built-in files');
  await page.goto(server.url);
  await page.locator('#f-rx-patient-name').waitFor({ state: 'visible', timeout: WAIT });
  await page.screenshot({ path: outFile('package-embedded-app.png') });
  say('the QA workspace runs from the built-in files');
  await page.goto(`${server.url}qa/`);
  await page.locator('#login-user').waitFor({ state: 'visible', timeout: WAIT });

  say('the npm tarball holds the package, its hashes are the served files\'');
  const tgz = path.join(config.dist, 'widget', `opdcheck-widget-${VERSION}.tgz`);
  const unpacked = mkdtempSync(path.join(os.tmpdir(), 'opdcheck-pack-'));
  execFileSync('tar', ['-xzf', tgz, '-C', unpacked]);
  const pkg = path.join(unpacked, 'package');
  const manifest = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8'));
  assert.equal(manifest.name, '@opdcheck/widget');
  assert.equal(manifest.version, VERSION);
  for (const f of [...manifest.files, 'LICENSE-MIT', 'LICENSE-APACHE']) {
    assert.ok(statSync(path.join(pkg, f)).isFile(), `the tarball holds ${f}`);
  }
  const integrity = JSON.parse(readFileSync(path.join(pkg, 'integrity.json'), 'utf8'));
  for (const [name, hash] of Object.entries(integrity)) {
    const served = Buffer.from(await (await fetch(`${server.url}widget/${VERSION}/${name}`)).arrayBuffer());
    assert.equal(sri(served), hash, `${name}: integrity.json's hash is the served file's`);
    assert.equal(sri(readFileSync(path.join(pkg, name))), hash, `${name}: the tarball's file is the served one`);
  }
  rmSync(unpacked, { recursive: true, force: true });

  say('a script tag with the printed integrity loads the widget; a wrong one is refused');
  await page.goto(`${server.url}portal/`);
  const load = (src, hash) => page.evaluate(([src, hash]) => new Promise((resolve) => {
    const s = document.createElement('script');
    s.type = 'module';
    s.src = src;
    s.integrity = hash;
    s.crossOrigin = 'anonymous';
    s.onload = () => resolve('loaded');
    s.onerror = () => resolve('refused');
    document.head.append(s);
  }), [src, hash]);
  const js = `/widget/${VERSION}/opdcheck.js`;
  assert.equal(await load(`${js}?sri=ok`, integrity['opdcheck.js']), 'loaded');
  const wrong = integrity['opdcheck.js'].replace(/.(?==*$)/, (c) => (c === 'A' ? 'B' : 'A'));
  assert.equal(await load(`${js}?sri=wrong`, wrong), 'refused');
  const init = () => page.evaluate((js) => import(js).then((m) => m.init()).then(() => 'ready', (e) => `failed: ${e}`), js);
  assert.equal(await init(), 'ready', 'the widget starts with its own engine');

  say('an engine module that is not the built one is refused by opdcheck.js');
  const tampered = await browser.newPage();
  const original = readFileSync(path.join(config.dist, 'widget', VERSION, 'opdcheck_widget_bg.wasm'));
  const changed = Buffer.from(original);
  changed[changed.length - 1] ^= 1;
  await tampered.route('**/opdcheck_widget_bg.wasm', (route) => route.fulfill({ body: changed, contentType: 'application/wasm' }));
  await tampered.goto(`${server.url}portal/`);
  const refused = await tampered.evaluate((js) => import(js).then((m) => m.init()).then(() => 'ready', (e) => `failed: ${e}`), js);
  assert.match(refused, /^failed: /, 'a changed engine must not start');
  await tampered.close();

  await browser.close();
  browser = null;
  console.log('package-e2e: all steps passed');
} catch (e) {
  console.error(`package-e2e: FAILED at "${step}": ${e.stack || e}`);
  if (page) await page.screenshot({ path: outFile('package-failure.png') }).catch(() => {});
  process.exitCode = 1;
} finally {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
  rmSync(empty, { recursive: true, force: true });
}
