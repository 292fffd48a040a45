// The demo portal's own script. Everything opdcheck-specific is in the calls to init(), attach(),
// the <opd-check> elements and sync(); the rest is what a legacy HIS page already has.
import { init, attach, sync } from '/widget/1.0.0/opdcheck.js';

const $ = (s) => document.querySelector(s);
const pad = (n) => String(n).padStart(2, '0');
const localMinute = (d = new Date()) =>
  `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;

// ------------------------------------------------------------------ the portal's own behaviour

// A new document's id: a random UUID, so two workstations never make the same one (a second
// push under an id already stored with another body is refused as a conflict). randomUUID()
// exists only in secure contexts (https, localhost); an intranet portal on plain http gets the
// same v4 UUID from getRandomValues(), which every browser has.
function newUuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

let rxId = '';
let visitId = '';
function newIds() {
  rxId = newUuid();
  visitId = newUuid();
  $('#cfh').textContent = rxId;
}

function renumber() {
  document.querySelectorAll('#drugRows tr.drug-row').forEach((tr, i) => { tr.querySelector('.seq').textContent = String(i + 1); });
}

function addRow() {
  $('#drugRows').append($('#drugRowTpl').content.cloneNode(true));
  renumber();
}

// The form is never submitted (saving is the button's); a listener, not an inline onsubmit,
// which the server's Content-Security-Policy would refuse.
$('#cfForm').addEventListener('submit', (e) => e.preventDefault());
$('#btnAdd').addEventListener('click', addRow);
$('#drugRows').addEventListener('click', (e) => {
  const del = e.target.closest('.btn-del');
  if (!del) return;
  del.closest('tr').remove();
  renumber();
});

function unsign() {
  $('#qmid').value = '';
  $('#qmsj').value = '';
  $('#qmText').textContent = '未签名';
}

function freshForm() {
  $('#cfForm').reset();
  $('#drugRows').replaceChildren();
  addRow();
  newIds();
  unsign();
  $('#kjrq').value = localMinute();
  $('#ysxm').value = '李明';
  $('#ysgh').value = 'D0012';
  $('#yszc').value = 'attending';
  $('#saveMsg').textContent = '';
}

freshForm();

// ------------------------------------------------------------------ way 1: attach() on the form

const SEX = { 1: 'male', 2: 'female', 9: 'unknown' };
const AGE_UNIT = { 岁: 'year', 月: 'month', 天: 'day' };

await init();

const handle = attach($('#cfForm'), {
  kind: 'prescription',
  lang: 'zh',
  panel: '#rxPanel',
  // Fields the form does not show: constants, read on every check.
  values: () => ({ id: rxId, visit_id: visitId, institution: '示范市第一人民医院' }),
  fields: {
    prescription_type: '#cflb',
    fee_category: '#fb',
    'patient.record_no': '#mzh',
    department: '#ksmc',
    issued_at: '#kjrq',
    'patient.name': '#pname',
    'patient.sex': { selector: '#psex', parse: (v) => SEX[v] },
    'patient.age.value': { selector: '#page', type: 'number' },
    'patient.age.unit': { selector: '#pageunit', parse: (v) => AGE_UNIT[v] },
    'patient.weight_kg': '#ptz',
    'patient.id_number': '#psfz',
    'patient.allergy_history': '#pgms',
    diagnoses: { selector: '#zd', type: 'list' },
    diagnosis_codes: { selector: '#zdbm', type: 'list' },
    'items[].drug': '.drug-name',
    'items[].strength': '.drug-spec',
    'items[].dose.value': { selector: '.drug-dose', type: 'number' },
    'items[].dose.unit': '.drug-unit',
    'items[].route': '.drug-route',
    'items[].frequency': '.drug-freq',
    'items[].days': '.drug-days',
    'items[].quantity.value': { selector: '.drug-qty', type: 'number' },
    'items[].quantity.unit': '.drug-qty-unit',
    'prescriber.name': '#ysxm',
    'prescriber.id': '#ysgh',
    'prescriber.title': '#yszc',
    'prescriber.signature_id': '#qmid',
    'prescriber.signed_at': '#qmsj',
    completed: '#wcbz',
  },
});

// A visible event log (and window.opdEvents, for tests).
window.opdEvents = [];
function logEvent(type, detail) {
  window.opdEvents.push({ type, ...detail });
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()} ${type} ${JSON.stringify(detail)}`;
  li.dataset.type = type;
  $('#eventLog').prepend(li);
}
const summary = (r) => (r.error
  ? { error: r.error.path }
  : { qualified: r.score.qualified, rules: [...new Set(r.findings.map((f) => f.rule))] });
handle.on('change', (r) => logEvent('change', summary(r)));
handle.on('valid', (r) => logEvent('valid', summary(r)));
handle.on('invalid', (r) => logEvent('invalid', summary(r)));

// The signature button sets hidden inputs: no input event, so ask for a check.
$('#btnSign').addEventListener('click', () => {
  const gh = $('#ysgh').value.trim();
  if (!gh) { $('#qmText').textContent = '请先填写工号'; return; }
  $('#qmid').value = `SIG-${gh}`;
  $('#qmsj').value = localMinute();
  $('#qmText').textContent = `已签名 ${$('#qmsj').value.replace('T', ' ')}`;
  handle.check();
});
$('#btnNew').addEventListener('click', () => { freshForm(); handle.check(); });
$('#btnSave').addEventListener('click', () => {
  const r = handle.report();
  const errors = r && !r.error ? r.findings.filter((f) => f.severity === 'error').length : 1;
  $('#saveMsg').textContent = errors ? `处方有 ${errors} 项错误，请修改后再保存` : '处方合格，已保存';
});

// ------------------------------------------------------------------ way 2: <opd-check> fed a document

const SAMPLES = {
  exam: {
    kind: 'exam_request',
    id: '',
    visit_id: 'MZ-V-DEMO-0001',
    category: 'imaging',
    items: ['胸部CT平扫'],
    body_site: '胸部',
    clinical_summary: '咳嗽、咳痰3天，双肺呼吸音粗，查胸部CT排除肺炎。',
    diagnoses: ['急性支气管炎'],
    priority: 'routine',
    visit_type: 'initial',
    patient_condition: 'stable',
    contrast: false,
    requested_at: '2026-11-22T09:35',
    department: '呼吸内科',
    patient: { name: '张伟', sex: 'male', age: { value: 45, unit: 'year' }, record_no: 'MZ20261122001' },
    physician: { id: 'D0012', name: '李明', title: 'attending', signed_at: '2026-11-22T09:35', signature_id: 'SIG-D0012' },
  },
  infectious: {
    kind: 'infectious_report',
    id: '',
    visit_id: 'MZ-V-DEMO-0002',
    report_type: 'initial',
    disease: '病毒性肝炎',
    disease_subtype: '乙型',
    case_class: 'confirmed',
    patient: {
      name: '王芳', sex: 'female', birth_date: '1988-03-15', age: { value: 38, unit: 'year' },
      id_number: '110101198803150022', employer: '示范市百货公司', phone: '13900000000',
      residence_scope: '本县区', current_address: '示范市西城区长安街8号', population_group: '商业服务',
    },
    onset_date: '2026-11-10',
    diagnosed_at: '2026-11-22T10:00',
    reported_at: '2026-11-22T15:30',
    reporting_physician: { id: 'D0031', name: '赵强', signed_at: '2026-11-22T15:30', signature_id: 'SIG-D0031' },
    reporting_unit: '示范市第一人民医院',
    filled_at: '2026-11-22',
  },
};
const KIND_OF = { exam: 'exam_request', infectious: 'infectious_report' };

const docPanel = $('#docPanel');
window.opdElementEvents = [];
// The element's event bubbles and crosses shadow roots: listen anywhere up the tree.
document.addEventListener('opdcheck-change', (e) => {
  if (e.target !== docPanel) return;
  const r = e.detail.report;
  window.opdElementEvents.push(r.error ? { error: r.error.path } : { kind: r.document.kind, id: r.document.id, qualified: r.score.qualified });
});

function showSample() {
  const key = $('#docSample').value;
  // Each sample shown is a new document: a new id, never one another workstation pushed.
  $('#docJson').value = JSON.stringify({ ...SAMPLES[key], id: newUuid() }, null, 2);
  docPanel.kind = KIND_OF[key];
  docPanel.document = $('#docJson').value;
}
$('#docSample').addEventListener('change', showSample);
// JSON text is accepted as it is: a syntax error is shown with its line and column.
$('#docJson').addEventListener('input', () => { docPanel.document = $('#docJson').value; });
showSample();

// ------------------------------------------------------------------ language switch

document.querySelectorAll('input[name=qclang]').forEach((r) => r.addEventListener('change', () => {
  const lang = document.querySelector('input[name=qclang]:checked').value;
  handle.setLang(lang);
  $('#rxPanel').lang = lang;
  docPanel.lang = lang;
}));

// ------------------------------------------------------------------ sync (optional)

$('#apiUrl').value = location.origin;
const KINDS = { prescription: '处方', exam_request: '检查申请单', infectious_report: '传染病报告卡' };

const STATUS = { created: '已接收', unchanged: '重复提交，未变更', conflict: '版本冲突', invalid: '数据无效', forbidden: '无权限', error: '失败' };

function syncRow(kind, r) {
  const tr = document.createElement('tr');
  const status = r.status || 'error';
  const label = STATUS[status] ? `${STATUS[status]}（${status}）` : status;
  const verdict = r.report ? (r.report.score.qualified ? '合格' : `不合格（扣 ${r.report.score.deduction} 分）`) : (r.error ? r.error.message : '');
  for (const [text, cls] of [[KINDS[kind] || kind, ''], [r.id || '', ''], [String(r.version ?? ''), ''], [label, `st-${status}`], [verdict, '']]) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.append(td);
  }
  tr.dataset.id = r.id || '';
  tr.dataset.status = status;
  return tr;
}

const pushedOther = new Map();
$('#btnSync').addEventListener('click', async () => {
  const opts = { url: $('#apiUrl').value.trim(), key: $('#apiKey').value.trim() };
  const rows = $('#syncRows');
  rows.replaceChildren(syncRow('', { status: '提交中…' }));
  // The prescription through its handle (a changed body gets the next version) …
  const rx = await handle.sync(opts);
  // … and the other document through the sync() helper.
  const other = docPanel.report && !docPanel.report.error ? JSON.parse($('#docJson').value) : null;
  let more = null;
  if (other) {
    // A changed body is a new version (the same id + version with another body is a conflict).
    const body = JSON.stringify(other);
    const last = pushedOther.get(other.id);
    const version = !last ? 1 : last.body === body ? last.version : last.version + 1;
    more = await sync([{ id: other.id, version, document: other }], opts);
    const r0 = more.results[0];
    if (r0 && (r0.status === 'created' || r0.status === 'unchanged')) pushedOther.set(other.id, { version, body });
  }
  rows.replaceChildren();
  for (const [kind, res] of [['prescription', rx], [other && other.kind, more]]) {
    if (!res) continue;
    if (res.results.length) for (const r of res.results) rows.append(syncRow(kind, r));
    else rows.append(syncRow(kind, { status: 'error', error: res.error }));
  }
  window.opdSyncResults = { prescription: rx, other: more };
});

window.portal = { handle, rxPanel: $('#rxPanel'), docPanel };
document.body.dataset.ready = '1';
