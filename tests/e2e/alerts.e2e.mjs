// The hospital tunes its alerts (issue 15), end to end against the real server, QA's side in
// Chromium: an admin stores a policy with a scoped downgrade (RX-08 遵医嘱 becomes a warning in
// 呼吸内科 only, entry T-1) and a shadow rule (RX-12, the 7-day supply, entry T-2); the demo
// doctor pushes three prescriptions, one keeping an antibiotic combination (RX-21) with a
// pick-list reason and words, one with words alone; QA draws a sample, opens the first record and
// sees the doctor's reason, the tuning note and the shadow finding in its own section (and, in
// the third record, an error the doctor's reason accepted, 已说明理由放行), dismisses
// the shadow finding with a reason (the record's total does not move), confirms the live RX-21
// and saves; the alert-quality tab then shows, for RX-08, RX-12, RX-14 and RX-21, exactly the counts
// this script computes itself from the reports the server answered the pushes with and from the
// decisions it made; by department, the downgrade shows where it applies; the CSV downloads.
//
//   node tests/e2e/alerts.e2e.mjs      (cargo xtask e2e runs it after building the app and server)
//   OPDCHECK_SHOTS=dir                 also saves the reviews (reason, tuning and shadow section; an
//                                      accepted error) and the alert-quality tab (1366×768)
//
// Exit status 0 when every step passed; otherwise the failing step, why, and a screenshot
// (target/e2e/alerts-failure.png).

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, outFile, until } from './lib.mjs';

const root = path.resolve(import.meta.dirname, '..', '..');
const WAIT = 15_000;
let step = 'start';
const say = (s) => { step = s; console.log(`alerts-e2e: ${s}`); };
const shots = process.env.OPDCHECK_SHOTS;

async function shot(page, name) {
  await page.screenshot({ path: outFile(name) });
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, name) });
}

/** The API as one signed-in user calls it. */
function api(url, token) {
  return async (method, route, body) => {
    const res = await fetch(`${url}api/v1/${route}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
    return { status: res.status, body: parsed };
  };
}

async function signIn(url, username) {
  const r = await api(url)('POST', 'login', { username, password: username });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return api(url, r.body.token);
}

/** Clinic time (UTC+08:00, as documents write it) an hour ago, to the minute. */
const clinicStamp = () => new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 16);

/** First and last day of the month of `YYYY-MM-DD…`. */
function monthOf(stamp) {
  const [y, m] = [Number(stamp.slice(0, 4)), Number(stamp.slice(5, 7))];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { month: stamp.slice(0, 7), from: `${stamp.slice(0, 7)}-01`, to: `${stamp.slice(0, 7)}-${String(last).padStart(2, '0')}` };
}

/** The policy override the admin stores: one scoped downgrade, one rule in shadow. */
const POLICY = {
  alerts: {
    tuning: [
      {
        id: 'T-1', rule: 'RX-08', action: 'downgrade', scope: { departments: ['呼吸内科'] },
        rationale: '呼吸内科慢病续方常写“遵医嘱”，已由药师逐张核对用法', author: '质控科', expires: '2099-12-31',
      },
      {
        id: 'T-2', rule: 'RX-12', action: 'shadow',
        rationale: '试行：先在影子中衡量7日用量提示的准确率', author: '质控科', expires: '2099-12-31',
      },
    ],
  },
};

/**
 * Three prescriptions by the demo doctor (D0012), dated an hour ago:
 * - alerts-e2e-rx-1, 呼吸内科: 遵医嘱 at line 1 (RX-08, downgraded by T-1), 10 days at line 1
 *   (RX-12, in shadow by T-2), two antibiotics (RX-21) kept with a pick-list reason and words;
 * - alerts-e2e-rx-2, 内科: 遵医嘱 (RX-08 stays an error: T-1 is for 呼吸内科), two antibiotics
 *   kept with words alone;
 * - alerts-e2e-rx-3, 呼吸内科: 10 days at line 2 (RX-12 in shadow) and an over-label dose
 *   (RX-14, an error a reason accepts) with the doctor's reason: reported as an accepted warning.
 */
function documents(at) {
  const base = JSON.parse(readFileSync(path.join(root, 'crates/opdcheck-engine/samples/prescription-clean.json'), 'utf8'));
  const cef = {
    drug: '注射用头孢曲松钠', strength: '1g', dose: { value: 1, unit: 'g' }, route: '静脉滴注',
    frequency: 'qd', days: 3, quantity: { value: 3, unit: '支' },
  };
  const make = (id, patch) => {
    const d = structuredClone(base);
    d.id = id;
    d.visit_id = `${id}-v`;
    d.issued_at = at;
    d.prescriber.signed_at = at;
    d.patient.record_no = `MZ-${id}`;
    patch(d);
    return d;
  };
  return [
    make('alerts-e2e-rx-1', (d) => {
      d.items[0].frequency = '遵医嘱';
      d.items[0].days = 10;
      d.items[1] = cef;
      d.reasons = [{ rule: 'RX-21', choice: 'severe_infection', text: '痰培养提示混合感染', by: 'D0012', at }];
    }),
    make('alerts-e2e-rx-2', (d) => {
      d.department = '内科';
      d.items[0].frequency = '遵医嘱';
      d.items[1] = cef;
      d.reasons = [{ rule: 'RX-21', text: '门诊随访，已告知患者', by: 'D0012', at }];
    }),
    make('alerts-e2e-rx-3', (d) => {
      d.items[1].days = 10;
      d.items[1].quantity = { value: 2, unit: '盒' };
      d.items[1].dose = { value: 120, unit: 'mg' };
      d.reasons = [{ rule: 'RX-14', path: 'items[1].dose', choice: 'guideline_dose', text: '按指南加量，已评估', by: 'D0012', at }];
    }),
  ];
}

/**
 * The alert-quality figures of `rule` (in `group`: a department, or null for all), computed here
 * from the stored reports and QA's decisions, as docs/api.md defines them: documents of the kind
 * in the period (in the department), findings shown to doctors, those kept with a reason, the
 * reasons by pick-list key, QA's live and shadow decisions in the current reviews.
 */
function expected(rule, group, docs, reports, decisions) {
  const inGroup = docs.filter((d) => group === null || d.department === group);
  const e = {
    documents: inGroup.length, fired: 0, overridden: 0, reasons: {},
    confirmed: 0, dismissed: 0, shadow: 0, shadow_confirmed: 0, shadow_dismissed: 0,
  };
  for (const d of inGroup) {
    const report = reports[d.id];
    for (const f of report.findings.filter((f) => f.rule === rule)) {
      e.fired += 1;
      if (f.reason) {
        e.overridden += 1;
        const key = f.reason.choice ?? '';
        e.reasons[key] = (e.reasons[key] ?? 0) + 1;
      }
    }
    e.shadow += (report.shadow ?? []).filter((f) => f.rule === rule).length;
    for (const x of decisions.filter((x) => x.id === d.id && x.rule === rule)) {
      const k = `${x.shadow ? 'shadow_' : ''}${x.decision}`;
      e[k] += 1;
    }
  }
  const pct = (n, of) => (of === 0 ? null : `${((n * 100) / of).toFixed(1)} %`);
  e.per_100 = e.documents === 0 ? null : ((e.fired * 100) / e.documents).toFixed(1);
  e.override_rate = pct(e.overridden, e.fired);
  e.dismissal_rate = pct(e.dismissed, e.confirmed + e.dismissed);
  e.precision = pct(e.shadow_confirmed, e.shadow_confirmed + e.shadow_dismissed);
  return e;
}

/** One row of the alert-quality table as the page shows it (null: no such row). */
const shownRow = (page, rule, group) => page.evaluate(([rule, group]) => {
  const tr = [...document.querySelectorAll('#qa-alerts tbody tr')]
    .find((r) => r.dataset.rule === rule && (group === null || r.dataset.group === group));
  if (!tr) return null;
  const cell = (c) => {
    const el = tr.querySelector(`.${c}`);
    if (!el) return undefined;
    return el.querySelector('.nodata') ? null : el.textContent.trim();
  };
  const num = (c) => Number(cell(c));
  return {
    documents: num('a-documents'), fired: num('a-fired'), per_100: cell('a-per100'),
    overridden: num('a-overridden'), override_rate: cell('a-override-rate'),
    reasons: Object.fromEntries([...tr.querySelectorAll('.a-reasons li')].map((li) => [li.dataset.choice, Number(li.dataset.count)])),
    confirmed: num('a-confirmed'), dismissed: num('a-dismissed'), dismissal_rate: cell('a-dismissal-rate'),
    shadow: num('a-shadow'), shadow_confirmed: num('a-shadow-confirmed'), shadow_dismissed: num('a-shadow-dismissed'),
    precision: cell('a-precision'),
  };
}, [rule, group]);

/** RFC 4180 rows: quoted cells may hold commas, quotes ("") and line breaks. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows.filter((r) => r.length > 1 || r[0] !== '');
}

/** The record's live total as the review pane shows it: `扣 N 分` and the badge. */
const liveTotal = (page) => page.evaluate(() => {
  const t = document.querySelector('#qa-review-total');
  return t ? `${t.querySelector('.badge').textContent} ${t.querySelector('strong').textContent}` : null;
});

async function run(page, url) {
  say('the admin stores a policy with a scoped downgrade (T-1) and a shadow rule (T-2)');
  const admin = await signIn(url, 'admin');
  const set = await admin('PUT', 'policy', POLICY);
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const version = set.body.version;
  await until('the policy in force', () => admin('GET', 'policy'), (r) => r.body.version === version, WAIT);

  say('the demo doctor pushes three prescriptions with their reasons');
  const doctor = await signIn(url, 'doctor');
  const at = clinicStamp();
  const period = monthOf(at);
  const docs = documents(at);
  const pushed = await doctor('POST', 'records', { records: docs.map((d) => ({ id: d.id, version: 1, document: d })) });
  assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
  const reports = {};
  for (const r of pushed.body.results) {
    assert.equal(r.status, 'created', JSON.stringify(r));
    reports[r.id] = r.report;
  }
  // The documents do what they were written for (else the figures below would test nothing).
  const rx1 = reports['alerts-e2e-rx-1'];
  const rx21 = rx1.findings.find((f) => f.rule === 'RX-21');
  assert.equal(rx21?.reason?.choice, 'severe_infection', JSON.stringify(rx1));
  assert.equal(rx1.findings.find((f) => f.rule === 'RX-08')?.tuning?.entry, 'T-1', 'RX-08 downgraded in 呼吸内科');
  assert.equal(rx1.findings.find((f) => f.rule === 'RX-08')?.severity, 'warning');
  assert.equal(reports['alerts-e2e-rx-2'].findings.find((f) => f.rule === 'RX-08')?.severity, 'error', 'T-1 is not for 内科');
  assert.ok(!reports['alerts-e2e-rx-2'].findings.find((f) => f.rule === 'RX-08')?.tuning, 'T-1 is not for 内科');
  assert.ok(!rx1.findings.some((f) => f.rule === 'RX-12'), 'RX-12 runs in shadow: not a live finding');
  const shadow = (rx1.shadow ?? []).find((f) => f.rule === 'RX-12');
  assert.ok(shadow, `RX-12 in the shadow list: ${JSON.stringify(rx1)}`);
  assert.equal((reports['alerts-e2e-rx-3'].shadow ?? []).filter((f) => f.rule === 'RX-12').length, 1);
  const rx14 = reports['alerts-e2e-rx-3'].findings.find((f) => f.rule === 'RX-14');
  assert.ok(rx14?.reason?.accepted && rx14.severity === 'warning', `RX-14 accepted by its reason: ${JSON.stringify(rx14)}`);

  say('QA signs in to the workspace and draws a sample of the month\'s prescriptions');
  await page.goto(`${url}qa/`);
  await page.fill('#login-user', 'qa');
  await page.fill('#login-pass', 'qa');
  await page.click('.login-form button[type=submit]');
  await page.locator('#qa-tab-samples').waitFor({ timeout: WAIT });
  await page.click('#qa-tab-samples');
  await page.fill('#qa-sample-name', '提示调整试行');
  await page.fill('#qa-sample-from', period.from);
  await page.fill('#qa-sample-to', period.to);
  await page.click('#qa-sample-draw');
  await page.locator('#qa-sample-records').waitFor({ timeout: WAIT });
  const drawn = await page.locator('#qa-sample-records tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.record));
  assert.deepEqual(drawn.slice().sort(), docs.map((d) => d.id).sort(), 'every prescription of the month drawn');

  say('the review: the doctor\'s reason, the tuning note, the shadow finding in its own section');
  await page.locator('#qa-sample-records tr[data-record="alerts-e2e-rx-1"] .qa-review-open').click();
  await page.locator('#qa-review-total').waitFor({ timeout: WAIT });
  const live21 = page.locator('.qa-findings .qa-finding[data-rule="RX-21"][data-shadow="false"]');
  assert.match(await live21.locator('.qa-doctor-reason').innerText(), /医生理由\s*重症或混合感染：痰培养提示混合感染/);
  const live08 = page.locator('.qa-findings .qa-finding[data-rule="RX-08"][data-shadow="false"]');
  assert.equal((await live08.locator('.qa-tuning').innerText()).trim(), '按院内调整 T-1 降为警告');
  assert.match(await page.locator('#qa-shadow h3').innerText(), /影子规则（医生不可见，不计分）/);
  const shadow12 = page.locator(`#qa-shadow .qa-finding[data-rule="RX-12"][data-path="${shadow.path}"]`);
  await shadow12.waitFor();
  assert.equal(await page.locator('.qa-finding[data-rule="RX-12"][data-shadow="false"]').count(), 0, 'no live RX-12');
  assert.match(await shadow12.locator('.qa-tuning').innerText(), /按院内调整 T-2 影子运行/);

  say('dismissing the shadow finding needs a reason and never moves the record\'s total');
  const before = await liveTotal(page);
  await shadow12.locator('.qa-dismiss').check();
  await page.click('#qa-review-save');
  await until('the missing reason said', () => page.locator('.qa-review-side [role=alert]').first().textContent(), (t) => /影子规则 RX-12 须写明理由/.test(t), WAIT);
  await shadow12.locator('.qa-reason-input').fill('本例为慢病长期用药，7日限量不适用');
  assert.equal(await liveTotal(page), before, 'a shadow decision is not scored');

  say('confirm the live RX-21 (it charges CLN-7) and save');
  await live21.locator('.qa-confirm').check();
  const after = await until('the total to follow the live decision', () => liveTotal(page), (t) => t !== before, WAIT);
  // The side panel from the tuned RX-08 down: the tuning note, the doctor's reason, the shadow section.
  await live08.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shot(page, 'qa-review-reason-shadow.png');
  await page.click('#qa-review-save');
  await until('saved', () => page.locator('#qa-review-saved').textContent(), (t) => /已保存（第 1 版评审/.test(t), WAIT);
  const qa = await signIn(url, 'qa');
  const stored = await qa('GET', 'records/alerts-e2e-rx-1/review');
  assert.equal(stored.status, 200, JSON.stringify(stored.body));
  const review = stored.body.review;
  const shadowDecision = review.findings.find((f) => f.rule === 'RX-12');
  assert.deepEqual(
    { shadow: shadowDecision?.shadow, decision: shadowDecision?.decision, reason: shadowDecision?.reason },
    { shadow: true, decision: 'dismissed', reason: '本例为慢病长期用药，7日限量不适用' },
    JSON.stringify(review),
  );
  const liveDecision = review.findings.find((f) => f.rule === 'RX-21');
  assert.ok(liveDecision && !liveDecision.shadow && liveDecision.decision === 'confirmed', JSON.stringify(review));
  assert.equal(`${review.qualified ? '合格' : '不合格'} 扣 ${review.deduction} 分`, after, 'the server stored the total shown');

  say('an error the doctor\'s reason accepted says so: 已说明理由放行');
  await page.click('#qa-review-back');
  await page.locator('#qa-sample-records tr[data-record="alerts-e2e-rx-3"] .qa-review-open').click();
  const accepted = page.locator('.qa-findings .qa-finding[data-rule="RX-14"][data-shadow="false"]');
  await accepted.waitFor({ timeout: WAIT });
  assert.match(await accepted.locator('.qa-doctor-reason').innerText(), /医生理由\s*指南或说明书外推荐剂量，已评估：按指南加量，已评估\s*已说明理由放行/);
  assert.match(await accepted.getAttribute('class'), /\bwarning\b/);
  await accepted.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shot(page, 'qa-review-accepted.png');

  const decisions = [
    { id: 'alerts-e2e-rx-1', rule: 'RX-12', shadow: true, decision: 'dismissed' },
    { id: 'alerts-e2e-rx-1', rule: 'RX-21', shadow: false, decision: 'confirmed' },
  ];

  say('the alert-quality tab: the month by rule equals the counts computed here');
  await page.click('#qa-tab-alerts');
  await page.fill('#qa-alerts-month', period.month);
  await page.locator('#qa-alerts-month').dispatchEvent('change');
  await until('the period shown', () => page.locator('#qa-alerts-period').textContent().catch(() => ''), (t) => t.startsWith(`${period.from} 至 ${period.to}`), WAIT);
  for (const rule of ['RX-08', 'RX-12', 'RX-14', 'RX-21']) {
    const want = expected(rule, null, docs, reports, decisions);
    const got = await until(`the ${rule} row`, () => shownRow(page, rule, null), Boolean, WAIT);
    assert.deepEqual(got, {
      documents: want.documents, fired: want.fired, per_100: want.per_100,
      overridden: want.overridden, override_rate: want.override_rate, reasons: want.reasons,
      confirmed: want.confirmed, dismissed: want.dismissed, dismissal_rate: want.dismissal_rate,
      shadow: want.shadow, shadow_confirmed: want.shadow_confirmed, shadow_dismissed: want.shadow_dismissed,
      precision: want.precision,
    }, `${rule}: page vs computed`);
    console.log(`alerts-e2e:   ${rule}: ${JSON.stringify(got)}`);
  }
  // The figures the page must say 无数据 for, never 0 %: RX-12 never fired; no QA decision on RX-08.
  assert.equal((await shownRow(page, 'RX-12', null)).override_rate, null);
  assert.equal((await shownRow(page, 'RX-08', null)).dismissal_rate, null);
  assert.match(await page.locator('#qa-alerts tr[data-rule="RX-08"] .a-dismissal-rate').innerText(), /无数据/);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'qa-alerts.png');

  say('by department: the downgrade applies in 呼吸内科, RX-08 still fires in 内科');
  await page.selectOption('#qa-alerts-by', 'department');
  await until('the department column', () => page.locator('#qa-alerts tbody tr[data-group="内科"]').count(), (n) => n > 0, WAIT);
  for (const [rule, group] of [['RX-08', '呼吸内科'], ['RX-08', '内科'], ['RX-12', '呼吸内科'], ['RX-21', '内科']]) {
    const want = expected(rule, group, docs, reports, decisions);
    const got = await until(`the ${rule} row of ${group}`, () => shownRow(page, rule, group), Boolean, WAIT);
    assert.equal(got.documents, want.documents, `${rule} ${group} documents`);
    assert.equal(got.fired, want.fired, `${rule} ${group} fired`);
    assert.equal(got.shadow, want.shadow, `${rule} ${group} shadow`);
    assert.equal(got.overridden, want.overridden, `${rule} ${group} kept`);
  }
  await shot(page, 'qa-alerts-department.png');

  say('the CSV: the same query, the same figures');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#qa-alerts-csv')]);
  assert.equal(download.suggestedFilename(), `opdcheck-alerts-${period.month}-department.csv`);
  const file = outFile('alerts.csv');
  await download.saveAs(file);
  const csv = readFileSync(file, 'utf8');
  assert.ok(csv.startsWith('\uFEFF'), 'a BOM, so spreadsheets read the Chinese right');
  const [header, ...rows] = parseCsv(csv.slice(1));
  // Headings are bilingual (「提示数 fired」): found by their English word.
  const col = (name) => header.findIndex((h) => h === name || h.endsWith(` ${name}`));
  for (const name of ['rule', 'fired', 'shadow']) assert.ok(col(name) >= 0, `CSV column ${name}: ${header.join(',')}`);
  const csvFired = (rule) => rows.filter((r) => r[col('rule')] === rule).reduce((a, r) => a + Number(r[col('fired')]), 0);
  const csvShadow = (rule) => rows.filter((r) => r[col('rule')] === rule).reduce((a, r) => a + Number(r[col('shadow')]), 0);
  for (const rule of ['RX-08', 'RX-12', 'RX-21']) {
    const want = expected(rule, null, docs, reports, decisions);
    assert.equal(csvFired(rule), want.fired, `CSV ${rule} fired over the departments`);
    assert.equal(csvShadow(rule), want.shadow, `CSV ${rule} shadow over the departments`);
  }
  // Straight from the API too: same numbers as the page read (one source, two readers).
  const json = await qa('GET', `alerts?from=${period.from}&to=${period.to}&by=rule`);
  assert.equal(json.status, 200, JSON.stringify(json.body));
  assert.equal(json.body.rows.find((r) => r.rule === 'RX-21').fired, expected('RX-21', null, docs, reports, decisions).fired);

  say('a doctor is refused the figures');
  const refused = await doctor('GET', 'alerts');
  assert.equal(refused.status, 403);
}

async function main() {
  const data = mkdtempSync(path.join(tmpdir(), 'opdcheck-alerts-e2e-'));
  const server = await startServer(['--data-dir', data]);
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await run(page, server.url);
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
    console.log('alerts-e2e: all steps passed');
  } catch (e) {
    await page.screenshot({ path: outFile('alerts-failure.png'), fullPage: true }).catch(() => {});
    e.message = `step "${step}": ${e.message}` +
      (errors.length ? `\npage errors: ${errors.join('; ')}` : '') +
      `\nscreenshot: ${outFile('alerts-failure.png')}`;
    throw e;
  } finally {
    await browser.close();
    await server.stop();
    rmSync(data, { recursive: true, force: true });
  }
}

await main();
