// Cold loads on localhost, in Chromium, as a doctor meets the app: the new prescription form
// appears (untouched fields show no findings), and as soon as its first frame is painted the
// doctor commits "遵医嘱" into the first drug line's frequency; the app answers RX-08 (no
// definite frequency) at the field.
//  - navigation start → first finding painted: until the frame that shows that RX-08;
//  - first key → its finding painted: from the key (the task right after the form's first
//    painted frame) to that same frame.
//
//   cargo xtask bench-load [--runs 5] [--throttle 4]
//   (budgets: first finding ≤ 500 ms median; first key → its finding ≤ 50 ms in every run)
//
// Each run is a new browser (empty HTTP and code caches). In the page, from the first script
// on (an init script), a MutationObserver waits for the field. A painted frame is marked by
// rAF, then a task. Times are `performance.now()`, whose origin is the navigation start.
// `--throttle 4` slows the page's CPU four times (CDP Emulation.setCPUThrottlingRate), the
// stand-in for an old hospital PC.

import { startServer, launchBrowser, stats, throttle, throttleArg } from './lib.mjs';

const argv = process.argv.slice(2);
const runs = Number(argv[argv.indexOf('--runs') + 1] || 5) || 5;
const rate = throttleArg(argv);

function installProbe() {
  const t = (window.__load = {});
  const painted = (key, then) => requestAnimationFrame(() => setTimeout(() => {
    t[key] = performance.now();
    if (then) then();
  }, 0));
  const FIELD = 'f-rx-items-0--frequency';
  const findings = () => [...document.querySelectorAll(`#${FIELD}-desc li.ff[data-rule]`)].map((li) => li.dataset.rule);
  const shown = (input) => {
    t.form = performance.now();
    // Untouched fields show no findings: the doctor has not written there yet.
    const before = findings();
    if (before.length) {
      t.error = `a fresh form should show no finding at the untouched frequency field; it lists ${JSON.stringify(before)}`;
      return;
    }
    painted('formPainted', () => type(input));
  };
  // The first key, in the task after the frame that first showed the form: "遵医嘱" committed
  // into the frequency field (as an IME gives it), whose answer is RX-08 (no definite frequency).
  const type = (input) => {
    t.key = performance.now();
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
    setValue.call(input, '遵医嘱');
    input.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: '遵医嘱' }));
    const done = () => findings().includes('RX-08');
    if (done()) return painted('firstFinding');
    const mo = new MutationObserver(() => {
      if (done()) { mo.disconnect(); painted('firstFinding'); }
    });
    mo.observe(document.body, { childList: true, subtree: true, characterData: true });
  };
  const look = () => {
    const input = document.getElementById(FIELD);
    if (input && input.offsetParent !== null) { obs.disconnect(); shown(input); }
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
        await throttle(page, rate);
        await page.addInitScript(installProbe);
        await page.goto(server.url, { waitUntil: 'commit' });
        await page.waitForFunction(() => window.__load && (window.__load.firstFinding || window.__load.error), null, { timeout: 30_000 });
        const t = await page.evaluate(() => {
          const nav = performance.getEntriesByType('navigation')[0];
          return { ...window.__load, dcl: nav.domContentLoadedEventEnd, loadEnd: nav.loadEventEnd };
        });
        if (t.error) throw new Error(t.error);
        console.log(`  run ${i + 1}: form rendered ${t.form.toFixed(0)} ms, form painted ${t.formPainted.toFixed(0)} ms, first finding painted ${t.firstFinding.toFixed(0)} ms, first key → its finding painted ${(t.firstFinding - t.key).toFixed(0)} ms (DOMContentLoaded ${t.dcl.toFixed(0)} ms)`);
        results.push(t);
      } finally {
        await browser.close();
      }
    }
  } finally {
    await server.stop();
  }
  const line = (what, s) => console.log(`  ${what.padEnd(44)} median ${s.median.toFixed(0)} ms (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)})`);
  const first = stats(results.map((r) => r.firstFinding));
  const key = stats(results.map((r) => r.firstFinding - r.key));
  console.log(`bench-load: ${runs} cold loads of ${server.url} in Chromium, CPU ${rate > 1 ? `throttled ${rate}×` : 'not throttled'}`);
  line('navigation start → form rendered', stats(results.map((r) => r.form)));
  line('navigation start → form painted', stats(results.map((r) => r.formPainted)));
  line('navigation start → first finding painted', first);
  line('first key → its finding painted', key);
  console.log(`  budgets: first finding ≤ 500 ms: ${first.median <= 500 ? 'met' : 'NOT met'} (median); first key ≤ 50 ms: ${key.max <= 50 ? 'met' : 'NOT met'} (every run)`);
}

main().catch((e) => {
  console.error(`bench-load FAILED: ${e.message}`);
  process.exit(1);
});
