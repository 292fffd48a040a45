// Records are never lost (issue 11), end to end in Debian's Chromium against a fresh server:
//
//  (a) two workstations (two browser contexts) signed in as the demo doctor sign a prescription
//      in the same second: both are stored, under distinct random ids;
//  (b) a conflict: the server already holds another body under the id the app is about to
//      push; the doctor is told so in Chinese, offered 「另存为新文书」, and after it the
//      document is stored under a new id, its content and signature unchanged; (b2) the same
//      for an id another doctor's account already holds (forbidden, a 403 batch);
//  (c) a session the server no longer accepts (401) brings the sign-in form back, the outbox
//      kept;
//  (d) signing out with one unsynced document: the confirmation names it; afterwards the
//      drafts are gone and the unsynced document is still in the outbox, and is synced at the
//      next sign-in;
//  (e) the QA workspace's sign-out does the same.
//
//   cargo xtask e2e   (or: node tests/e2e/records-kept.e2e.mjs after building the app and the server)
//
// Screenshots (1366×768, zh) of the conflict and the sign-out confirmation: target/e2e/.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, until, outFile } from './lib.mjs';

const WAIT = 20_000;
const VIEWPORT = { width: 1366, height: 768 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let current = 'start';
const step = (s) => { current = s; console.log(`records-kept-e2e: ${s}`); };

/** The API as the demo doctor, from Node (not through any page). */
async function api(url) {
  const login = await fetch(`${url}api/v1/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'doctor', password: 'doctor' }),
  });
  assert.equal(login.status, 200, 'the demo doctor signs in');
  const { token } = await login.json();
  const auth = { Authorization: `Bearer ${token}` };
  return {
    token,
    records: async () => (await fetch(`${url}api/v1/records?per_page=100`, { headers: auth })).json(),
    record: async (id) => (await fetch(`${url}api/v1/records/${encodeURIComponent(id)}`, { headers: auth })).json(),
    push: async (records) => {
      const r = await fetch(`${url}api/v1/records`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ records }),
      });
      return { status: r.status, body: await r.json() };
    },
  };
}

async function newPage(browser, errors) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page };
}

async function signIn(page, url) {
  await page.goto(`${url}#/login`);
  await page.fill('#login-user', 'doctor');
  await page.fill('#login-pass', 'doctor');
  await page.click('.login-form button[type=submit]');
  await page.locator('header .tools .user').waitFor({ timeout: WAIT });
}

/** The clean prescription sample, loaded as a new document, ready to sign; its id. */
async function writePrescription(page) {
  await page.click('a.page-link[href="#/prescription"]');
  const form = page.locator('form.doc-form');
  await form.waitFor({ timeout: WAIT });
  const before = await form.getAttribute('data-doc-id');
  await page.selectOption('#samples-menu', '0');
  const id = await until('the sample loaded as a new document', () => form.getAttribute('data-doc-id'), (v) => v && v !== before, WAIT);
  await until('signing allowed (no error)', async () => (await page.locator('button.sign').getAttribute('data-blocked')) === 'false', Boolean, WAIT);
  return id;
}
const chip = (page) => page.locator('.sync-status').textContent();

/** The outbox as stored in IndexedDB (each row's entry). */
const outbox = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const open = indexedDB.open('opdcheck');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const all = db.transaction('outbox').objectStore('outbox').getAll();
    all.onsuccess = () => { db.close(); resolve(all.result.map((r) => JSON.parse(r.json))); };
    all.onerror = () => reject(all.error);
  };
}));

/** Wait until the outbox entry `match` picks is acknowledged by the server; that entry. */
async function synced(page, what, match) {
  const es = await until(`${what}: synced`, () => outbox(page), (es) => es.some((e) => match(e) && e.state === 'synced'), WAIT);
  return es.find((e) => match(e) && e.state === 'synced');
}

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'opdcheck-records-kept-e2e-'));
  const server = await startServer(['--data-dir', dataDir]);
  const url = server.url;
  const browser = await launchBrowser();
  const errors = [];
  let shown = null;
  try {
    const doctor = await api(url);

    step('(a) two workstations sign a prescription in the same second');
    const a = await newPage(browser, errors);
    const b = await newPage(browser, errors);
    shown = a.page;
    await Promise.all([signIn(a.page, url), signIn(b.page, url)]);
    const [idA, idB] = await Promise.all([writePrescription(a.page), writePrescription(b.page)]);
    assert.match(idA, UUID, 'a new document\'s id is a UUID');
    assert.match(idB, UUID);
    assert.notEqual(idA, idB, 'two workstations, two ids');
    await Promise.all([a.page.click('button.sign'), b.page.click('button.sign')]);
    await Promise.all([synced(a.page, 'workstation A', (e) => e.id === idA), synced(b.page, 'workstation B', (e) => e.id === idB)]);
    let list = await doctor.records();
    const ids = list.items.map((r) => r.id).sort();
    assert.deepEqual(ids, [idA, idB].sort(), `both stored: ${JSON.stringify(list.items)}`);
    const signedAt = async (id) => (await doctor.record(id)).latest.document.prescriber.signed_at;
    assert.equal(await signedAt(idA), await signedAt(idB), 'signed in the same minute');

    step('(b) a conflict: the server already holds another body under the id the app will push');
    await a.context.setOffline(true);
    const idC = await writePrescription(a.page);
    await a.page.click('button.sign');
    await until('the document waiting in the outbox', () => outbox(a.page), (es) => es.some((e) => e.id === idC && e.state === 'pending'), WAIT);
    const mine = (await outbox(a.page)).find((e) => e.id === idC);
    const other = structuredClone(mine.document);
    other.patient.name = '另一位患者';
    const pushed = await doctor.push([{ id: idC, version: 1, document: other }]);
    assert.equal(pushed.body.results[0].status, 'created', JSON.stringify(pushed.body));
    await a.context.setOffline(false);
    const problem = a.page.locator('.doc-form .sync-problem');
    await problem.waitFor({ timeout: WAIT });
    const said = await problem.textContent();
    assert.match(said, /同一个编号/, said);
    assert.match(said, /不会丢失/, said);
    assert.doesNotMatch(said, /version|body|conflict/i, `the server's English shown: ${said}`);
    await until('the chip counting one failure', () => chip(a.page), (t) => /1\s*份同步失败/.test(t ?? ''), WAIT);
    const kept = (await outbox(a.page)).find((e) => e.id === idC);
    assert.equal(kept.state, 'conflict', 'kept in the outbox, marked');
    await a.page.screenshot({ path: outFile('conflict-zh.png') });
    const button = problem.locator('button.save-as-new');
    assert.equal((await button.textContent()).trim(), '另存为新文书');
    await button.click();
    await synced(a.page, 'saved as new', (e) => e.replaces === idC);
    await until('the status chip saying all is synced', () => chip(a.page), (t) => (t ?? '').includes('已全部同步'), WAIT);
    await until('the form following its new document', () => a.page.locator('.doc-form .doc-sync').textContent(), (t) => (t ?? '').includes('已另存为新文书'), WAIT);
    const entries = await outbox(a.page);
    assert.ok(!entries.some((e) => e.id === idC), 'the conflicting entry replaced');
    const saved = entries.find((e) => e.replaces === idC);
    assert.ok(saved, `the new entry: ${JSON.stringify(entries.map((e) => [e.key, e.replaces, e.state]))}`);
    assert.match(saved.id, UUID);
    list = await doctor.records();
    assert.ok(list.items.some((r) => r.id === saved.id && r.version === 1), `stored under the new id: ${JSON.stringify(list.items)}`);
    const stored = (await doctor.record(saved.id)).latest.document;
    assert.equal(stored.id, saved.id);
    assert.equal(stored.patient.name, mine.document.patient.name, 'the content as the doctor signed it');
    assert.deepEqual(stored.prescriber, mine.document.prescriber, 'the signature kept');
    assert.equal((await doctor.record(idC)).latest.document.patient.name, '另一位患者', 'the other body untouched');

    step('(b2) forbidden: the id already belongs to another account; saved as a new document');
    const login = async (username, password) => (await (await fetch(`${url}api/v1/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }),
    })).json()).token;
    const admin = await login('admin', 'admin');
    const created = await fetch(`${url}api/v1/users`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'doctor2', password: 'doctor2-pass', role: 'doctor', doctor_id: 'D0099' }),
    });
    assert.ok(created.ok, `another doctor created: ${created.status}`);
    const doctor2 = await login('doctor2', 'doctor2-pass');
    await a.page.route('**/api/v1/records', (r) => r.abort()); // held back until the id is taken
    const idG = await writePrescription(a.page);
    await a.page.click('button.sign');
    await until('waiting in the outbox', () => outbox(a.page), (es) => es.some((e) => e.id === idG && e.state === 'pending'), WAIT);
    const theirs = structuredClone((await outbox(a.page)).find((e) => e.id === idG).document);
    theirs.prescriber = { ...theirs.prescriber, id: 'D0099', name: '王医生', signature_id: 'SIG-D0099' };
    const taken = await fetch(`${url}api/v1/records`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${doctor2}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ records: [{ id: idG, version: 1, document: theirs }] }),
    });
    assert.equal((await taken.json()).results[0].status, 'created', 'the id taken by the other doctor');
    await a.page.unroute('**/api/v1/records');
    const refused = a.page.locator('.doc-form .sync-problem');
    await refused.waitFor({ timeout: WAIT });
    assert.match(await refused.textContent(), /其他账号/);
    assert.equal((await outbox(a.page)).find((e) => e.id === idG).state, 'forbidden', 'kept in the outbox, marked');
    await refused.locator('button.save-as-new').click();
    const savedG = await synced(a.page, 'forbidden, saved as new', (e) => e.replaces === idG);
    assert.ok((await doctor.records()).items.some((r) => r.id === savedG.id), 'stored under the new id');

    step('(c) a session the server no longer accepts: the sign-in form, the outbox kept');
    // Pushes fail until the page runs with a token the server does not know (going offline
    // and back would let this page push with its good token first).
    await b.page.route('**/api/v1/records', (r) => r.abort());
    const idD = await writePrescription(b.page);
    await b.page.click('button.sign');
    await until('waiting in the outbox', () => outbox(b.page), (es) => es.some((e) => e.id === idD && e.state === 'pending'), WAIT);
    await b.page.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('opdcheck.session'));
      s.token = 'expired-token';
      localStorage.setItem('opdcheck.session', JSON.stringify(s));
    });
    await b.page.reload();
    await b.page.locator('form.doc-form').waitFor({ timeout: WAIT });
    // The next retry reaches the server, which answers 401.
    await b.page.unroute('**/api/v1/records');
    await b.page.locator('.session-ended').waitFor({ timeout: WAIT });
    assert.match(await b.page.locator('.session-ended').textContent(), /重新登录/);
    assert.ok(await b.page.locator('.login-form').isVisible(), 'the sign-in form');
    assert.ok((await outbox(b.page)).some((e) => e.id === idD && e.state === 'pending'), 'the outbox kept');
    await b.page.fill('#login-user', 'doctor');
    await b.page.fill('#login-pass', 'doctor');
    await b.page.click('.login-form button[type=submit]');
    await synced(b.page, 'signed in again', (e) => e.id === idD);
    assert.ok((await doctor.records()).items.some((r) => r.id === idD), 'pushed after the sign-in');

    step('(d) sign out with one unsynced document');
    await a.page.click('a.page-link[href="#/record"]');
    await a.page.locator('#f-mr-patient-name').waitFor({ timeout: WAIT });
    await a.page.fill('#f-mr-patient-name', '草稿患者甲');
    await until('the draft stored', () => a.page.evaluate(() => localStorage.getItem('opdcheck.drafts.v1')), (t) => (t ?? '').includes('草稿患者甲'), WAIT);
    await a.context.setOffline(true);
    const idE = await writePrescription(a.page);
    await a.page.click('button.sign');
    await until('one document not yet synced', () => chip(a.page), (t) => /1\s*份未同步/.test(t ?? ''), WAIT);
    await a.page.click('#sign-out');
    const dialog = a.page.locator('#sign-out-dialog');
    await dialog.waitFor({ timeout: WAIT });
    const question = await dialog.textContent();
    assert.match(question, /1 份已签名的文书尚未同步/, question);
    assert.match(question, /仍保留在本机/, question);
    const named = await dialog.locator('.unsynced-list li').evaluateAll((lis) => lis.map((li) => [li.dataset.id, li.textContent]));
    assert.equal(named.length, 1, JSON.stringify(named));
    assert.equal(named[0][0], idE);
    assert.match(named[0][1], /处方/);
    await a.page.screenshot({ path: outFile('sign-out-confirm-zh.png') });
    await a.page.click('#sign-out-confirm');
    await a.page.locator('header .tools a.signin').waitFor({ timeout: WAIT });
    assert.equal(await a.page.evaluate(() => localStorage.getItem('opdcheck.session')), null, 'the token cleared');
    await until('the drafts gone', () => a.page.evaluate(() => localStorage.getItem('opdcheck.drafts.v1') ?? ''), (t) => !t.includes('草稿患者甲') && !t.includes(idE), WAIT);
    const left = await outbox(a.page);
    assert.deepEqual(left.map((e) => [e.id, e.state]), [[idE, 'pending']], 'only the unsynced document kept');

    step('signing out online asks the server to revoke the token');
    const tokenB = await b.page.evaluate(() => JSON.parse(localStorage.getItem('opdcheck.session')).token);
    const logout = b.page.waitForRequest((r) => r.url().endsWith('/api/v1/logout') && r.method() === 'POST', { timeout: WAIT });
    await b.page.click('#sign-out');
    await b.page.locator('#sign-out-dialog').waitFor({ timeout: WAIT });
    assert.match(await b.page.locator('#sign-out-dialog').textContent(), /都已同步/);
    await b.page.click('#sign-out-confirm');
    const req = await logout;
    assert.equal(req.headers().authorization, `Bearer ${tokenB}`);
    const answer = await req.response();
    await b.page.locator('header .tools a.signin').waitFor({ timeout: WAIT });
    if (answer && answer.status() === 204) {
      const after = await fetch(`${url}api/v1/records`, { headers: { Authorization: `Bearer ${tokenB}` } });
      assert.equal(after.status, 401, 'the token revoked');
    } else {
      // A server without the endpoint (404/405): signed out on this device all the same.
      console.log(`records-kept-e2e: logout answered ${answer && answer.status()}; signed out locally`);
    }

    step('the kept document is synced at the next sign-in');
    await a.context.setOffline(false);
    await signIn(a.page, url);
    await synced(a.page, 'after signing in again', (e) => e.id === idE);
    assert.ok((await doctor.records()).items.some((r) => r.id === idE), 'stored after the sign-in');

    step('(e) the QA workspace signs out the same way: it asks, names, and keeps the unsynced document');
    await a.page.route('**/api/v1/records', (r) => r.abort()); // the push fails: the document waits
    const idF = await writePrescription(a.page);
    await a.page.click('button.sign');
    await until('waiting in the outbox', () => outbox(a.page), (es) => es.some((e) => e.id === idF && e.state === 'pending'), WAIT);
    await a.page.goto(`${url}qa/`);
    await a.page.locator('#qa-sign-out').waitFor({ timeout: WAIT });
    await a.page.click('#qa-sign-out');
    const qaDialog = a.page.locator('#sign-out-dialog');
    await qaDialog.waitFor({ timeout: WAIT });
    assert.match(await qaDialog.textContent(), /1 份已签名的文书尚未同步/);
    assert.equal(await qaDialog.locator('.unsynced-list li').getAttribute('data-id'), idF);
    await a.page.click('#sign-out-confirm');
    await a.page.locator('.login-form').waitFor({ timeout: WAIT });
    assert.equal(await a.page.evaluate(() => localStorage.getItem('opdcheck.session')), null, 'the token cleared');
    await until('only the unsynced document left', () => outbox(a.page), (es) => es.length === 1 && es[0].id === idF && es[0].state === 'pending', WAIT);
    assert.equal(await a.page.evaluate(() => localStorage.getItem('opdcheck.drafts.v1')), null, 'the drafts gone');
    await a.page.unroute('**/api/v1/records');

    if (errors.length) throw new Error(`uncaught errors in the page: ${errors.join('; ')}`);
    step('all steps passed');
  } catch (e) {
    if (shown) await shown.screenshot({ path: outFile('records-kept-failure.png'), fullPage: true }).catch(() => {});
    e.message = `step "${current}": ${e.message}`;
    throw e;
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`records-kept-e2e FAILED: ${e.message}\n${e.stack}`);
  process.exit(1);
});
