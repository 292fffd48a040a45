// Accessibility end to end: axe-core (tests/e2e's npm package, injected into the page) over every
// page of the app (signed out, as a doctor, as the admin), the prescription and record with their
// findings shown, the QA workspace and the widget's panel on the demo portal. No critical or
// serious violation may remain.
//
//   OPDCHECK_SERVER=<server binary> OPDCHECK_DIST=<dist dir> node tests/e2e/a11y.e2e.mjs
//   OPDCHECK_SHOTS=dir also saves screenshots at 1366×768 of the prescription and the record, each
//   without findings (new and untouched) and with them (after pressing 签名).
//
// Exit status 0 when every page passed; otherwise each violation with its rule, impact and the
// elements it names.

import { copyFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { launchBrowser, outFile, startServer, until } from './lib.mjs';

const WAIT = 15_000;
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const say = (m) => console.log(`a11y: ${m}`);

/** A screenshot into target/e2e, copied into $OPDCHECK_SHOTS when set. */
async function shot(page, name) {
  const file = outFile(name);
  await page.screenshot({ path: file });
  const shots = process.env.OPDCHECK_SHOTS;
  if (shots && existsSync(shots)) copyFileSync(file, path.join(shots, name));
}

/** axe-core over the page as it is now: the critical and serious violations, described. */
async function audit(page, what, context = null) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ path: axePath });
  }
  const violations = await page.evaluate(async (context) => {
    const r = await window.axe.run(context ?? document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'critical' || v.impact === 'serious')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  }, context);
  say(`${what}: ${violations.length ? violations.map((v) => v.id).join(', ') : 'no critical or serious violation'}`);
  return violations.map((v) => `${what}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(' | ')}`);
}

async function signIn(page, url, user) {
  await page.goto(`${url}#/login`);
  await page.locator('#login-user').waitFor({ timeout: WAIT });
  await page.fill('#login-user', user);
  await page.fill('#login-pass', user);
  await page.click('.login-form button[type=submit]');
}

async function main() {
  const server = await startServer();
  const browser = await launchBrowser();
  const problems = [];
  try {
    // axe is injected as a script tag: the app's strict CSP (checked by the other tests) would
    // refuse it.
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    const url = server.url;

    say('the app signed out: every page');
    for (const slug of ['prescription', 'record', 'request', 'report-card', 'visit', 'rules', 'login']) {
      await page.goto(`${url}#/${slug}`);
      await page.locator('main, .app').first().waitFor({ timeout: WAIT });
      await page.waitForTimeout(300);
      problems.push(...(await audit(page, `#/${slug}`)));
    }

    say('a new prescription and record: untouched, then with every finding (签名 pressed)');
    for (const [slug, name] of [['prescription', 'prescription'], ['record', 'record']]) {
      await page.goto(`${url}#/${slug}`);
      const fresh = page.locator('header.topbar .tools button', { hasText: '新建' });
      await fresh.waitFor({ timeout: WAIT });
      await fresh.click();
      await page.waitForTimeout(300);
      await shot(page, `${name}-untouched.png`);
      problems.push(...(await audit(page, `#/${slug} untouched`)));
      await page.locator('button.sign').first().click();
      await until('findings shown', () => page.locator('li.ff').count(), (n) => n > 0, WAIT);
      await shot(page, `${name}-findings.png`);
      problems.push(...(await audit(page, `#/${slug} with findings`)));
    }

    say('a prescription with a penicillin allergy: the safety finding');
    await page.goto(`${url}#/prescription`);
    await page.locator('select#samples-menu').selectOption('0');
    await page.waitForTimeout(300);
    await page.fill('#f-rx-patient-allergens', '青霉素');
    await until('RX-19 first in the summary',
      () => page.locator('section.summary button.finding').first().getAttribute('data-rule'), (r) => r === 'RX-19', WAIT);
    await shot(page, 'prescription-safety.png');
    await page.locator('#f-rx-items-0--drug').scrollIntoViewIfNeeded();
    await shot(page, 'prescription-safety-at-field.png');
    problems.push(...(await audit(page, '#/prescription allergy')));

    say('as a doctor: the records page');
    await signIn(page, url, 'doctor');
    await page.waitForURL(/#\/records/, { timeout: WAIT });
    await page.waitForTimeout(500);
    problems.push(...(await audit(page, '#/records (doctor)')));

    say('the QA workspace, as qa');
    await page.goto(`${url}qa/`);
    await page.waitForTimeout(500);
    problems.push(...(await audit(page, '/qa/ (doctor: not for this role)')));
    const out = page.locator('.qa [role=alert] button');
    if (await out.count()) {
      await out.click();
      await page.locator('#sign-out-confirm').click({ timeout: WAIT });
    }
    await page.locator('#login-user').waitFor({ timeout: WAIT });
    problems.push(...(await audit(page, '/qa/ sign-in')));
    await page.fill('#login-user', 'qa');
    await page.fill('#login-pass', 'qa');
    await page.click('.login-form button[type=submit]');
    await page.locator('#qa-card-total').waitFor({ timeout: WAIT });
    await page.waitForTimeout(500);
    await shot(page, 'qa-sheet.png');
    problems.push(...(await audit(page, '/qa/ score sheet')));

    say('as the admin: the policy page');
    const admin = await browser.newContext({ bypassCSP: true, viewport: { width: 1366, height: 768 } });
    const apage = await admin.newPage();
    await signIn(apage, url, 'admin');
    await apage.waitForTimeout(500);
    await apage.goto(`${url}#/policy`);
    await apage.waitForTimeout(800);
    problems.push(...(await audit(apage, '#/policy (admin)')));

    say('the widget panel on the demo portal');
    const portal = await browser.newContext({ bypassCSP: true, viewport: { width: 1366, height: 768 } });
    const ppage = await portal.newPage();
    await ppage.goto(`${url}portal/`);
    await until('the portal ready', () => ppage.evaluate(() => document.body.dataset.ready === '1'), Boolean, WAIT);
    await ppage.waitForTimeout(300);
    // The panels (shadow DOM included), not the legacy portal's own form around them: that
    // stands for an existing HIS page the widget is dropped into.
    const panels = await ppage.evaluate(() => [...document.querySelectorAll('opd-check')].map((e) => `#${e.id}`));
    if (!panels.length) throw new Error('no <opd-check> panel on the portal');
    problems.push(...(await audit(ppage, `/portal/ widget panels ${panels.join(' ')}`, { include: panels.map((p) => [p]) })));
  } finally {
    await browser.close().catch((e) => problems.push(e.message));
    await server.stop();
  }
  if (problems.length) {
    console.error(`a11y: ${problems.length} critical or serious violation(s):\n${problems.join('\n')}`);
    process.exit(1);
  }
  say('every page passed');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
