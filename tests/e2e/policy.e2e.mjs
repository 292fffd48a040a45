// End-to-end test of the hospital's policy (issue 13), in Debian's Chromium against the real
// server: a prescription signed under the default policy; an admin stores a stricter policy
// through the API; the app, reloaded, checks with it (「医院规则 第1版」 at the report, RX-10
// found) and its report equals the server's re-check (POST /api/v1/check) of the same
// document. Then the admin's policy page: a bad override refused at limits.max_drugs before
// any request, a good one saved (version 2, its diff in the history), and a confirmed roll-back
// to version 1 (stored as version 3) followed by the open form.
//
//   cargo xtask e2e            (builds the release app and server first)
//   OPDCHECK_SERVER=… OPDCHECK_DIST=… node tests/e2e/policy.e2e.mjs
//   OPDCHECK_SHOTS=dir also saves screenshots at 1366×768 (the report, the admin's page with and
//   without a validation error).
//
// Exit status 0 when every step passed; otherwise the failing step, why, and a screenshot
// (target/e2e/policy-failure.png).

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, outFile, until } from './lib.mjs';

const WAIT = 15_000;
let step = 'start';
const say = (s) => { step = s; console.log(`policy-e2e: ${s}`); };
const shots = process.env.OPDCHECK_SHOTS;

async function shot(page, name) {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, name) });
}

/** The API as the admin calls it. */
function api(url, token) {
  return async (method, route, body) => {
    const res = await fetch(`${url}api/v1/${route}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, etag: res.headers.get('etag') };
  };
}

/** The report the page shows: its findings (rule and path, in the summary) and its score; null
 * while the form is not there (a reload). */
const shownReport = (page) => page.evaluate(() => (!document.querySelector('.score .policy-used') ? null : {
  findings: [...document.querySelectorAll('section.summary li')].map((li) => ({
    rule: li.querySelector('button.finding').dataset.rule,
    path: li.querySelector('.path code').textContent,
  })),
  qualified: !!document.querySelector('.score .badge.ok'),
  deduction: document.querySelector('.score .deduction').textContent,
  policy: document.querySelector('.score .policy-used').textContent,
  ruleset: document.querySelector('.score .policy-used').title,
}));

const byRule = (a, b) => `${a.rule} ${a.path}`.localeCompare(`${b.rule} ${b.path}`);

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'opdcheck-policy-e2e-'));
  const server = await startServer(['--data-dir', dataDir]);
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    await run(page, server.url);
    if (pageErrors.length) throw new Error(`uncaught errors in the page: ${pageErrors.join('; ')}`);
    console.log('policy-e2e: all steps passed');
  } catch (e) {
    await page.screenshot({ path: outFile('policy-failure.png'), fullPage: true }).catch(() => {});
    e.message = `step "${step}": ${e.message}` +
      (pageErrors.length ? `\npage errors: ${pageErrors.join('; ')}` : '') +
      `\nscreenshot: ${outFile('policy-failure.png')}`;
    throw e;
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function run(page, url) {
  say('the admin signs in through the API; the server starts with the default policy');
  const login = await api(url)('POST', 'login', { username: 'admin', password: 'admin' });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const call = api(url, login.body.token);
  const v0 = await call('GET', 'policy');
  assert.equal(v0.body.version, 0);

  say('a clean prescription is signed under the default policy');
  await page.goto(url);
  await page.locator('#f-rx-patient-name').waitFor({ state: 'visible', timeout: WAIT });
  await until('the report to name the server\'s default policy', () => shownReport(page).then((r) => r && r.policy), (t) => t === '默认规则', WAIT);
  await page.selectOption('#samples-menu', '0');
  await until('the sample to be qualified', () => shownReport(page).then((r) => r && r.qualified), Boolean, WAIT);
  await page.locator('button.sign').click();
  await page.locator('.sign-bar .signed').waitFor({ timeout: WAIT });

  say('the admin stores a stricter policy (one drug per prescription) through the API');
  const set = await call('PUT', 'policy', { limits: { max_drugs: 1 } });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.equal(set.body.version, 1);
  const v1 = await until('the policy in force to be version 1', () => call('GET', 'policy'), (r) => r.body.version === 1, WAIT);

  say('the app, reloaded, checks the signed prescription with version 1');
  await page.reload();
  const shown = await until('the report to be checked with 医院规则 第1版',
    () => shownReport(page), (r) => r && r.policy === '医院规则 第1版' && r.findings.some((f) => f.rule === 'RX-10'), WAIT);
  assert.equal(shown.ruleset, v1.body.ruleset);
  assert.equal(shown.qualified, false);
  await shot(page, 'report-policy-version.png');

  say('the browser\'s report equals the server\'s re-check of the same document');
  const doc = await page.evaluate(() => JSON.parse(localStorage.getItem('opdcheck.drafts.v1')).prescription);
  assert.ok(doc.completed && doc.prescriber.signed_at, 'the stored draft is the signed prescription');
  // The drafts are stored by type, without the interchange format's `kind` tag.
  const server = await call('POST', 'check', { kind: 'prescription', ...doc });
  assert.equal(server.status, 200, JSON.stringify(server.body));
  assert.equal(server.body.ruleset, v1.body.ruleset, 'the server checked with version 1');
  assert.deepEqual(
    shown.findings.slice().sort(byRule),
    server.body.findings.map((f) => ({ rule: f.rule, path: f.path })).sort(byRule),
  );
  assert.equal(shown.qualified, server.body.score.qualified);
  assert.equal(shown.deduction, `扣 ${server.body.score.deduction} 分`);

  say('the admin signs in to the app and opens the policy page');
  await page.goto(`${url}#/login`);
  await page.fill('#login-user', 'admin');
  await page.fill('#login-pass', 'admin');
  await page.click('.login-form button[type=submit]');
  await page.locator('a.page-link[href="#/policy"]:not([hidden])').click();
  await until('the version in force', () => page.locator('.policy-version').textContent(), (t) => t === '医院规则 第1版', WAIT);
  assert.equal(await page.locator('tr[data-path="limits.max_drugs"] td').textContent(), '1');
  await until('the history', () => page.locator('li.policy-version-row[data-version="1"]').count(), (n) => n === 1, WAIT);
  await shot(page, 'admin-policy.png');

  say('a bad override is refused, located, before any request');
  await page.fill('#policy-text', '{"limits": {"max_drugs": 0}}');
  await page.click('#policy-validate');
  await until('the located error', () => page.locator('#policy-outcome .error-path').textContent(), (t) => t === 'limits.max_drugs', WAIT);
  await page.locator('#policy-text').scrollIntoViewIfNeeded();
  await shot(page, 'admin-policy-invalid.png');
  assert.equal((await call('GET', 'policy')).body.version, 1, 'nothing stored');

  say('a good override is validated by the server and saved as version 2');
  await page.fill('#policy-text', '{"limits": {"max_drugs": 2}}');
  await page.click('#policy-save');
  await until('the saved note', () => page.locator('#policy-outcome').textContent(), (t) => t.includes('已保存为第2版'), WAIT);
  await until('version 2 in force', () => page.locator('.policy-version').textContent(), (t) => t === '医院规则 第2版', WAIT);
  const diff = page.locator('li.policy-version-row[data-version="2"] .diff li');
  await until('version 2\'s diff', () => diff.allTextContents(), (t) => t.length === 1 && t[0].includes('修改 limits.max_drugs: 1 → 2'), WAIT);

  say('rolling back to version 1 asks first, then stores version 3');
  await page.locator('li.policy-version-row[data-version="1"] button.rollback').click();
  await page.locator('#rollback-confirm').click();
  await until('version 3 in force', () => page.locator('.policy-version').textContent(), (t) => t === '医院规则 第3版', WAIT);
  const history = await call('GET', 'policy/history');
  assert.deepEqual(history.body.versions.map((v) => [v.version, v.rolled_back_from ?? null]), [[3, 1], [2, null], [1, null]]);
  assert.deepEqual(history.body.versions[0].override, { limits: { max_drugs: 1 } });

  say('the prescription form follows: checked with version 3');
  await page.goto(`${url}#/prescription`);
  await until('the report to name version 3', () => shownReport(page), (r) => r && r.policy === '医院规则 第3版' && r.findings.some((f) => f.rule === 'RX-10'), WAIT);
}

await main();
