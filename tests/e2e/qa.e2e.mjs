// The QA workspace end to end, as a QA user does it in the app: generated demo data, sign in as
// qa, draw a sample of 20 prescriptions, review one record (dismiss a finding with a reason, add
// a manual deduction), see the score sheet change, download the CSV and check its rows; then a
// visit synced as its documents: found in the visits view with the time left to report, its
// documents side by side, a cross-document finding dismissed with a reason, the review stored.
//
//   node tests/e2e/qa.e2e.mjs      (cargo xtask e2e runs it after building the app and server)
//   OPDCHECK_SHOTS=dir             also copies the visits view's screenshots (1366×768) there

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, config, outFile, until } from './lib.mjs';

const step = (s) => console.log(`qa-e2e: ${s}`);
const root = path.resolve(import.meta.dirname, '..', '..');

/** Local date `YYYY-MM-DD` (the app's default period is this month). */
function today() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** Clinic time (UTC+08:00, as documents write it) `hoursAgo` hours before now, to the minute. */
function clinic(hoursAgo) {
  return new Date(Date.now() + (8 - hoursAgo) * 3600_000).toISOString().slice(0, 16);
}

/** A screenshot into target/e2e, copied into the folder $OPDCHECK_SHOTS names, if any. */
async function shot(page, name) {
  const file = outFile(name);
  await page.screenshot({ path: file });
  const shots = process.env.OPDCHECK_SHOTS;
  if (shots && existsSync(shots)) copyFileSync(file, path.join(shots, name));
}

/**
 * One visit synced as its documents, as the app syncs them: an outpatient record of an hour ago
 * diagnosing chronic hepatitis B (notifiable, its card due within 24 h) and a prescription whose
 * diagnosis the record lacks (XV-02 across the two documents).
 */
async function pushVisit(server) {
  const sample = (name) => JSON.parse(readFileSync(path.join(root, 'crates/opdcheck-engine/samples', name), 'utf8'));
  const at = clinic(1);
  const record = sample('outpatient_record-clean.json');
  Object.assign(record, {
    id: 'qa-e2e-mr-1', visit_id: 'qa-e2e-v1', visit_at: at,
    diagnoses: ['急性支气管炎', '慢性乙型病毒性肝炎'], diagnosis_codes: ['J20.9', 'B18.1'],
    infectious_report_status: null,
  });
  record.physician.signed_at = at;
  record.patient.record_no = 'MZ-E2E-V1';
  const rx = sample('prescription-clean.json');
  Object.assign(rx, { id: 'qa-e2e-rx-v1', visit_id: 'qa-e2e-v1', issued_at: at, diagnoses: ['原发性高血压'], diagnosis_codes: ['I10'] });
  rx.prescriber.signed_at = at;
  rx.patient.record_no = 'MZ-E2E-V1';
  for (const doc of [record, rx]) {
    const pushed = await fetch(`${server.url}api/v1/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'opd-demo-portal-key' },
      body: JSON.stringify({ records: [{ id: doc.id, version: 1, document: doc }] }),
    }).then((r) => r.json());
    assert.equal(pushed.results[0].status, 'created', JSON.stringify(pushed));
  }
}

/** The visits view: find the visit, open it, dismiss its cross-document finding, see it stored. */
async function reviewVisit(page, server) {
  step('the visits view opens on overdue visits (the demo\'s missed reports)');
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.click('#qa-tab-visits');
  await page.locator('#qa-visits-list, #qa-visits-empty').first().waitFor();
  assert.equal(await page.locator('#qa-visits-state').inputValue(), 'overdue');
  for (const state of await page.locator('#qa-visits-list tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.state))) {
    assert.equal(state, 'overdue');
  }

  step('every visit: the one synced an hour ago, its card due with about 23 hours left');
  await page.selectOption('#qa-visits-state', '');
  const row = page.locator('#qa-visits-list tr[data-visit="qa-e2e-v1"]');
  await row.waitFor();
  const text = await row.innerText();
  assert.match(text, /待上报/, text);
  assert.match(text, /剩余 2[23]小时\d+分/, text);
  assert.match(text, /XV-02/, text);
  await shot(page, 'qa-visits-list.png');

  step('open it: the record and the prescription side by side');
  await row.locator('.qa-visit-open').click();
  await page.locator('#qa-visit-docs').waitFor();
  const docs = page.locator('#qa-visit-docs .qa-visit-doc');
  assert.equal(await docs.count(), 2);
  assert.match(await docs.nth(0).innerText(), /门诊病历[\s\S]*慢性乙型病毒性肝炎/);
  assert.match(await docs.nth(1).innerText(), /处方[\s\S]*原发性高血压/);
  assert.match(await page.locator('#qa-visit-report').innerText(), /剩余 2[23]小时/);

  step('dismiss the cross-document finding: refused without a reason, stored with one');
  const finding = page.locator('#qa-visit-findings .qa-finding[data-rule="XV-02"]').first();
  await finding.locator('.qa-dismiss').check();
  await page.click('#qa-visit-save');
  await page.waitForFunction(() => /理由/.test(document.querySelector('.qa-visit-one [role=alert]').textContent));
  await finding.locator('.qa-reason-input').fill('高血压为既往史，处方诊断无误');
  await page.fill('#qa-visit-note', '已与医师核实');
  await page.click('#qa-visit-save');
  await page.waitForFunction(() => /第 1 版/.test(document.querySelector('#qa-visit-saved').textContent));
  assert.match(await page.locator('#qa-visit-review').innerText(), /XV-02[\s\S]*驳回：高血压为既往史/);
  // From the top: the report's time left and the documents side by side.
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'qa-visit.png');

  step('the review is stored: GET /api/v1/visits/qa-e2e-v1 says so');
  const { token } = await fetch(`${server.url}api/v1/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'qa', password: 'qa' }),
  }).then((r) => r.json());
  const detail = await fetch(`${server.url}api/v1/visits/qa-e2e-v1`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
  const review = detail.visits[0].review;
  assert.equal(review.revision, 1, JSON.stringify(detail));
  const xv02 = review.findings.find((f) => f.rule === 'XV-02');
  assert.equal(xv02.decision, 'dismissed');
  assert.equal(xv02.reason, '高血压为既往史，处方诊断无误');
  assert.equal(review.note, '已与医师核实');
}

async function main() {
  const data = mkdtempSync(path.join(tmpdir(), 'opdcheck-qa-e2e-'));
  step('generate demo data (2 months, 600 records) into a fresh store');
  execFileSync(config.server, ['--data-dir', data, 'demo-data', '--months', '2', '--records', '600'], { stdio: 'inherit' });
  const server = await startServer(['--data-dir', data]);
  const browser = await launchBrowser();
  const errors = [];
  try {
    // A known defective prescription of today, pushed as an integrator would: QA adds it to the
    // sample by hand and reviews it, so the test does not depend on what the draw picks.
    const rx = JSON.parse(readFileSync(path.join(root, 'crates/opdcheck-app/samples/prescription-defective.json'), 'utf8'));
    rx.id = 'qa-e2e-rx-1';
    rx.issued_at = `${today()}T09:30`;
    const pushed = await fetch(`${server.url}api/v1/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'opd-demo-portal-key' },
      body: JSON.stringify({ records: [{ id: rx.id, version: 1, document: rx }] }),
    }).then((r) => r.json());
    assert.equal(pushed.results[0].status, 'created', JSON.stringify(pushed));
    assert.equal(pushed.results[0].report.score.qualified, false);
    await pushVisit(server);

    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      // Signing out calls POST /api/v1/logout; a server without it (404/405) is no error here:
      // the browser is signed out all the same.
      if (m.type() === 'error' && !/\/api\/v1\/logout$/.test(m.location().url ?? '')) errors.push(`console: ${m.text()}`);
    });

    step('a doctor signed in to the app follows 质控: told the workspace is not for this role');
    await page.goto(`${server.url}#/login`);
    await page.fill('#login-user', 'doctor');
    await page.fill('#login-pass', 'doctor');
    await page.click('.login-form button[type=submit]');
    await page.waitForURL(/#\/records/);
    await page.click('#nav-qa');
    await page.waitForURL(/\/qa\/$/);
    await page.locator('.qa [role=alert]').first().waitFor();
    assert.match(await page.locator('.qa').innerText(), /不是质控或管理员/);

    step('sign in again as qa in the workspace');
    await page.click('.qa [role=alert] button');
    // Signing out asks first (what stays on this browser), then the sign-in form.
    await page.locator('#sign-out-dialog').waitFor();
    await page.click('#sign-out-confirm');
    await page.fill('#login-user', 'qa');
    await page.fill('#login-pass', 'qa');
    await page.click('.login-form button[type=submit]');

    step('the score sheet of this month: rates against the targets, groups, trend, rules');
    await page.locator('#qa-card-rx .qa-value').waitFor();
    const cardText = async () => page.locator('#qa-card-total').innerText();
    const before = await cardText();
    const reviewedOf = (t) => Number(/已评审 (\d+) 份/.exec(t)[1]);
    const deductionOf = async () => Number(/扣 ([\d.]+) 分/.exec(await page.locator('#qa-total-deduction').innerText())[1]);
    assert.equal(reviewedOf(before), 0, before);
    const deduction0 = await deductionOf();
    assert.ok((await page.locator('#qa-groups tbody tr').count()) >= 2, 'several departments');
    await page.locator('svg.chart polyline.series.rx').first().waitFor();
    assert.ok((await page.locator('#qa-rules tbody tr').count()) >= 1, 'the rules that fire');
    // The policy the server scores with is named (a fresh server: the default).
    await until('the policy in force named', () => page.locator('.qa-policy .policy-used').textContent().catch(() => ''), (t) => t === '默认规则', 15_000);

    step('draw a sample of 20 prescriptions over the demo\'s two months, stratified, seeded');
    await page.click('#qa-tab-samples');
    await page.fill('#qa-sample-name', '近两月处方点评');
    // The demo's two months, not only this one: early in a month, this month alone may hold
    // fewer than twenty prescriptions.
    const now = new Date();
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 10);
    await page.fill('#qa-sample-from', from);
    await page.fill('#qa-sample-size', '20');
    await page.fill('#qa-sample-seed', '42');
    await page.click('#qa-sample-draw');
    await page.locator('#qa-sample-records').waitFor();
    const rows = page.locator('#qa-sample-records tbody tr');
    assert.equal(await rows.count(), 20, 'twenty records drawn');
    const drawn = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.record));
    assert.equal(new Set(drawn).size, 20, 'no record twice');

    step('add the known record by hand, and open its review');
    if (!drawn.includes(rx.id)) {
      await page.fill('#qa-add-ids', rx.id);
      await page.click('.qa-add button[type=submit]');
      await page.locator(`#qa-sample-records tr[data-record="${rx.id}"]`).waitFor();
    }
    await page.locator(`#qa-sample-records tr[data-record="${rx.id}"] .qa-review-open`).click();
    await page.locator('#qa-review-total').waitFor();
    assert.match(await page.locator('#qa-paper').innerText(), /Rp\./, 'the prescription laid out as its paper form');
    const automatic = Number(/自动检查扣 ([\d.]+) 分/.exec(await page.locator('#qa-review-total').innerText())[1]);
    assert.ok(automatic > 0);

    step('dismiss an error finding: refused without a reason, accepted with one');
    const finding = page.locator('.qa-finding.error').first();
    const rule = await finding.getAttribute('data-rule');
    await finding.locator('.qa-dismiss').check();
    await page.click('#qa-review-save');
    await page.waitForFunction(() => /理由/.test(document.querySelector('.qa-review-side [role=alert]').textContent));
    await finding.locator('.qa-reason-input').fill('用法已在病历中写明，属误报');

    step('a manual checklist deduction; the record total follows live');
    const manual = page.locator('.qa-manual-item').first();
    const item = await manual.getAttribute('data-item');
    await manual.locator('.qa-manual-deduction').fill('0.5');
    await manual.locator('.qa-manual-deduction').dispatchEvent('change');
    await manual.locator('.qa-manual-note').fill('未按规定挂号');
    await manual.locator('.qa-manual-note').dispatchEvent('change');
    await page.waitForFunction(() => /不合格/.test(document.querySelector('#qa-review-total').textContent));
    const live = Number(/扣 ([\d.]+) 分/.exec(await page.locator('#qa-review-total strong').innerText())[1]);
    assert.notEqual(live, automatic, 'the review changes the record\'s total');
    await page.click('#qa-review-save');
    await page.waitForFunction(() => /已保存/.test(document.querySelector('#qa-review-saved').textContent));
    const saved = await page.locator('#qa-review-saved').innerText();
    assert.match(saved, new RegExp(`第 1 版评审，不合格 扣 ${live} 分`), `the server stored the total shown: ${saved}`);
    assert.equal(await page.locator('#qa-review-history li').count(), 1);
    step(`  dismissed ${rule}, ${item} −0.5: the record went from −${automatic} to −${live}`);

    step('the change of mind keeps the history');
    await manual.locator('.qa-manual-note').fill('未按规定挂号（复核）');
    await manual.locator('.qa-manual-note').dispatchEvent('change');
    await page.click('#qa-review-save');
    await page.waitForFunction(() => /第 2 版/.test(document.querySelector('#qa-review-saved').textContent));
    assert.equal(await page.locator('#qa-review-history li').count(), 2, 'both revisions listed');

    step('back in the sample: the record shows as reviewed');
    await page.click('#qa-review-back');
    await page.locator(`#qa-sample-records tr[data-record="${rx.id}"]`).waitFor();
    assert.match(await page.locator(`#qa-sample-records tr[data-record="${rx.id}"]`).innerText(), /不合格，扣 [\d.]+ 分/);

    step('the score sheet changed: one record reviewed, its total in the sheet');
    await page.click('#qa-tab-sheet');
    await page.locator('#qa-card-rx .qa-value').waitFor();
    await page.waitForFunction(() => /已评审 1 份/.test(document.querySelector('#qa-card-total').textContent));
    const deduction1 = await deductionOf();
    assert.ok(Math.abs(deduction1 - (deduction0 - automatic + live)) < 0.01,
      `sheet deduction ${deduction0} → ${deduction1}, expected −${automatic} +${live}`);

    step('download the CSV: one row per department and a total row that adds up');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#qa-csv')]);
    const file = outFile('qa-sheet.csv');
    await download.saveAs(file);
    const csv = readFileSync(file, 'utf8');
    assert.ok(csv.startsWith('\uFEFF'), 'a BOM, so spreadsheets read the Chinese right');
    const lines = csv.slice(1).split(/\r?\n/).filter((l) => l !== '');
    assert.equal(lines[0], 'group,key,kind,records,qualified,pass_rate,deduction,reviewed');
    const body = lines.slice(1).map((l) => l.split(','));
    const total = body.find((r) => r[0] === 'total');
    const groups = body.filter((r) => r[0] === 'department');
    assert.ok(total && groups.length >= 2, csv);
    const sum = (k) => groups.reduce((a, r) => a + Number(r[k]), 0);
    assert.equal(sum(3), Number(total[3]), 'records add up');
    assert.equal(sum(4), Number(total[4]), 'qualified add up');
    assert.equal(Number(total[7]), 1, 'one reviewed record');
    assert.ok(Math.abs(Number(total[6]) - deduction1) < 0.01, `CSV total deduction ${total[6]} = the page's ${deduction1}`);
    const onPage = await page.locator('#qa-groups tbody tr td:first-child').allInnerTexts();
    assert.deepEqual(groups.map((r) => r[1]), onPage, 'the same groups as the page');

    await reviewVisit(page, server);

    assert.deepEqual(errors, [], 'no page errors');
    step('all steps passed');
  } finally {
    await browser.close();
    await server.stop();
    rmSync(data, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`qa-e2e FAILED: ${e.stack ?? e.message}`);
  process.exit(1);
});
