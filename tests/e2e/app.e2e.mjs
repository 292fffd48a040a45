// End-to-end test of the web app as a user works with it, in Debian's Chromium: a new
// prescription filled in field by field (drug picked from the autocomplete), the RX-08 warning
// of a vague frequency shown at its field and blocking the signature, fixed, signed; then a
// defective sample from the menu and its findings.
//
//   cargo xtask e2e            (builds the release app and server first; `cargo xtask test` runs it)
//   OPDCHECK_SERVER=… OPDCHECK_DIST=… node tests/e2e/app.e2e.mjs
//
// Exit status 0 when every step passed; otherwise the failing step and why, and a screenshot
// of the page at that moment (target/e2e/failure.png).

import { startServer, launchBrowser, outFile, until } from './lib.mjs';

const WAIT = 15_000;
let step = 'start';
const say = (s) => { step = s; console.log(`e2e: ${s}`); };

/** The field with this id: visible, then filled as a user types it (input events). */
async function fill(page, id, value) {
  const el = page.locator(`#${id}`);
  await el.waitFor({ state: 'visible', timeout: WAIT });
  await el.fill(value);
  await until(`#${id} to hold ${JSON.stringify(value)}`, () => el.inputValue(), (v) => v === value, WAIT);
}

async function choose(page, id, value) {
  const el = page.locator(`#${id}`);
  await el.waitFor({ state: 'visible', timeout: WAIT });
  await el.selectOption(value);
}

/** The rule ids listed under a field (`#<id>-desc li.ff[data-rule]`). */
const rulesAt = (page, id) =>
  page.locator(`#${id}-desc li.ff[data-rule]`).evaluateAll((els) => els.map((e) => e.dataset.rule));

/** Rule ids of the summary panel's findings. */
const summaryRules = (page) =>
  page.locator('section.summary button.finding[data-rule]').evaluateAll((els) => els.map((e) => e.dataset.rule));

const signButton = (page) => page.locator('button.sign');
/** Signing is refused while an error remains (data-blocked: pressing it shows every finding). */
const signBlocked = async (page) => (await signButton(page).getAttribute('data-blocked')) === 'true';

async function main() {
  const server = await startServer();
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    await run(page, server.url);
    if (pageErrors.length) throw new Error(`uncaught errors in the page: ${pageErrors.join('; ')}`);
    console.log('e2e: all steps passed');
  } catch (e) {
    await page.screenshot({ path: outFile('failure.png'), fullPage: true }).catch(() => {});
    e.message = `step "${step}": ${e.message}` +
      (pageErrors.length ? `\npage errors: ${pageErrors.join('; ')}` : '') +
      `\nscreenshot: ${outFile('failure.png')}`;
    throw e;
  } finally {
    await browser.close();
    await server.stop();
  }
}

async function run(page, url) {
  say(`open ${url}`);
  await page.goto(url);
  await page.locator('#f-rx-patient-name').waitFor({ state: 'visible', timeout: WAIT });

  say('click 新建 for a fresh prescription');
  await page.locator('header.topbar .tools button', { hasText: '新建' }).click();
  await until('an empty patient name', () => page.locator('#f-rx-patient-name').inputValue(), (v) => v === '', WAIT);
  await until('signing refused on an empty draft', () => signBlocked(page), Boolean, WAIT);
  // Quiet until useful: no error at any field yet, but the summary says how many remain.
  if (await page.locator('li.ff.sev-error').count()) throw new Error('errors shown on an untouched draft');
  await until('「还有 N 项待填」 in the summary', () => page.locator('section.summary .waiting').innerText().catch(() => ''),
    (t) => /^还有 \d+ 项待填$/.test(t), WAIT);

  say('fill the header');
  await choose(page, 'f-rx-prescription-type', 'general');
  await fill(page, 'f-rx-institution', '示范市第一人民医院');
  await fill(page, 'f-rx-fee-category', '医保');
  await fill(page, 'f-rx-department', '呼吸内科');

  say('fill the patient');
  await fill(page, 'f-rx-patient-name', '张伟');
  await choose(page, 'f-rx-patient-sex', 'male');
  await fill(page, 'f-rx-patient-age', '45');
  await fill(page, 'f-rx-patient-weight-kg', '70');
  await fill(page, 'f-rx-patient-record-no', 'MZ20261122001');
  await fill(page, 'f-rx-patient-allergy-history', '否认药物过敏史');

  say('fill the diagnosis');
  await fill(page, 'f-rx-diagnoses-0-', '急性支气管炎');
  await fill(page, 'f-rx-diagnosis-codes-0-', 'J20.9');

  say('type a drug name and pick it from the autocomplete');
  const drug = page.locator('#f-rx-items-0--drug');
  await drug.click();
  await drug.pressSequentially('阿莫西林', { delay: 30 });
  const option = page.locator('ul.suggestions li[role=option]', { hasText: '阿莫西林胶囊' }).first();
  await option.waitFor({ state: 'visible', timeout: WAIT });
  await option.click();
  await until('the drug field to hold the picked name', () => drug.inputValue(), (v) => v.startsWith('阿莫西林胶囊'), WAIT);
  await page.locator('ul.suggestions li[role=option]').first()
    .waitFor({ state: 'hidden', timeout: WAIT });

  say('fill the item');
  await fill(page, 'f-rx-items-0--strength', '0.25g×24粒');
  await fill(page, 'f-rx-items-0--dose', '0.5');
  await fill(page, 'f-rx-items-0--dose-unit', 'g');
  await fill(page, 'f-rx-items-0--route', '口服');
  await fill(page, 'f-rx-items-0--days', '4');

  say('type the frequency 遵医嘱: RX-08 appears at the field, signing is refused');
  const freq = page.locator('#f-rx-items-0--frequency');
  await freq.click();
  await freq.pressSequentially('遵医嘱', { delay: 30 });
  await until('RX-08 listed at the frequency field', () => rulesAt(page, 'f-rx-items-0--frequency'), (r) => r.includes('RX-08'), WAIT);
  await until('RX-08 in the summary', () => summaryRules(page), (r) => r.includes('RX-08'), WAIT);
  if (!(await signBlocked(page))) throw new Error('signing is allowed while RX-08 is shown');
  await page.locator('.sign-note').waitFor({ state: 'visible', timeout: WAIT });
  await page.screenshot({ path: outFile('prescription-warnings.png'), fullPage: true });

  say('fix the frequency to tid: RX-08 goes away');
  await fill(page, 'f-rx-items-0--frequency', 'tid');
  await until('RX-08 gone from the frequency field', () => rulesAt(page, 'f-rx-items-0--frequency'), (r) => !r.includes('RX-08'), WAIT);

  say('fill the quantity and the prescriber');
  // The app computes the quantity from dose × frequency × days when the strength allows:
  // 0.5 g × 3 × 4 days = 6 g = 24 capsules of 0.25 g = 1 box of 24.
  const qty = page.locator('#f-rx-items-0--quantity');
  const unit = page.locator('#f-rx-items-0--quantity-unit');
  await until('the computed quantity 1 盒', async () => [await qty.inputValue(), await unit.inputValue()],
    ([q, u]) => q === '1' && u === '盒', WAIT);
  await fill(page, 'f-rx-prescriber', '李明');
  await fill(page, 'f-rx-prescriber-id', 'D0012');

  say('no error remains: the sign button is enabled, the badge says qualified');
  await until('signing allowed', async () => !(await signBlocked(page)), Boolean, WAIT).catch(async (e) => {
    const note = await page.locator('.sign-note').innerText().catch(() => '?');
    throw new Error(`${e.message}; sign note: ${note}; summary: ${JSON.stringify(await summaryRules(page))}`);
  });
  await page.locator('.badge.ok').first().waitFor({ state: 'visible', timeout: WAIT });

  say('sign: the closed state, read-only fields');
  await signButton(page).click();
  await page.locator('.signed').first().waitFor({ state: 'visible', timeout: WAIT });
  for (const id of ['f-rx-patient-name', 'f-rx-items-0--drug', 'f-rx-items-0--frequency', 'f-rx-prescriber']) {
    await until(`#${id} read-only after signing`,
      () => page.locator(`#${id}`).evaluate((el) => el.readOnly || el.disabled), Boolean, WAIT);
  }
  const editableSelects = await page.locator('select[id^="f-rx-"]').evaluateAll((els) => els.filter((e) => !e.disabled).map((e) => e.id));
  if (editableSelects.length) console.log(`e2e: note: selects still editable after signing: ${editableSelects.join(', ')}`);
  await page.screenshot({ path: outFile('prescription-signed.png'), fullPage: true });

  say('load the defective prescription sample: findings are shown');
  await page.locator('select#samples-menu').selectOption('1');
  await until('findings of the defective sample in the summary', () => summaryRules(page), (r) => r.length > 0, WAIT);
  await page.locator('.badge.bad').first().waitFor({ state: 'visible', timeout: WAIT });
  const fieldFindings = await page.locator('ul[id$="-desc"] li.ff[data-rule]').count();
  if (fieldFindings === 0) throw new Error('the defective sample shows no finding at any field');
  if (!(await signBlocked(page))) throw new Error('the defective sample can be signed');
  console.log(`e2e: defective sample: ${(await summaryRules(page)).join(', ')}`);
}

main().catch((e) => {
  console.error(`e2e FAILED: ${e.message}`);
  process.exit(1);
});
