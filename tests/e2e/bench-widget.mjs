// The embeddable widget's budgets, in Chromium on localhost:
//   - download: every file a page fetches to use the widget (JS, wasm, data), gzip -9, against
//     150 KB (KB = 1024 B);
//   - start-up: `init()` to the first report (`validate` of a prescription), against 50 ms;
//     also import + init + first report, as a portal page sees it. Each run is a cold load in
//     a fresh browser context (no cache), then the same page opened again in that context
//     (the widget's files from the HTTP cache); median, p95 and max over the runs.
//
//   cargo xtask bench-widget [--runs N]
//
// The page is a blank one on the server's origin that only imports the widget
// (`/widget/<version>/opdcheck.js`); the list of files comes from Chromium's responses, the
// bytes from dist/ compressed here (zlib level 9 = gzip -9).

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { startServer, launchBrowser, config } from './lib.mjs';

const SIZE_BUDGET = 150 * 1024;
const START_BUDGET_MS = 50;
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;

const version = readdirSync(path.join(config.dist, 'widget'), { withFileTypes: true }).find((d) => d.isDirectory()).name;
const doc = readFileSync(path.resolve(import.meta.dirname, '../../crates/opdcheck-app/samples/prescription-defective.json'), 'utf8');

const page = `<!doctype html><meta charset="utf-8"><title>widget bench</title>
<script type="module">
  const t0 = performance.now();
  const widget = await import('/widget/${version}/opdcheck.js');
  const t1 = performance.now();
  await widget.init();
  const report = widget.validate(${doc});
  const t2 = performance.now();
  window.__bench = { importMs: t1 - t0, initToReportMs: t2 - t1, totalMs: t2 - t0,
                     findings: report.findings ? report.findings.length : -1, ruleset: report.ruleset };
</script>`;

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { median: at(0.5), p95: at(0.95), max: s[s.length - 1] };
}

async function main() {
  const server = await startServer();
  const browser = await launchBrowser();
  const fetched = new Set();
  const runs = [];
  const repeats = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext();
      const tab = await context.newPage();
      await tab.route(`${server.url}bench-widget.html`, (route) => route.fulfill({ contentType: 'text/html', body: page }));
      tab.on('response', (res) => {
        const url = new URL(res.url());
        if (url.origin === new URL(server.url).origin && url.pathname !== '/bench-widget.html') {
          if (res.status() >= 400) throw new Error(`${url.pathname}: ${res.status()}`);
          fetched.add(url.pathname);
        }
      });
      await tab.goto(`${server.url}bench-widget.html`);
      const result = await tab.waitForFunction(() => window.__bench, null, { timeout: 30_000 }).then((h) => h.jsonValue());
      if (!(result.findings > 0)) throw new Error(`the first report has no findings: ${JSON.stringify(result)}`);
      runs.push(result);
      // The same page opened again in the same browser: the widget's files come from the HTTP
      // cache (versioned, immutable), as on a workstation that opened the portal before.
      await tab.goto(`${server.url}bench-widget.html`);
      const again = await tab.waitForFunction(() => window.__bench, null, { timeout: 30_000 }).then((h) => h.jsonValue());
      if (again.findings !== result.findings) throw new Error(`the second visit differs: ${JSON.stringify(again)}`);
      repeats.push(again);
      await context.close();
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  const rows = [...fetched].sort().map((p) => {
    const bytes = readFileSync(path.join(config.dist, decodeURIComponent(p.slice(1))));
    return { name: p.slice(1), raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length };
  });
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`bench-widget: files the widget downloads (${version}), gzip -9`);
  for (const r of rows) console.log(`  ${r.name.padEnd(40)} ${kb(r.raw).padStart(10)} raw  ${kb(r.gz).padStart(10)} gzip  (${r.gz} B)`);
  const raw = rows.reduce((a, r) => a + r.raw, 0);
  const gz = rows.reduce((a, r) => a + r.gz, 0);
  console.log(`  ${'total'.padEnd(40)} ${kb(raw).padStart(10)} raw  ${kb(gz).padStart(10)} gzip  (${gz} B)`);
  console.log(`  budget 150 KB gzip: ${gz <= SIZE_BUDGET ? 'met' : 'NOT met'} (${((100 * gz) / SIZE_BUDGET).toFixed(0)} % of it)`);
  const fmt = (s) => `median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`;
  const start = stats(runs.map((r) => r.initToReportMs));
  console.log(`start-up over ${runs.length} cold loads (fresh context each):`);
  console.log(`  init() to first report:          ${fmt(start)}  budget ${START_BUDGET_MS} ms: ${start.p95 <= START_BUDGET_MS ? 'met' : 'NOT met'} (p95)`);
  console.log(`  import:                          ${fmt(stats(runs.map((r) => r.importMs)))}`);
  console.log(`  import + init + first report:    ${fmt(stats(runs.map((r) => r.totalMs)))}`);
  const again = stats(repeats.map((r) => r.initToReportMs));
  console.log(`the page opened again in the same browser (files from the HTTP cache), ${repeats.length} times:`);
  console.log(`  init() to first report:          ${fmt(again)}  budget ${START_BUDGET_MS} ms: ${again.p95 <= START_BUDGET_MS ? 'met' : 'NOT met'} (p95)`);
  console.log(`  import + init + first report:    ${fmt(stats(repeats.map((r) => r.totalMs)))}`);
  console.log(`  first report: ${runs[0].findings} findings, ruleset ${runs[0].ruleset}`);
}

main().catch((e) => {
  console.error(`bench-widget FAILED: ${e.message}`);
  process.exit(1);
});
