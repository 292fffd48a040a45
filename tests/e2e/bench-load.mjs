// Load to interactive on localhost, cold: navigation start → the prescription form is rendered
// and answers input (typing a patient name clears the "name missing" finding, RX-01, painted).
//
//   cargo xtask bench-load [--runs 5]
//
// Each run is a new browser (empty HTTP and code caches). In the page, from the first script
// on (an init script), a MutationObserver waits for `#f-rx-patient-name`; it then types a name
// (an `input` event, as a keystroke does), waits for the app to drop RX-01 from the field's
// findings, and marks the next painted frame (rAF, then a task). Times are `performance.now()`,
// whose origin is the navigation start.

import { startServer, launchBrowser, stats } from './lib.mjs';

const argv = process.argv.slice(2);
const runs = Number(argv[argv.indexOf('--runs') + 1] || 5) || 5;

function installProbe() {
  const t = (window.__load = {});
  const painted = (key) => requestAnimationFrame(() => setTimeout(() => { t[key] = performance.now(); }, 0));
  const findings = () => [...document.querySelectorAll('#f-rx-patient-name-desc li.ff[data-rule]')].map((li) => li.dataset.rule);
  const poke = (input) => {
    t.form = performance.now();
    const before = findings();
    if (!before.includes('RX-01')) {
      t.error = `a fresh page should list RX-01 at the empty name field; it lists ${JSON.stringify(before)}`;
      return;
    }
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
    setValue.call(input, '张伟');
    input.dispatchEvent(new Event('input', { bubbles: true }));
    const done = () => !findings().includes('RX-01');
    if (done()) return painted('interactive');
    const mo = new MutationObserver(() => {
      if (done()) { mo.disconnect(); painted('interactive'); }
    });
    mo.observe(document.body, { childList: true, subtree: true, characterData: true });
  };
  const look = () => {
    const input = document.getElementById('f-rx-patient-name');
    if (input && input.offsetParent !== null) { obs.disconnect(); poke(input); }
  };
  const obs = new MutationObserver(look);
  document.addEventListener('DOMContentLoaded', () => {
    obs.observe(document.body, { childList: true, subtree: true });
    look();
  });
}

async function main() {
  const server = await startServer();
  const results = [];
  try {
    for (let i = 0; i < runs; i++) {
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage();
        await page.addInitScript(installProbe);
        await page.goto(server.url, { waitUntil: 'commit' });
        await page.waitForFunction(() => window.__load && (window.__load.interactive || window.__load.error), null, { timeout: 30_000 });
        const t = await page.evaluate(() => {
          const nav = performance.getEntriesByType('navigation')[0];
          return { ...window.__load, dcl: nav.domContentLoadedEventEnd, loadEnd: nav.loadEventEnd };
        });
        if (t.error) throw new Error(t.error);
        console.log(`  run ${i + 1}: form rendered ${t.form.toFixed(0)} ms, interactive ${t.interactive.toFixed(0)} ms (DOMContentLoaded ${t.dcl.toFixed(0)} ms)`);
        results.push(t);
      } finally {
        await browser.close();
      }
    }
  } finally {
    await server.stop();
  }
  const i = stats(results.map((r) => r.interactive));
  const f = stats(results.map((r) => r.form));
  console.log(`bench-load: ${runs} cold loads of ${server.url} in Chromium`);
  console.log(`  navigation start → form rendered: median ${f.median.toFixed(0)} ms (min ${f.min.toFixed(0)}, max ${f.max.toFixed(0)})`);
  console.log(`  navigation start → interactive:   median ${i.median.toFixed(0)} ms (min ${i.min.toFixed(0)}, max ${i.max.toFixed(0)})`);
}

main().catch((e) => {
  console.error(`bench-load FAILED: ${e.message}`);
  process.exit(1);
});
