// opdcheck widget: reading values as people write them in a portal's inputs — "52岁", "3个月",
// "4", "７", "2026/12/02 09:30", "2026年12月2日" — into the interchange format's values. Each
// reader answers `{value}` (and `unit` when the text named one) or `{error: {zh, en}}`, which
// the widget shows at that input. Part of the widget's modules.

const YES = /^(true|1|yes|y|on|是|有|√)$/i;
const NO = /^(false|0|no|n|off|否|无|×)$/i;

const fail = (zh, en) => ({ error: { zh, en } });

/** Full-width digits and signs (`１２．５`) as ASCII; thousands commas and spaces dropped. */
export function halfWidth(s) {
  return String(s)
    .replace(/[０-９．－＋：／]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/(\d)[,，](?=\d{3}\b)/g, '$1')
    .trim();
}

const NUM = '([+-]?\\d+(?:\\.\\d+)?)';

/** Units a number field may carry after its figure ("7天"); the quantity fields take any. */
const UNITS = {
  days: /^(天|日|d|days?)$/i,
  weight_kg: /^(kg|公斤|千克)$/i,
  doses: /^(剂|付|帖)$/,
};

/** A number, optionally followed by a unit: `{value, unit?}` or an error. */
export function readNumber(text, field) {
  const s = halfWidth(text).replace(/\s+/g, '');
  const m = new RegExp(`^${NUM}(.*)$`).exec(s);
  const unit = m && m[2];
  const ok = m && (!unit || (field === 'value' ? /^[a-zA-Zμµ\u4e00-\u9fff%/·]+$/.test(unit) : UNITS[field] && UNITS[field].test(unit)));
  if (!ok) {
    return fail(`无法识别的数字“${text}”：请只填数字，如 4 或 0.5`, `“${text}” is not a number: write a figure such as 4 or 0.5`);
  }
  const value = Number(m[1]);
  return field === 'value' && unit ? { value, unit } : { value };
}

const AGE_UNITS = [
  [/^(岁|周岁|年|y|years?)$/i, 'year', 1],
  [/^(个月|月|m|months?)$/i, 'month', 1],
  [/^(天|日|d|days?)$/i, 'day', 1],
  [/^(周|星期|w|weeks?)$/i, 'day', 7],
];

/** An age: "52", "52岁", "3个月", "15天", "2周", "1岁3个月" → `{value, unit}`. */
export function readAge(text) {
  const s = halfWidth(text).replace(/\s+/g, '');
  const both = /^(\d+)(?:岁|周岁)(\d+)(?:个月|月)$/.exec(s);
  if (both) return { value: Number(both[1]) * 12 + Number(both[2]), unit: 'month' };
  const m = new RegExp(`^${NUM}(.*)$`).exec(s);
  if (m) {
    if (!m[2]) return { value: Number(m[1]) };
    const u = AGE_UNITS.find(([re]) => re.test(m[2]));
    if (u) return { value: Number(m[1]) * u[2], unit: u[1] };
  }
  return fail(`无法识别的年龄“${text}”：请写成 52、52岁、3个月 或 15天`, `cannot read the age “${text}”: write 52, 52岁, 3个月 or 15天`);
}

const pad = (n) => String(n).padStart(2, '0');

function inCalendar(y, mo, d) {
  const day = new Date(Date.UTC(y, mo - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d;
}

/**
 * A date or date-time as people write it: "2026-12-02 09:30", "2026/12/02 9:30",
 * "2026.12.2", "2026年12月2日 9时30分", "20261202" → `2026-12-02` or `2026-12-02T09:30`
 * (the format's shape). A date that is not in the calendar is an error.
 */
export function readDateTime(text) {
  const s = halfWidth(text).replace(/\s+/g, ' ');
  // Already the format's own shape (an offset, seconds and all): passed on as written.
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(s) && inCalendar(...s.slice(0, 10).split('-').map(Number))) return { value: s };
  const m = /^(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?|(\d{2})(\d{2}))(?:(?:\s*|T)(\d{1,2})[:时點点](\d{1,2})?(?:分)?(?::(\d{1,2})(?:\.\d+)?)?(?:秒)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  const bad = fail(`无法识别的日期时间“${text}”：请写成 2026-12-02 09:30 或 2026年12月2日`, `cannot read the date “${text}”: write 2026-12-02 09:30`);
  if (!m) return bad;
  const [y, mo, d] = [Number(m[1]), Number(m[2] || m[4]), Number(m[3] || m[5])];
  if (!inCalendar(y, mo, d)) return bad;
  let out = `${y}-${pad(mo)}-${pad(d)}`;
  if (m[6] !== undefined) {
    const [h, mi, sec] = [Number(m[6]), Number(m[7] || 0), m[8]];
    if (h > 23 || mi > 59 || (sec !== undefined && Number(sec) > 59)) return bad;
    out += `T${pad(h)}:${pad(mi)}${sec !== undefined ? `:${pad(sec)}` : ''}`;
  }
  return { value: out };
}

/** What a doctor calls an enumerated field, by its key. */
const LABELS = {
  sex: '性别', unit: '年龄单位', title: '职称', prescription_type: '处方类别', visit_type: '就诊类型',
  category: '检查类别', priority: '紧急程度', patient_condition: '病情', report_type: '报告类别',
  case_class: '病例分类', acute_or_chronic: '急慢性分类', infectious_report_status: '传染病报告状态', topic: '知情同意类别',
};

/**
 * One of an enumeration's words (the schema's, with its Chinese aliases). `field` names it in
 * the message; `shown` is what the doctor sees (a `<select>`'s option text, not its code).
 */
export function readEnum(text, allowed, field, shown) {
  const s = String(text).trim();
  if (allowed.includes(s)) return { value: s };
  const lower = allowed.find((a) => a.toLowerCase() === s.toLowerCase());
  if (lower) return { value: lower };
  const zh = allowed.filter((a) => /[\u4e00-\u9fff]/.test(a));
  const words = (zh.length ? zh : allowed).join('、');
  const what = LABELS[field] || '取值';
  const seen = shown || s;
  return fail(`无法识别的${what}“${seen}”：应为 ${words} 之一`,
    `cannot read “${seen}”: expected one of ${allowed.join(', ')} (a HIS code? map it with the field's codes)`);
}

export function readBoolean(text) {
  if (YES.test(text)) return { value: true };
  if (NO.test(text)) return { value: false };
  return fail(`无法识别“${text}”：应为 是 或 否`, `cannot read “${text}”: expected yes or no`);
}

export function readList(text) {
  const list = String(text).split(/[,，、;；\n]+/).map((x) => x.trim()).filter(Boolean);
  return { value: list.length ? list : undefined };
}

/**
 * Read `text` as `type` ('number', 'boolean', 'list', 'age', 'datetime', an enum's values, or
 * 'string'); `field` is the path's last key (which units a number may carry, what to call it);
 * `shown`: the text the doctor sees, when it is not `text` (a `<select>`'s option).
 */
export function readAs(text, type, field, shown) {
  if (Array.isArray(type)) return readEnum(text, type, field, shown);
  switch (type) {
    case 'number': return readNumber(text, field);
    case 'boolean': return readBoolean(text);
    case 'list': return readList(text);
    case 'age': return readAge(text);
    case 'datetime': return readDateTime(text);
    default: return { value: text };
  }
}
