// Offline first, end to end: a doctor signs in, the network goes away, a prescription is written
// and signed offline, the page is reloaded offline (the service worker serves the app, the outbox
// in IndexedDB still holds the document), the network comes back and the document is synced and
// re-checked by the server — once.
//
//   cargo xtask test   (or: node tests/e2e/sync.e2e.mjs after building the app and the server)

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, until, outFile } from './lib.mjs';

const step = (s) => console.log(`sync-e2e: ${s}`);

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'opdcheck-sync-e2e-'));
  const server = await startServer(['--data-dir', dataDir]);
  const browser = await launchBrowser();
  let page;
  try {
    const context = await browser.newContext();
    page = await context.newPage();
    page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
    step(`open ${server.url}; wait for the service worker to control the page`);
    await page.goto(server.url);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await until('the service worker controlling the page', () => page.evaluate(() => !!navigator.serviceWorker.controller));

    step('sign in as the demo doctor');
    await page.goto(`${server.url}#/login`);
    await page.fill('#login-user', 'doctor');
    await page.fill('#login-pass', 'doctor');
    await page.click('.login-form button[type=submit]');
    await page.locator('header .tools .user').waitFor();

    step('go offline; write and sign a prescription');
    await context.setOffline(true);
    await page.click('a.page-link[href="#/prescription"]');
    const before = await page.locator('form.doc-form').getAttribute('data-doc-id');
    await page.selectOption('#samples-menu', '0');
    await page.locator('#f-rx-patient-name').waitFor();
    // A sample loads as a new document, under a random id of its own.
    const id = await until('the sample loaded as a new document',
      () => page.locator('form.doc-form').getAttribute('data-doc-id'), (v) => v && v !== before);
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)) {
      throw new Error(`the new document's id is not a UUID: ${id}`);
    }
    await until('signing allowed (no error)', async () => (await page.locator('button.sign').getAttribute('data-blocked')) === 'false');
    await page.click('button.sign');
    await page.locator('.signed').waitFor();
    await until('the status chip saying one document is not yet synced',
      () => page.locator('.sync-status').textContent(), (t) => /1\s*份未同步/.test(t ?? ''));
    await page.screenshot({ path: outFile('sync-offline.png'), fullPage: true });

    step('reload while offline: the app opens from the service worker, the document is still waiting');
    await page.reload();
    await page.locator('#f-rx-patient-name').waitFor();
    await until('the outbox read back from IndexedDB',
      () => page.locator('.sync-status').textContent(), (t) => /1\s*份未同步/.test(t ?? ''));
    await page.locator('.doc-sync[data-state="pending"]').waitFor();

    step('back online: the document is pushed and re-checked by the server');
    await context.setOffline(false);
    await until('the status chip saying all is synced',
      () => page.locator('.sync-status').textContent(), (t) => (t ?? '').includes('已全部同步'), 30_000);
    await page.locator('.doc-sync[data-state="ok"]').waitFor();
    await page.screenshot({ path: outFile('sync-synced.png'), fullPage: true });

    step('the server holds it once, with its own report');
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem('opdcheck.session')).token);
    const list = await (await fetch(`${server.url}api/v1/records`, { headers: { Authorization: `Bearer ${token}` } })).json();
    if (list.total !== 1 || list.items[0].id !== id || list.items[0].qualified !== true) {
      throw new Error(`the server's records: ${JSON.stringify(list)}`);
    }
    const one = await (await fetch(`${server.url}api/v1/records/${id}`, { headers: { Authorization: `Bearer ${token}` } })).json();
    if (!one.latest || !one.latest.report || one.versions.length !== 1) {
      throw new Error(`the stored record: ${JSON.stringify(one).slice(0, 400)}`);
    }
    step('all steps passed');
  } catch (e) {
    if (page) await page.screenshot({ path: outFile('sync-failure.png'), fullPage: true }).catch(() => {});
    throw e;
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`sync-e2e FAILED: ${e.message}`);
  process.exit(1);
});
