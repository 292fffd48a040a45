// End-to-end test of the widget on a portal's OWN form as people fill it in (issue 14, item 5),
// in Debian's Chromium at 1366×768: an old HIS prescription form (plain text inputs, HIS codes
// for sex) attached with a mapping that names no types. "52岁" in the age, "4" in a days
// input, "2026/12/02 09:30" as the time and the HIS sex code 1 are read as the format wants;
// values it cannot read get a Chinese message AT their input while the rest is still checked;
// `stage: 'draft'` sets the signature and end mark aside as due at signing, a final check
// shows them, and `signedElsewhere` never counts them. Before the browser: the widget's table
// of the format's types (js/shape.js) is held to docs/schema/document.schema.json.
//
//   OPDCHECK_SERVER=… OPDCHECK_DIST=… node tests/e2e/widget-portal.e2e.mjs
//   (dist must hold widget/1.0.0/; screenshots go to OPDCHECK_SHOTS, else target/e2e)

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, outFile, until } from './lib.mjs';
import { SHAPE } from '../../crates/opdcheck-widget/js/shape.js';
import { readAge, readDateTime, readNumber } from '../../crates/opdcheck-widget/js/read.js';

const WAIT = 15_000;
let step = 'start';
const say = (s) => { step = s; console.log(`widget-portal-e2e: ${s}`); };
const root = path.resolve(import.meta.dirname, '..', '..');

function shot(name) {
  const dir = process.env.OPDCHECK_SHOTS;
  if (!dir) return outFile(name);
  mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

// ------------------------------------------------------------------------------------------
// js/shape.js against the schema
// ------------------------------------------------------------------------------------------

/** The schema's non-text leaves of one document type: generic path → number/boolean/list/enum values. */
function schemaShape(defs, name) {
  const out = {};
  const typeOf = (node) => {
    if (!node || typeof node !== 'object') return { any: true };
    if (node.$ref) return { ref: node.$ref.split('/').pop() };
    if (node.anyOf) return typeOf(node.anyOf.find((a) => a.type !== 'null'));
    const t = Array.isArray(node.type) ? node.type.find((x) => x !== 'null') : node.type;
    if (t === 'array') return { array: typeOf(node.items) };
    return { prim: t };
  };
  const walk = (def, prefix) => {
    for (const [k, v] of Object.entries(defs[def].properties || {})) {
      const p = prefix ? `${prefix}.${k}` : k;
      const t = typeOf(v);
      if (t.ref && defs[t.ref].enum) out[p] = defs[t.ref].enum;
      else if (t.ref) walk(t.ref, p);
      else if (t.array) {
        const it = t.array;
        if (it.ref && !defs[it.ref].enum) walk(it.ref, `${p}[]`);
        else out[p] = 'list';
      } else if (t.prim === 'number' || t.prim === 'integer') out[p] = 'number';
      else if (t.prim === 'boolean') out[p] = 'boolean';
    }
  };
  walk(name, '');
  return out;
}

function checkShapeTable() {
  const schema = JSON.parse(readFileSync(path.join(root, 'docs', 'schema', 'document.schema.json'), 'utf8'));
  const kinds = { prescription: 'Prescription', outpatient_record: 'OutpatientRecord', exam_request: 'ExamRequest', infectious_report: 'InfectiousReport' };
  for (const [kind, def] of Object.entries(kinds)) {
    const want = schemaShape(schema.$defs, def);
    // The widget's own reading of a whole age ("52岁" → {value, unit}) is not a schema leaf.
    const have = Object.fromEntries(Object.entries(SHAPE[kind]).filter(([, t]) => t !== 'age'));
    assert.deepEqual(have, want, `js/shape.js's ${kind} differs from document.schema.json's ${def}`);
  }
}

/** The readers on their own (plain modules): what each way of writing gives. */
function checkReaders() {
  const dates = {
    '2026/12/02 09:30': '2026-12-02T09:30', '2026-12-02 9:30': '2026-12-02T09:30', '2026年12月2日': '2026-12-02',
    '2026年12月2日 9时30分': '2026-12-02T09:30', '2026.12.2': '2026-12-02', '20261202': '2026-12-02',
    '2026-11-22T09:30:00+08:00': '2026-11-22T09:30:00+08:00', '２０２６/１２/０２ ０９:３０': '2026-12-02T09:30',
  };
  for (const [t, want] of Object.entries(dates)) assert.deepEqual(readDateTime(t), { value: want }, t);
  for (const t of ['2026-02-30', '2026-13-01 09:30', '2026/12/02 24:00', '明天']) assert.match(readDateTime(t).error.zh, /^无法识别的日期时间/, t);
  const ages = { 52: { value: 52 }, '52岁': { value: 52, unit: 'year' }, '3个月': { value: 3, unit: 'month' }, '15天': { value: 15, unit: 'day' },
    '2周': { value: 14, unit: 'day' }, '1岁3个月': { value: 15, unit: 'month' }, '52 周岁': { value: 52, unit: 'year' } };
  for (const [t, want] of Object.entries(ages)) assert.deepEqual(readAge(t), want, t);
  assert.match(readAge('五十').error.zh, /^无法识别的年龄“五十”/);
  assert.deepEqual(readNumber('4', 'days'), { value: 4 });
  assert.deepEqual(readNumber('7天', 'days'), { value: 7 });
  assert.deepEqual(readNumber('４', 'days'), { value: 4 });
  assert.deepEqual(readNumber('0.5g', 'value'), { value: 0.5, unit: 'g' });
  assert.deepEqual(readNumber('1,000', 'value'), { value: 1000 });
  assert.match(readNumber('7盒', 'days').error.zh, /^无法识别的数字/);
}

// ------------------------------------------------------------------------------------------
// The portal
// ------------------------------------------------------------------------------------------

const PORTAL = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>门诊处方 — 某医院 HIS</title>
<style>
  body { font: 14px "SimSun", "Noto Serif CJK SC", serif; margin: 8px; background: #eef1f5; }
  .wrap { display: flex; gap: 10px; align-items: flex-start; }
  form { background: #fff; border: 1px solid #7a8ca5; padding: 6px; width: 880px; }
  h1 { font-size: 16px; margin: 0 0 6px; background: #3a5a8c; color: #fff; padding: 3px 6px; }
  table { border-collapse: collapse; width: 100%; }
  td, th { border: 1px solid #b6c2d2; padding: 2px 4px; vertical-align: top; font-weight: normal; }
  th { background: #dfe6ef; } input, select { width: 96%; font: inherit; }
  td.l { background: #f2f5f9; width: 72px; white-space: nowrap; }
  opd-check { width: 440px; }
</style></head>
<body><div class="wrap">
<form id="cf" autocomplete="off">
  <h1>门诊处方笺</h1>
  <table>
    <tr><td class="l"><label for="xm">姓名</label></td><td><input id="xm"></td>
        <td class="l"><label for="xb">性别</label></td><td><select id="xb"><option value=""></option><option value="1">男</option><option value="2">女</option><option value="3">其他</option></select></td>
        <td class="l"><label for="nl">年龄</label></td><td><input id="nl"></td></tr>
    <tr><td class="l"><label for="mzh">门诊号</label></td><td><input id="mzh"></td>
        <td class="l"><label for="kb">科别</label></td><td><input id="kb"></td>
        <td class="l"><label for="fb">费别</label></td><td><input id="fb"></td></tr>
    <tr><td class="l"><label for="tz">体重(kg)</label></td><td><input id="tz"></td>
        <td class="l"><label for="kjsj">开具时间</label></td><td><input id="kjsj"></td>
        <td class="l"><label for="sfz">身份证号</label></td><td><input id="sfz"></td></tr>
    <tr><td class="l"><label for="zd">临床诊断</label></td><td colspan="3"><input id="zd"></td>
        <td class="l"><label for="zdbm">诊断编码</label></td><td><input id="zdbm"></td></tr>
    <tr><td class="l"><label for="gms">过敏史</label></td><td colspan="5"><input id="gms"></td></tr>
  </table>
  <table id="rows">
    <tr><th>药品名称</th><th>规格</th><th>单次剂量</th><th>单位</th><th>用法</th><th>频次</th><th>天数</th><th>总量</th><th>单位</th></tr>
    <tr class="row"><td><input class="yp" aria-label="药品名称"></td><td><input class="gg" aria-label="规格"></td><td><input class="jl" aria-label="单次剂量"></td><td><input class="jldw" aria-label="剂量单位"></td>
      <td><input class="yf" aria-label="用法"></td><td><input class="pc" aria-label="频次"></td><td><input class="ts" aria-label="天数"></td><td><input class="zl" aria-label="总量"></td><td><input class="zldw" aria-label="总量单位"></td></tr>
    <tr class="row"><td><input class="yp" aria-label="药品名称"></td><td><input class="gg" aria-label="规格"></td><td><input class="jl" aria-label="单次剂量"></td><td><input class="jldw" aria-label="剂量单位"></td>
      <td><input class="yf" aria-label="用法"></td><td><input class="pc" aria-label="频次"></td><td><input class="ts" aria-label="天数"></td><td><input class="zl" aria-label="总量"></td><td><input class="zldw" aria-label="总量单位"></td></tr>
  </table>
  <table><tr><td class="l"><label for="ys">医师</label></td><td><input id="ys"></td><td class="l">（由 HIS 电子签名）</td></tr></table>
</form>
<opd-check id="panel"></opd-check>
</div></body></html>`;

/** attach()'s options of this portal: a mapping that names no type, HIS codes for sex. */
const ATTACH = `({
  kind: 'prescription',
  panel: '#panel',
  values: () => ({ id: 'CF-20261202-0001', institution: '示范市第一人民医院', prescription_type: 'general',
    prescriber: { id: 'D0012', title: 'attending' } }),
  fields: {
    'patient.name': '#xm',
    'patient.sex': { selector: '#xb', codes: { 1: '男', 2: '女' } },
    'patient.age': '#nl',
    'patient.record_no': '#mzh',
    department: '#kb',
    fee_category: '#fb',
    // An integrator's own conversion that lets text through: the engine's error, in Chinese, at #tz.
    'patient.weight_kg': { selector: '#tz', parse: (t) => (t === '' ? undefined : Number.isNaN(Number(t)) ? t : Number(t)) },
    issued_at: '#kjsj',
    'patient.id_number': '#sfz',
    diagnoses: '#zd',
    diagnosis_codes: '#zdbm',
    'patient.allergy_history': '#gms',
    'items[]': '#rows tr.row',
    'items[].drug': '.yp', 'items[].strength': '.gg', 'items[].dose.value': '.jl', 'items[].dose.unit': '.jldw',
    'items[].route': '.yf', 'items[].frequency': '.pc', 'items[].days': '.ts',
    'items[].quantity.value': '.zl', 'items[].quantity.unit': '.zldw',
    'prescriber.name': '#ys',
  },
})`;

const FILL = {
  '#xm': '张伟', '#nl': '52岁', '#mzh': 'MZ20261202001', '#kb': '呼吸内科', '#fb': '医保', '#tz': '70',
  '#kjsj': '2026/12/02 09:30', '#sfz': '110101197401010011', '#zd': '急性支气管炎', '#zdbm': 'J20.9',
  '#gms': '否认药物过敏史', '#ys': '李明',
};
const ROW = { '.yp': '阿莫西林胶囊', '.gg': '0.25g×24粒', '.jl': '0.5', '.jldw': 'g', '.yf': '口服', '.pc': 'tid', '.ts': '4', '.zl': '1', '.zldw': '盒' };

/** How the widget marked an input: its rule codes and message text. */
const markOf = (page, sel) => page.locator(sel).evaluate((el) => {
  const ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
  const msgs = ids.map((id) => document.getElementById(id)).filter((m) => m && m.classList.contains('opd-msg'));
  return {
    invalid: el.getAttribute('aria-invalid'),
    rules: msgs.flatMap((m) => [...m.querySelectorAll('[data-rule]')].map((x) => x.dataset.rule)),
    text: msgs.map((m) => m.textContent).join(' | '),
  };
});

const report = (page) => page.evaluate(() => window.h.report());
const doc = (page) => page.evaluate(() => window.h.document());
const codes = (fs) => (fs || []).map((f) => `${f.rule} ${f.path}`);

/** The panel's view: badge, the draft tag, the at-signing section's kind and rules. */
const panelView = (page) => page.locator('#panel').evaluate((el) => {
  const r = el.shadowRoot;
  const sec = r.querySelector('[data-at-signing]');
  return {
    qualified: r.querySelector('[part~="badge"]')?.dataset.qualified,
    draft: !!r.querySelector('[data-stage="draft"]'),
    atSigning: sec ? sec.dataset.atSigning : null,
    atSigningTitle: sec ? sec.querySelector('h3').textContent : null,
    atSigningRules: sec ? [...sec.querySelectorAll('li')].map((li) => `${li.dataset.rule} ${li.dataset.path}`) : [],
    rules: [...r.querySelectorAll('li[data-index]')].map((li) => li.dataset.rule),
    inputError: !!r.querySelector('[part~="input-error"]'),
  };
});

async function fillForm(page) {
  for (const [sel, v] of Object.entries(FILL)) await page.locator(sel).fill(v);
  await page.locator('#xb').selectOption('1');
  const row = page.locator('#rows tr.row').first();
  for (const [sel, v] of Object.entries(ROW)) await row.locator(sel).fill(v);
}

async function attach(page, extra) {
  await page.evaluate(async ([opts, more]) => {
    const m = await import('/widget/1.0.0/opdcheck.js');
    await m.init();
    if (window.h) window.h.destroy();
    // eslint-disable-next-line no-eval
    window.h = m.attach(document.querySelector('#cf'), { ...(0, eval)(opts), ...more });
    window.h.check();
  }, [ATTACH, extra]);
}

async function run(page, url) {
  say('open a portal page of its own (served with the widget\'s origin)');
  await page.route(`${url}his/cf.html`, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: PORTAL }));
  await page.goto(`${url}his/cf.html`);

  say('the engine\'s own located errors read in Chinese, with the path');
  const bad = await page.evaluate(async () => {
    const m = await import('/widget/1.0.0/opdcheck.js');
    await m.init();
    return m.validate({ kind: 'prescription', id: 'x', patient: { age: { value: '52岁', unit: 'year' } } }).error;
  });
  assert.equal(bad.path, 'patient.age.value');
  assert.equal(bad.message_zh, '类型不符：应为数字，实为文字“52岁”');
  assert.match(bad.message, /invalid type/, 'the English message stays for the API and the CLI');

  say('a draft: "52岁", HIS code 1, "4" in a plain days input, "2026/12/02 09:30" are read; qualified without the signature');
  await attach(page, { stage: 'draft' });
  await fillForm(page);
  let d = await until('the form read', () => doc(page), (x) => x && x.items && x.items[0] && x.items[0].quantity && x.items[0].quantity.unit === '盒', WAIT);
  assert.deepEqual(d.patient.age, { value: 52, unit: 'year' });
  assert.equal(d.patient.sex, '男');
  assert.equal(d.items[0].days, 4, '"4" typed in a days input mapped without a type is a number');
  assert.deepEqual(d.items[0].dose, { value: 0.5, unit: 'g' });
  assert.equal(d.issued_at, '2026-12-02T09:30');
  assert.deepEqual(d.diagnoses, ['急性支气管炎'], 'a list by the format');
  assert.equal(d.items.length, 1, 'the blank second row is dropped');
  let r = await until('a qualified draft', () => report(page), (x) => x && x.score && x.score.qualified, WAIT).catch(async (e) => {
    throw new Error(`${e.message}; findings: ${codes((await report(page)).findings)}`);
  });
  assert.equal(r.stage, 'draft');
  assert.deepEqual(codes(r.findings).filter((c) => c.startsWith('RX-17')), []);
  assert.deepEqual(codes(r.at_signing), ['RX-17 completed', 'RX-17 prescriber']);
  assert.deepEqual((await markOf(page, '#ys')).rules, [], 'the signature is not asked for at the prescriber\'s input');
  let pv = await until('the panel\'s draft view', () => panelView(page), (v) => v.atSigning === 'due', WAIT);
  assert.deepEqual([pv.qualified, pv.draft, pv.atSigningTitle], ['true', true, '签名时完成 (2)']);
  assert.deepEqual(pv.atSigningRules, ['RX-17 completed', 'RX-17 prescriber']);
  await page.screenshot({ path: shot('widget-portal-draft.png') });

  say('other ways of writing: "2026-12-02 9:30", "2026年12月2日", "3个月", "15天", "1岁3个月"');
  const forms = [
    ['#kjsj', '2026-12-02 9:30', (x) => x.issued_at, '2026-12-02T09:30'],
    ['#kjsj', '2026年12月2日', (x) => x.issued_at, '2026-12-02'],
    ['#nl', '3个月', (x) => x.patient.age, { value: 3, unit: 'month' }],
    ['#nl', '15天', (x) => x.patient.age, { value: 15, unit: 'day' }],
    ['#nl', '1岁3个月', (x) => x.patient.age, { value: 15, unit: 'month' }],
    ['#nl', '52', (x) => x.patient.age, { value: 52, unit: 'year' }],
  ];
  for (const [sel, text, pick, want] of forms) {
    await page.locator(sel).fill(text);
    await until(`${text} read as ${JSON.stringify(want)}`, async () => pick(await doc(page)), (v) => JSON.stringify(v) === JSON.stringify(want), WAIT);
  }
  await page.locator('#kjsj').fill(FILL['#kjsj']);
  await page.locator('#nl').fill(FILL['#nl']);

  say('a final check names what signing still needs; setStage(\'final\') marks it at the prescriber\'s input');
  const fin = await page.evaluate(() => window.h.check({ stage: 'final' }));
  assert.equal(fin.score.qualified, false);
  assert.deepEqual(codes(fin.findings), ['RX-17 completed', 'RX-17 prescriber']);
  assert.equal(fin.at_signing, undefined);
  await page.evaluate(() => window.h.setStage('final'));
  const ys = await until('RX-17 at #ys', () => markOf(page, '#ys'), (m) => m.rules.includes('RX-17'), WAIT);
  assert.match(ys.text, /处方医师未签名/);
  pv = await until('the panel\'s final view', () => panelView(page), (v) => v.qualified === 'false' && !v.atSigning, WAIT);
  assert.equal(pv.draft, false);
  await page.screenshot({ path: shot('widget-portal-final.png') });

  say('signedElsewhere: a portal that signs in its own HIS is qualified without RX-17, at the final stage too');
  await attach(page, { stage: 'final', signedElsewhere: true });
  r = await until('qualified, signed elsewhere', () => report(page), (x) => x && x.score && x.score.qualified, WAIT);
  assert.equal(r.signed_elsewhere, true);
  assert.deepEqual(codes(r.at_signing), ['RX-17 completed', 'RX-17 prescriber']);
  assert.deepEqual(r.score, { items: [], deduction: 0, qualified: true });
  pv = await until('the panel says signed in the HIS', () => panelView(page), (v) => v.atSigning === 'elsewhere', WAIT);
  assert.equal(pv.atSigningTitle, '由本院 HIS 签名 (2)');
  assert.equal((await markOf(page, '#ys')).rules.length, 0);
  await page.screenshot({ path: shot('widget-portal-signed-elsewhere.png') });

  say('values it cannot read: a Chinese message at each input; the rest of the form is still checked');
  await page.locator('#nl').fill('五十二');
  await page.locator('#xb').selectOption('3');
  await page.locator('#kjsj').fill('2026/13/45 09:30');
  await page.locator('#tz').fill('七十');
  await page.locator('#rows tr.row').first().locator('.ts').fill('四天');
  await page.locator('#rows tr.row').first().locator('.pc').fill('遵医嘱');
  const want = {
    '#nl': '无法识别的年龄“五十二”：请写成 52、52岁、3个月 或 15天',
    '#xb': '无法识别的性别“其他”：应为 男、女、未知 之一',
    '#kjsj': '无法识别的日期时间“2026/13/45 09:30”',
    '#tz': '类型不符：应为数字，实为文字“七十”',
  };
  for (const [sel, text] of Object.entries(want)) {
    const m = await until(`INPUT at ${sel}`, () => markOf(page, sel), (x) => x.rules.includes('INPUT'), WAIT);
    assert.ok(m.text.includes(text), `${sel}: ${m.text}`);
    assert.equal(m.invalid, 'true');
    assert.doesNotMatch(m.text, /invalid type|expected f64/, 'no serde English at the input');
    assert.deepEqual(m.rules, ['INPUT'], `${sel}: the "missing" finding gives way to it (${m.rules})`);
  }
  const days = await markOf(page, '#rows tr.row >> nth=0 >> .ts');
  assert.match(days.text, /无法识别的数字“四天”/);
  const freq = await markOf(page, '#rows tr.row >> nth=0 >> .pc');
  assert.deepEqual(freq.rules, ['RX-08'], 'the engine still checks the rest of the form');
  r = await report(page);
  assert.equal(r.score.qualified, false);
  assert.ok(!r.error, 'not one error for the whole document');
  pv = await panelView(page);
  assert.equal(pv.inputError, false);
  assert.ok(pv.rules.filter((x) => x === 'INPUT').length >= 5, pv.rules.join());
  await page.screenshot({ path: shot('widget-portal-unreadable.png') });

  say('fixed again: the marks go and the document is qualified');
  await fillForm(page);
  await until('qualified again', () => report(page), (x) => x && x.score && x.score.qualified, WAIT);
  assert.equal(await page.locator('#cf .opd-msg').count(), 0);
}

async function main() {
  say('js/shape.js agrees with document.schema.json');
  checkShapeTable();
  say('the readers: dates, ages and numbers as people write them');
  checkReaders();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'opdcheck-widget-portal-e2e-'));
  const server = await startServer(['--data-dir', dataDir]);
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const pageErrors = [];
  page.setDefaultTimeout(WAIT);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
  try {
    await run(page, server.url);
    if (pageErrors.length) throw new Error(`errors in the page: ${pageErrors.join('; ')}`);
    console.log('widget-portal-e2e: all steps passed');
  } catch (e) {
    await page.screenshot({ path: shot('widget-portal-failure.png'), fullPage: true }).catch(() => {});
    e.message = `step "${step}": ${e.message}` +
      (pageErrors.length ? `\npage errors: ${pageErrors.join('; ')}` : '') +
      `\nscreenshot: ${shot('widget-portal-failure.png')}`;
    throw e;
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`widget-portal-e2e: FAILED: ${e.message}\n${e.stack}`);
  process.exit(1);
});
