// The app's download: every file the browser fetches from the server when the app loads, each
// compressed with gzip -9, against the 350 KB budget (KB = 1024 B).
//
//   cargo xtask bench-app-size
//
// The list comes from Chromium (the responses of a real load, until the form is shown and the
// network is idle), so a file the app starts fetching is counted without editing this script;
// the bytes are the files in dist/ (and the API's answers as received), compressed here (zlib
// level 9, as `gzip -9`).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { startServer, launchBrowser, config } from './lib.mjs';

const BUDGET = 350 * 1024;

async function main() {
  const server = await startServer();
  const browser = await launchBrowser();
  const fetched = new Map();
  // The API's answers (the policy in force, …) are not files: their bodies as received.
  const answers = new Map();
  const failed = [];
  try {
    const page = await browser.newPage();
    page.on('response', (res) => {
      const url = new URL(res.url());
      if (url.origin !== new URL(server.url).origin) return;
      if (res.status() >= 400) failed.push(`${url.pathname} (${res.status()})`);
      else if (url.pathname.startsWith('/api/')) answers.set(url.pathname, res.body().catch(() => Buffer.alloc(0)));
      else fetched.set(url.pathname, res.status());
    });
    await page.goto(server.url);
    await page.locator('#f-rx-patient-name').waitFor({ state: 'visible' });
    await page.waitForLoadState('networkidle');
    for (const [p, body] of answers) answers.set(p, await body);
  } finally {
    await browser.close();
    await server.stop();
  }
  if (fetched.size === 0) throw new Error('the page fetched nothing from the server');
  const rows = [...fetched.keys(), ...answers.keys()].sort().map((p) => {
    const bytes = answers.get(p)
      ?? readFileSync(path.join(config.dist, p === '/' ? 'index.html' : decodeURIComponent(p.slice(1))));
    return { name: p === '/' ? 'index.html' : p.slice(1), raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length };
  });
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log('bench-app-size: files downloaded on load, gzip -9');
  for (const r of rows) console.log(`  ${r.name.padEnd(44)} ${kb(r.raw).padStart(10)} raw  ${kb(r.gz).padStart(10)} gzip  (${r.gz} B)`);
  const raw = rows.reduce((a, r) => a + r.raw, 0);
  const gz = rows.reduce((a, r) => a + r.gz, 0);
  console.log(`  ${'total'.padEnd(44)} ${kb(raw).padStart(10)} raw  ${kb(gz).padStart(10)} gzip  (${gz} B)`);
  console.log(`  budget 350 KB gzip: ${gz <= BUDGET ? 'met' : 'NOT met'} (${((100 * gz) / BUDGET).toFixed(0)} % of it)`);
  if (failed.length) console.log(`  requests that failed (not counted): ${failed.join(', ')}`);
}

main().catch((e) => {
  console.error(`bench-app-size FAILED: ${e.message}`);
  process.exit(1);
});
