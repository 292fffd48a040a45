// A doctor's reason reaches the QA review, and a shadow rule's finding reaches QA and never the
// doctor (issue 15), both through the pages people use: the admin puts RX-09 (quantity against
// the course) in shadow for antibiotics (entry S-1); the demo doctor, in the app, writes a
// prescription whose two lines both carry too large a quantity — the antibiotic's RX-09 is in
// shadow and shown nowhere, the other line's RX-09 is a warning, kept with a reason picked in
// place and the doctor's words — signs it and lets it sync; QA draws the month's sample in the
// QA workspace and finds the reason at the warning and the shadow finding in its own section.
//
//   node tests/e2e/reasons.e2e.mjs     (cargo xtask e2e runs it after building the app and server)
//
// Exit status 0 when every step passed; otherwise the failing step, why, and a screenshot
// (target/e2e/reasons-failure.png).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, outFile, until } from './lib.mjs';

const WAIT = 20_000;
let step = 'start';
const say = (s) => { step = s; console.log(`reasons-e2e: ${s}`); };

const POLICY = {
  alerts: {
    tuning: [{
      id: 'S-1', rule: 'RX-09', action: 'shadow', scope: { drug_classes: ['antibiotic'] },
      rationale: '试行：抗菌药物数量提示是否准确', author: '质控科', expires: '2099-12-31',
    }],
  },
};

async function login(url, username) {
  const res = await fetch(`${url}api/v1/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: username }),
  });
  assert.equal(res.status, 200);
  return (await res.json()).token;
}

async function run(browser, url) {
  say('the admin puts RX-09 in shadow for antibiotics');
  const admin = await login(url, 'admin');
  const put = await fetch(`${url}api/v1/policy`, {
    method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    body: JSON.stringify(POLICY),
  });
  assert.equal(put.status, 200, await put.text());

  const app = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await app.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    say('the doctor signs in to the app and writes a prescription with two large quantities');
    await page.goto(`${url}#/login`);
    await page.fill('#login-user', 'doctor');
    await page.fill('#login-pass', 'doctor');
    await page.click('.login-form button[type=submit]');
    await page.locator('header .tools .user').waitFor({ timeout: WAIT });
    await page.click('a.page-link[href="#/prescription"]');
    // The app follows the server's policy: the shadow entry is in force before writing.
    await until('the hospital policy in force', () => page.locator('footer').innerText(), (t) => /医院规则 第\d+版/.test(t), WAIT);
    await page.selectOption('#samples-menu', '0');
    await page.locator('#f-rx-patient-name').waitFor();
    await page.fill('#f-rx-items-0--quantity', '2');
    await page.fill('#f-rx-items-1--quantity', '3');
    const id = await page.locator('form.doc-form').getAttribute('data-doc-id');

    say('RX-09 shows at the second line only: the antibiotic line\'s is in shadow');
    await page.locator('#f-rx-items-1--quantity-desc [data-rule="RX-09"]').waitFor({ timeout: WAIT });
    assert.equal(await page.locator('[data-rule="RX-09"][data-path="items[0].quantity"]').count(), 0);
    assert.equal(await page.locator('#f-rx-items-0--quantity-desc [data-rule]').count(), 0);
    assert.ok(!(await page.locator('body').innerText()).includes('S-1'), 'the shadow entry is named nowhere');

    say('the doctor keeps the warning with a reason picked in place and words');
    const why = '#f-rx-items-1--quantity-desc-0-why';
    await page.click(why);
    await page.selectOption(`${why}-choice`, 'patient_informed');
    await page.fill(`${why}-text`, '患者外地复诊不便，备足两周');
    await page.click('.why-save');
    await until('the reason shown at the finding', () => page.locator('#f-rx-items-1--quantity-desc').innerText(),
      (t) => t.includes('已告知患者并取得同意') && t.includes('患者外地复诊不便，备足两周'), WAIT);
    await page.screenshot({ path: outFile('reasons-app.png') });

    say('signed and synced');
    await until('signing allowed', async () => (await page.locator('button.sign').getAttribute('data-blocked')) === 'false', Boolean, WAIT);
    await page.click('button.sign');
    await page.locator('.signed').waitFor({ timeout: WAIT });
    await until('all synced', () => page.locator('.sync-status').textContent(), (t) => (t ?? '').includes('已全部同步'), 30_000);

    say('the server kept the reason and the shadow finding with the record');
    const qaToken = await login(url, 'qa');
    const rec = await (await fetch(`${url}api/v1/records/${id}`, { headers: { authorization: `Bearer ${qaToken}` } })).json();
    const report = rec.latest?.report;
    assert.ok(report, JSON.stringify(rec).slice(0, 400));
    const kept = report.findings.find((f) => f.rule === 'RX-09' && f.path === 'items[1].quantity');
    assert.equal(kept?.reason?.choice, 'patient_informed', JSON.stringify(report));
    assert.ok(!report.findings.some((f) => f.rule === 'RX-09' && f.path === 'items[0].quantity'));
    assert.equal((report.shadow ?? []).filter((f) => f.rule === 'RX-09' && f.path === 'items[0].quantity').length, 1);
    const docAt = rec.latest?.document?.issued_at ?? "";

    say('QA draws the month\'s sample and opens the record');
    const qa = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const qp = await qa.newPage();
    qp.on('pageerror', (e) => errors.push(e.message));
    await qp.goto(`${url}qa/`);
    await qp.fill('#login-user', 'qa');
    await qp.fill('#login-pass', 'qa');
    await qp.click('.login-form button[type=submit]');
    await qp.locator('#qa-tab-samples').waitFor({ timeout: WAIT });
    await qp.click('#qa-tab-samples');
    const month = docAt.slice(0, 7);
    const last = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).getUTCDate();
    await qp.fill('#qa-sample-name', '医生理由');
    await qp.fill('#qa-sample-from', `${month}-01`);
    await qp.fill('#qa-sample-to', `${month}-${String(last).padStart(2, '0')}`);
    await qp.click('#qa-sample-draw');
    await qp.locator(`#qa-sample-records tr[data-record="${id}"] .qa-review-open`).click({ timeout: WAIT });
    await qp.locator('#qa-review-total').waitFor({ timeout: WAIT });

    say('the doctor\'s reason at the warning; the shadow finding in its own section');
    const live = qp.locator('.qa-findings .qa-finding[data-rule="RX-09"][data-shadow="false"]');
    assert.equal(await live.count(), 1);
    assert.match(await live.locator('.qa-doctor-reason').innerText(), /医生理由\s*已告知患者并取得同意：患者外地复诊不便，备足两周/);
    const shadow = qp.locator('#qa-shadow .qa-finding[data-rule="RX-09"][data-path="items[0].quantity"]');
    await shadow.waitFor({ timeout: WAIT });
    assert.match(await shadow.locator('.qa-tuning').innerText(), /S-1/);
    await qp.screenshot({ path: outFile('reasons-qa.png') });
    assert.deepEqual(errors, [], 'no uncaught errors in the pages');
  } finally {
    await app.close();
  }
}

async function main() {
  const data = mkdtempSync(path.join(tmpdir(), 'opdcheck-reasons-e2e-'));
  const server = await startServer(['--data-dir', data]);
  const browser = await launchBrowser();
  try {
    await run(browser, server.url);
    console.log('reasons-e2e: all steps passed');
  } catch (e) {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages.length) await pages[pages.length - 1].screenshot({ path: outFile('reasons-failure.png'), fullPage: true }).catch(() => {});
    e.message = `step "${step}": ${e.message}\nscreenshot: ${outFile('reasons-failure.png')}`;
    throw e;
  } finally {
    await browser.close();
    await server.stop();
    rmSync(data, { recursive: true, force: true });
  }
}

await main();
