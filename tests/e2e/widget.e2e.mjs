// End-to-end test of the embeddable widget on the demo legacy portal (www/portal/), in Debian's
// Chromium: typing into the portal's OWN inputs shows the right findings at the right inputs
// (aria-invalid, the message element, aria-describedby) and clears them when fixed; the handle's
// events fire (change, valid, invalid); rows added and removed are followed; the linked panel
// focuses an input; the <opd-check> element renders in shadow DOM and dispatches opdcheck-change;
// init({server}) follows the server's policy (an admin's change reaches the form, reports carry
// its version); sync pushes with the demo integrator key: created, then unchanged.
//
//   OPDCHECK_SERVER=… OPDCHECK_DIST=… node tests/e2e/widget.e2e.mjs
//   (dist must hold portal/ and widget/1.0.0/; the server gets a fresh --data-dir, where it
//   seeds the demo integrator key opd-demo-portal-key with the demo accounts)
//
// Exit status 0 when every step passed; otherwise the failing step, why, and a screenshot
// (target/e2e/widget-failure.png).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, outFile, until } from './lib.mjs';

const WAIT = 15_000;
const DEMO_KEY = 'opd-demo-portal-key';
let step = 'start';
const say = (s) => { step = s; console.log(`widget-e2e: ${s}`); };

/** How the widget has marked an input: its aria attributes and the message elements it names. */
const markOf = (locator) => locator.evaluate((el) => {
  const ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
  const msgs = ids.map((id) => document.getElementById(id)).filter((m) => m && m.classList.contains('opd-msg'));
  return {
    invalid: el.getAttribute('aria-invalid'),
    describedby: el.getAttribute('aria-describedby'),
    rules: msgs.flatMap((m) => [...m.querySelectorAll('[data-rule]')].map((x) => x.dataset.rule)),
    text: msgs.map((m) => m.textContent).join(' | '),
    classes: msgs.map((m) => m.className).join(' | '),
    nextIsMsg: !!(el.nextElementSibling && ids.includes(el.nextElementSibling.id)),
  };
});

const events = (page) => page.evaluate(() => window.opdEvents.map((e) => e.type));
const transitions = async (page) => (await events(page)).filter((t) => t !== 'change');

/** Rule codes shown in an <opd-check>'s shadow root. */
const panelRules = (page, sel) => page.locator(sel).evaluate((el) =>
  el.shadowRoot ? [...el.shadowRoot.querySelectorAll('li[data-rule]')].map((li) => li.dataset.rule) : null);

async function fillRow(page, n, row) {
  const r = page.locator('#drugRows tr.drug-row').nth(n);
  await r.locator('.drug-name').fill(row.drug);
  await r.locator('.drug-spec').fill(row.strength);
  await r.locator('.drug-dose').fill(row.dose);
  await r.locator('.drug-unit').selectOption(row.unit);
  await r.locator('.drug-route').selectOption(row.route);
  await r.locator('.drug-freq').fill(row.frequency);
  await r.locator('.drug-days').fill(row.days);
  await r.locator('.drug-qty').fill(row.qty);
  await r.locator('.drug-qty-unit').selectOption(row.qtyUnit);
}

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'opdcheck-widget-e2e-'));
  const server = await startServer(['--data-dir', dataDir]);
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
  const pageErrors = [];
  page.setDefaultTimeout(WAIT);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
  try {
    await run(page, server.url);
    if (pageErrors.length) throw new Error(`errors in the page: ${pageErrors.join('; ')}`);
    console.log('widget-e2e: all steps passed');
  } catch (e) {
    await page.screenshot({ path: outFile('widget-failure.png'), fullPage: true }).catch(() => {});
    e.message = `step "${step}": ${e.message}` +
      (pageErrors.length ? `\npage errors: ${pageErrors.join('; ')}` : '') +
      `\nscreenshot: ${outFile('widget-failure.png')}`;
    throw e;
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function run(page, url) {
  say(`open ${url}portal/`);
  await page.goto(`${url}portal/`);
  await until('the portal ready (widget loaded, form attached)',
    () => page.evaluate(() => document.body.dataset.ready === '1' && !!window.portal.handle.report()), Boolean, WAIT);

  say('the module API: version, rules, the version stamped in the report');
  const api = await page.evaluate(async () => {
    const m = await import('/widget/1.0.0/opdcheck.js');
    const rules = m.rules();
    return {
      version: m.version(),
      ruleset: m.ruleset(),
      reportRuleset: window.portal.handle.report().ruleset,
      rx08: rules.find((r) => r.code === 'RX-08'),
      bad: m.validate('{"kind":"prescription",\n"items":[{"drug":42}]}'),
    };
  });
  assert.equal(api.version, '1.0.0');
  assert.ok(api.reportRuleset.startsWith(`${api.version}+`), `report ruleset ${api.reportRuleset}`);
  assert.equal(api.ruleset, api.reportRuleset);
  assert.equal(api.rx08.kind, 'prescription');
  assert.equal(api.rx08.severity, 'error');
  assert.equal(api.bad.error.path, 'items[0].drug');
  assert.equal(api.bad.error.line, 2);
  const pkgRes = await fetch(`${url}widget/1.0.0/package.json`);
  api.pkg = pkgRes.ok ? await pkgRes.json() : null;
  if (api.pkg) {
    assert.equal(api.pkg.version, api.version);
    assert.equal(api.pkg.module, 'opdcheck.js');
    assert.equal(api.pkg.types, 'opdcheck.d.ts');
  }
  else console.log('widget-e2e: note: no package.json in the widget folder (hand-built dist)');

  say('the empty form: first report is not qualified; RX-01 at the portal\'s #pname and #mzh');
  await until('change then invalid on the first report', () => events(page), (e) => e[0] === 'change' && e[1] === 'invalid', WAIT);
  let m = await markOf(page.locator('#pname'));
  assert.equal(m.invalid, 'true');
  assert.deepEqual(m.rules, ['RX-01']);
  assert.match(m.text, /处方前记缺姓名|姓名/);
  assert.match(m.classes, /\bopd-msg\b.*\bopd-error\b/);
  assert.ok(m.nextIsMsg, 'the message element is right after the input');
  m = await markOf(page.locator('#mzh'));
  assert.deepEqual(m.rules, ['RX-01']);
  assert.match(m.describedby, /^mzhTip opd-msg-/, 'the portal\'s own aria-describedby token is kept first');

  say('type the header into the portal\'s own inputs: the marks go away');
  await page.locator('#pname').fill('张伟');
  await until('#pname unmarked', () => markOf(page.locator('#pname')), (x) => x.invalid === null && x.describedby === null, WAIT);
  await page.locator('#fb').selectOption('医保');
  await page.locator('#mzh').fill('MZ20261122001');
  await until('#mzh back to its own describedby', () => markOf(page.locator('#mzh')), (x) => x.describedby === 'mzhTip' && x.invalid === null, WAIT);
  await page.locator('#ksmc').selectOption('呼吸内科');
  await page.locator('#psex').selectOption('1');
  await page.locator('#page').fill('45');
  await page.locator('#ptz').fill('70');
  await page.locator('#psfz').fill('110101198101010011');
  await page.locator('#pgms').fill('否认药物过敏史');
  await page.locator('#zd').fill('急性支气管炎');
  await page.locator('#zdbm').fill('J20.9');

  say('the first drug row, signature, end mark: qualified, the valid event fires');
  await fillRow(page, 0, { drug: '阿莫西林胶囊', strength: '0.25g×24粒', dose: '0.5', unit: 'g', route: '口服', frequency: 'tid', days: '4', qty: '1', qtyUnit: '盒' });
  await page.locator('#btnSign').click();
  await page.locator('#wcbz').check();
  await until('the valid event', () => transitions(page), (t) => t.join() === 'invalid,valid', WAIT).catch(async (e) => {
    const r = await page.evaluate(() => window.portal.handle.report());
    throw new Error(`${e.message}; findings: ${JSON.stringify((r.findings || []).map((f) => [f.rule, f.path]))}`);
  });
  assert.equal(await page.locator('.opd-msg').count(), 0, 'no message left on a qualified form');
  assert.equal(await page.locator('[aria-invalid="true"]').count(), 0);

  say('add a second row (MutationObserver) and type 遵医嘱 as its frequency: RX-08 at that input');
  await page.locator('#btnAdd').click();
  await fillRow(page, 1, { drug: '盐酸氨溴索片', strength: '30mg×20片', dose: '30', unit: 'mg', route: '口服', frequency: '遵医嘱', days: '5', qty: '1', qtyUnit: '盒' });
  const freq2 = page.locator('#drugRows tr.drug-row').nth(1).locator('.drug-freq');
  m = await until('RX-08 at the 2nd row\'s frequency', () => markOf(freq2), (x) => x.rules.includes('RX-08'), WAIT);
  assert.equal(m.invalid, 'true');
  assert.deepEqual(m.rules, ['RX-08']);
  assert.match(m.text, /RX-08/);
  assert.match(m.text, /用法不得使用“遵医嘱”等含糊字句/);
  assert.ok(m.nextIsMsg);
  const freq1 = await markOf(page.locator('#drugRows tr.drug-row').nth(0).locator('.drug-freq'));
  assert.equal(freq1.invalid, null, 'the 1st row\'s frequency is not marked');
  const report = await page.evaluate(() => window.portal.handle.report());
  assert.deepEqual(report.findings.map((f) => [f.rule, f.path]), [['RX-08', 'items[1].frequency']]);
  assert.equal(report.score.qualified, false);
  await until('the invalid event', () => transitions(page), (t) => t.join() === 'invalid,valid,invalid', WAIT);
  await page.screenshot({ path: outFile('widget-portal-rx08.png'), fullPage: true });

  say('the linked panel lists RX-08 in its shadow root; clicking it focuses the 2nd row\'s frequency');
  await until('RX-08 in #rxPanel', () => panelRules(page, '#rxPanel'), (r) => r && r.join() === 'RX-08', WAIT);
  await page.locator('#rxPanel li[data-rule="RX-08"] button').click();
  assert.ok(await page.evaluate(() => document.activeElement === document.querySelectorAll('#drugRows .drug-freq')[1]),
    'the focused element is the 2nd row\'s frequency input');

  say('switch the language to English: the message at the input and the panel follow');
  await page.locator('#langEn').check();
  await until('the English message at the input', () => markOf(freq2), (x) => /vague/i.test(x.text), WAIT);
  await until('the English panel', () => page.locator('#rxPanel').evaluate((el) => el.shadowRoot.textContent), (t) => /Not qualified/.test(t), WAIT);
  await page.locator('#langZh').check();
  await until('the Chinese message again', () => markOf(freq2), (x) => /含糊/.test(x.text), WAIT);

  say('fix the frequency to tid: RX-08 cleared, valid again');
  await freq2.fill('tid');
  await until('the 2nd row\'s frequency unmarked', () => markOf(freq2), (x) => x.invalid === null && x.describedby === null, WAIT);
  assert.equal(await page.locator('.opd-msg').count(), 0);
  await until('the valid event again', () => transitions(page), (t) => t.join() === 'invalid,valid,invalid,valid', WAIT);
  const changes = (await events(page)).filter((t) => t === 'change').length;
  assert.ok(changes >= 4, `change fired on each new report (${changes})`);

  say('remove the first row: the second becomes items[0]');
  await page.locator('#drugRows tr.drug-row').nth(0).locator('.btn-del').click();
  await until('one item left, 盐酸氨溴索片',
    () => page.evaluate(() => window.portal.handle.document().items.map((i) => i.drug)), (d) => d.join() === '盐酸氨溴索片', WAIT);

  say('setPolicy: a bad override throws OpdcheckError naming its path; a good one re-checks the form; null resets');
  const pol = await page.evaluate(async () => {
    const m = await import('/widget/1.0.0/opdcheck.js');
    const before = m.ruleset();
    let bad;
    try { m.setPolicy({ limits: { max_drugs: 'five' } }); } catch (e) { bad = { name: e.name, path: e.error && e.error.path, same: m.ruleset() === before }; }
    const changed = m.setPolicy({ limits: { max_drugs: 4 } });
    const seen = window.portal.handle.report().ruleset;
    const maxDrugs = m.policy().limits.max_drugs;
    const reset = m.setPolicy(null);
    return { before, bad, changed, seen, maxDrugs, reset, after: window.portal.handle.report().ruleset };
  });
  assert.deepEqual(pol.bad, { name: 'OpdcheckError', path: 'limits.max_drugs', same: true });
  assert.notEqual(pol.changed, pol.before);
  assert.equal(pol.seen, pol.changed, 'the attached form was re-checked with the new policy');
  assert.equal(pol.maxDrugs, 4);
  assert.equal(pol.reset, pol.before);
  assert.equal(pol.after, pol.before);

  say('init({server}): the server\'s policy, followed by ETag; reports carry its version');
  const admin = await fetch(`${url}api/v1/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'admin' }),
  }).then((r) => r.json());
  const asAdmin = (method, route, body) => fetch(`${url}api/v1/${route}`, {
    method, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${admin.token}` }, body: JSON.stringify(body),
  }).then((r) => r.json());
  const follow = () => page.evaluate(async () => {
    const m = await import('/widget/1.0.0/opdcheck.js');
    const init = await m.init({ server: location.origin });
    const cached = JSON.parse(localStorage.getItem(`opdcheck.widget.policy:${location.origin}`) || 'null');
    return {
      init: init.policyVersion,
      inForce: m.policyInForce(),
      maxDrugs: m.policy().limits.max_drugs,
      report: window.portal.handle.report().policy_version,
      cached: cached && [cached.policy.version, !!cached.etag],
    };
  });
  const v0 = await follow();
  assert.deepEqual([v0.init, v0.inForce.version, v0.inForce.source, v0.report, v0.cached], [0, 0, 'server', 0, [0, true]]);
  const set = await asAdmin('PUT', 'policy', { limits: { max_drugs: 2 } });
  assert.equal(set.version, 1);
  const v1 = await until('the widget to follow version 1', follow, (x) => x.inForce.version === 1, WAIT);
  assert.deepEqual([v1.init, v1.inForce.ruleset, v1.maxDrugs, v1.report, v1.cached], [1, set.ruleset, 2, 1, [1, true]]);
  assert.equal(await page.evaluate(async () => (await import('/widget/1.0.0/opdcheck.js')).ruleset()), set.ruleset,
    'the widget\'s engine gives the server\'s ruleset for the same override');
  // Back to the default for the steps below (a roll-back to 0 is stored as version 2).
  await asAdmin('POST', 'policy/rollback', { version: 0 });
  const v2 = await until('the widget to follow version 2', follow, (x) => x.inForce.version === 2, WAIT);
  assert.equal(v2.maxDrugs, 5, 'the default policy again');

  say('<opd-check> fed a document: findings in its shadow root, opdcheck-change bubbling and composed');
  const el = page.locator('#docPanel');
  assert.ok(await el.evaluate((x) => !!x.shadowRoot), 'the element has a shadow root');
  await until('the clean exam request qualified', () => el.evaluate((x) => {
    const b = x.shadowRoot.querySelector('[part~="badge"]');
    return b && b.dataset.qualified;
  }), (q) => q === 'true', WAIT);
  await page.evaluate(() => {
    window.captured = [];
    document.addEventListener('opdcheck-change', (e) => {
      if (e.target.id === 'docPanel') window.captured.push({ bubbles: e.bubbles, composed: e.composed, report: e.detail.report });
    });
  });
  await page.evaluate(() => {
    const doc = JSON.parse(document.querySelector('#docJson').value);
    delete doc.body_site;
    window.portal.docPanel.document = doc;
  });
  await until('RQ-02 in the shadow root', () => panelRules(page, '#docPanel'), (r) => r && r.includes('RQ-02'), WAIT);
  const ev = await page.evaluate(() => window.captured.at(-1));
  assert.equal(ev.bubbles, true);
  assert.equal(ev.composed, true);
  assert.equal(ev.report.document.kind, 'exam_request');
  assert.ok(ev.report.findings.some((f) => f.rule === 'RQ-02' && f.path === 'body_site'), JSON.stringify(ev.report.findings));
  // (Playwright's locators pierce shadow roots; querySelectorAll does not.)
  assert.equal(await page.evaluate(() => document.querySelectorAll('li[data-rule]').length), 0, 'no finding rendered in the light DOM');
  assert.ok(await el.evaluate((x) => x.shadowRoot.querySelectorAll('li[data-rule="RQ-02"]').length === 1));
  assert.equal(await el.evaluate((x) => x.shadowRoot.querySelector('[part~="badge"]').dataset.qualified), 'false');

  say('malformed JSON typed into the portal\'s textarea: the located error in the panel, in Chinese');
  await page.locator('#docJson').fill('{"kind": "exam_request",\n "id": "x", "items": [1]}');
  await until('the input error', () => el.evaluate((x) => {
    const p = x.shadowRoot.querySelector('[part~="input-error"]');
    return p && p.textContent;
  }), (t) => /^第 2 行.*items\[0\]：类型不符/.test(t || ''), WAIT);
  await page.locator('#docSample').selectOption('exam');
  await until('the sample back, qualified', () => el.evaluate((x) => x.report && x.report.score && x.report.score.qualified), Boolean, WAIT);

  say('sync with the demo integrator key: created, then unchanged');
  // The server seeds the demo key with the demo accounts on a fresh data dir.
  const probe = await fetch(`${url}api/v1/records`, { headers: { 'X-Api-Key': DEMO_KEY } });
  assert.equal(probe.status, 200, `GET /api/v1/records with the demo key ${DEMO_KEY}: ${probe.status}`);
  assert.equal(await page.locator('#apiKey').inputValue(), DEMO_KEY, 'the portal\'s key input prefilled with the demo key');
  const rxId = await page.evaluate(() => window.portal.handle.document().id);
  const statusOf = () => page.locator('#syncRows tr[data-id]').evaluateAll((trs) => trs.map((tr) => [tr.dataset.id, tr.dataset.status]));
  await page.locator('#btnSync').click();
  let st = await until('both records created', statusOf, (s) => s.length === 2 && s.every(([, x]) => x === 'created'), WAIT);
  const examId = JSON.parse(await page.locator('#docJson').inputValue()).id;
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  assert.match(rxId, uuid, 'the portal gives a new prescription a random UUID');
  assert.match(examId, uuid, 'and a sample shown, a new one');
  assert.deepEqual(st.map(([id]) => id), [rxId, examId]);
  const first = await page.evaluate(() => window.opdSyncResults.prescription);
  assert.equal(first.ok, true);
  assert.equal(first.results[0].version, 1);
  assert.equal(first.results[0].report.score.qualified, true, 'the server\'s own report');
  await page.locator('#btnSync').click();
  st = await until('both records unchanged', statusOf, (s) => s.length === 2 && s.every(([, x]) => x === 'unchanged'), WAIT);
  await page.screenshot({ path: outFile('widget-portal-synced.png'), fullPage: true });

  say('an edit after the push is pushed as version 2');
  await page.locator('#pgms').fill('否认药物过敏史。');
  await until('the document changed', () => page.evaluate(() => window.portal.handle.document().patient.allergy_history), (v) => v.endsWith('。'), WAIT);
  await page.locator('#btnSync').click();
  st = await until('the prescription created as version 2', () => page.locator('#syncRows tr[data-id]').evaluateAll((trs) => trs.map((tr) => [tr.dataset.id, tr.dataset.status, tr.children[2].textContent])),
    (s) => s.length === 2 && s[0][1] === 'created' && s[0][2] === '2' && s[1][1] === 'unchanged', WAIT);

  say('destroy(): every mark and message removed, typing no longer checked');
  const freq = page.locator('#drugRows tr.drug-row').nth(0).locator('.drug-freq');
  await freq.fill('遵医嘱');
  await until('RX-08 back', () => markOf(freq), (x) => x.rules.includes('RX-08'), WAIT);
  await page.evaluate(() => window.portal.handle.destroy());
  assert.equal(await page.locator('.opd-msg').count(), 0);
  assert.equal(await page.locator('[aria-invalid]').count(), 0);
  assert.equal(await page.locator('#mzh').getAttribute('aria-describedby'), 'mzhTip');
  await page.locator('#pname').fill('');
  await page.waitForTimeout(300); // a check would have run within a frame; nothing may appear
  assert.equal(await page.locator('.opd-msg').count(), 0, 'no check after destroy()');
}

main().catch((e) => {
  console.error(`widget-e2e: FAILED: ${e.message}\n${e.stack}`);
  process.exit(1);
});
