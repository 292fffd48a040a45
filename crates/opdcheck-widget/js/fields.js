// opdcheck widget: the field map of `attach()` and reading the portal's inputs into a document
// (`collect`), and where a finding is shown (`placeIn`). Part of the widget's modules.

import { ROW, clone, getIn, parentPath, parsePath, pathString, setIn } from './paths.js';
import { readAs } from './read.js';
import { shapeOf } from './shape.js';

function typeOf(el, spec, shape) {
  if (spec.type) return spec.type;
  if (el.type === 'number' || el.type === 'range') return 'number';
  if (el.type === 'checkbox') return 'boolean';
  return shape || 'string';
}

/** An element's raw value: `{value}` when it is final, else `{text}` to parse and coerce. */
function rawValue(el, type) {
  if (el.type === 'checkbox') {
    return type === 'boolean' ? { value: el.checked } : { text: el.checked ? el.value : '' };
  }
  if (el.tagName === 'SELECT' && el.multiple) {
    const vals = Array.from(el.selectedOptions, (o) => o.value.trim()).filter(Boolean);
    return { value: vals.length ? vals : undefined };
  }
  return { text: 'value' in el && el.tagName !== 'LI' && el.tagName !== 'BUTTON' ? el.value : el.textContent };
}

const own = (o, k) => o && Object.prototype.hasOwnProperty.call(o, k);

/**
 * The value of the matched element(s) for one field at `path` (concrete, `items[1].days`):
 * `{value}` (undefined when empty), with `unit` when the text named one ("52岁", "0.5g"), or
 * `{error: {zh, en}}` when it cannot be read. By the mapping's `parse`, else its `codes`, else
 * its `type`, else the type the format gives that path (shape.js), else the element's.
 */
function readValue(els, spec, kind, path) {
  let el = els[0];
  if (el.type === 'radio') {
    el = els.find((e) => e.checked);
    if (!el) return { value: undefined };
  }
  const key = String(path).replace(/\[\d*\]$/, '').split('.').pop();
  let shape = shapeOf(kind, path);
  if (/(^|\.)age\.value$/.test(path.replace(/\[\d*\]/g, ''))) shape = 'age';
  const type = typeOf(el, spec, shape);
  const got = rawValue(el, type);
  if (!('text' in got)) return { value: got.value };
  const s = String(got.text == null ? '' : got.text).trim();
  if (spec.parse) {
    try { return { value: spec.parse(s, el) }; } catch (e) { console.error('opdcheck: parse', spec.path, e); return { value: s || undefined }; }
  }
  if (s === '') return { value: undefined };
  const codes = spec.codes || spec.values;
  if (own(codes, s)) {
    const c = codes[s];
    if (typeof c !== 'string') return { value: c };
    return readAs(c, type, key);
  }
  const shown = el.tagName === 'SELECT' && el.selectedOptions[0] ? el.selectedOptions[0].text.trim() : undefined;
  const r = readAs(s, type, key, shown);
  // A bare number in a whole-age field is years; an age value keeps the unit field's unit.
  if (type === 'age' && key === 'age' && r.value !== undefined) return { value: { value: r.value, unit: r.unit || 'year' } };
  return r;
}

/** Put a read value into the document (its unit beside it, unless a unit was given already). */
function put(out, segs, spec, path, el, r) {
  if (r.error) { out.problems.push({ path, el, message: r.error }); return true; }
  if (r.value === undefined) return false;
  setIn(out.doc, segs, r.value);
  if (r.unit && segs[segs.length - 1] === 'value') {
    const unitSegs = [...segs.slice(0, -1), 'unit'];
    if (getIn(out.doc, unitSegs) === undefined) setIn(out.doc, unitSegs, r.unit);
  }
  return true;
}

/** `fields` of attach() → `{specs, rowSel}`; throws TypeError for a bad path. */
export function normaliseFields(fields) {
  const specs = [];
  const rowSel = new Map(); // "items" → row container selector
  const entries = Object.entries(fields || {});
  for (const [path, v] of entries) {
    const spec = typeof v === 'string' ? { selector: v } : { ...(v || {}) };
    spec.path = path;
    spec.segs = parsePath(path);
    const r = spec.segs.indexOf(ROW);
    if (r === spec.segs.length - 1 && entries.some(([p]) => p.startsWith(`${path}.`))) {
      rowSel.set(pathString(spec.segs.slice(0, r)), spec.selector);
      continue;
    }
    spec.row = r < 0 ? null : { prefix: spec.segs.slice(0, r), rest: spec.segs.slice(r + 1) };
    if (!spec.selector && !('value' in spec)) throw new TypeError(`opdcheck.attach: "${path}" needs a selector or a value`);
    specs.push(spec);
  }
  return { specs, rowSel };
}

/** Throw TypeError for a selector the form cannot query. */
export function checkSelectors(form, fields) {
  for (const s of [...fields.specs.map((x) => x.selector), ...fields.rowSel.values()]) {
    if (!s) continue;
    try { form.querySelectorAll(s); } catch (e) { throw new TypeError(`opdcheck.attach: bad selector ${JSON.stringify(s)}: ${e.message}`); }
  }
}

function queryAll(root, selector) {
  return Array.from(root.querySelectorAll(selector));
}

/** A field outside any list: a constant, or the value of its first match. */
function readScalar(form, spec, out) {
  if (!spec.selector) { setIn(out.doc, spec.segs, clone(spec.value)); return; }
  const els = queryAll(form, spec.selector);
  if (!els.length) return;
  out.at.set(spec.path, els[0]);
  put(out, spec.segs, spec, spec.path, els[0], readValue(els, spec, out.kind, spec.path));
}

/** A field of a list's rows (`items[].drug`): one value per row container or per match. */
function readRows(form, spec, g, fields, out) {
  const { prefix, rest } = spec.row;
  if (rest.length) g.scalar = false;
  if (!spec.selector) { g.consts.push(spec); return; }
  const container = fields.rowSel.get(pathString(prefix));
  const perRow = container
    ? queryAll(form, container).map((row) => (row.matches(spec.selector) ? [row] : queryAll(row, spec.selector)))
    : queryAll(form, spec.selector).map((el) => [el]);
  perRow.forEach((els, n) => {
    if (!els.length) return;
    const segs = [...prefix, n, ...rest];
    const path = pathString(segs);
    out.at.set(path, els[0]);
    if (put(out, segs, spec, path, els[0], readValue(els, spec, out.kind, path))) g.filled.add(n);
  });
}

/** A list once its rows are read: trailing empty rows dropped, an empty list left out. */
function finishList(doc, g) {
  let last = -1;
  for (const n of g.filled) last = Math.max(last, n);
  if (last < 0) {
    // No row filled: leave an empty list out, so the "missing" rules fire.
    const arr = getIn(doc, g.prefix);
    const parent = getIn(doc, g.prefix.slice(0, -1));
    if (Array.isArray(arr) && !arr.length && parent && typeof parent === 'object') delete parent[g.prefix[g.prefix.length - 1]];
    return;
  }
  const arr = getIn(doc, g.prefix);
  arr.length = last + 1; // trailing empty rows are dropped
  for (let n = 0; n < arr.length; n++) {
    if (arr[n] === undefined || arr[n] === null) arr[n] = g.scalar ? '' : {};
    for (const c of g.consts) setIn(doc, [...g.prefix, n, ...c.row.rest], clone(c.value));
  }
}

/**
 * Build the document from the form: `{doc, at, problems}`, `at` mapping concrete paths to
 * elements, `problems` the values that could not be read (`{path, el, message}`), left out.
 */
export function collect(form, opts, fields) {
  const doc = clone(typeof opts.values === 'function' ? opts.values() : opts.values) || {};
  if (doc.kind === undefined && opts.kind) doc.kind = opts.kind;
  const out = { doc, at: new Map(), problems: [], kind: doc.kind };
  const groups = new Map(); // prefix string → {prefix, scalar, filled: Set, consts: []}
  const group = (prefix) => {
    const k = pathString(prefix);
    if (!groups.has(k)) groups.set(k, { prefix, scalar: true, filled: new Set(), consts: [] });
    return groups.get(k);
  };
  for (const spec of fields.specs) {
    if (spec.row) readRows(form, spec, group(spec.row.prefix), fields, out);
    else readScalar(form, spec, out);
  }
  for (const g of groups.values()) finishList(doc, g);
  return out;
}

/** The element a finding belongs to: exact path, else nearest ancestor, else a descendant. */
export function placeIn(at, path) {
  if (!path) return null;
  if (at.has(path)) return at.get(path);
  for (let p = parentPath(path); p; p = parentPath(p)) if (at.has(p)) return at.get(p);
  for (const [k, el] of at) {
    if (!k.startsWith(path)) continue;
    const rest = k.slice(path.length);
    if (rest[0] === '.' || /^\[\d+\]$/.test(rest)) return el;
  }
  return null;
}
