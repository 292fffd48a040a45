// opdcheck widget: the ES module a portal imports (`import {init, attach} from '…/opdcheck.js'`).
//
// A thin wrapper over the wasm-bindgen build of the engine (`opdcheck_widget.js` next to this
// file): loading, the document/report functions, `attach()` (live checks of the portal's own
// form), the `<opd-check>` custom element (findings panel in shadow DOM) and `sync()` (push to
// the opdcheck API with an integrator key). Plain ES2020, no dependencies; guide:
// docs/embedding.md. Nothing here throws into the host page because of what a user typed.

import initWasm, * as raw from './opdcheck_widget.js';

// ---------------------------------------------------------------------------------------------
// Loading and the engine functions
// ---------------------------------------------------------------------------------------------

let loading = null;
let ready = false;

// The module is fetched and compiled as soon as this file is imported, while the page goes on
// loading, so `init()` mostly finds it ready. (A page that imports the widget means to use it;
// `init({wasm})` with its own location still works, the early copy is then dropped.)
const WASM_URL = new URL('opdcheck_widget_bg.wasm', import.meta.url);
let early = null;
if (typeof WebAssembly === 'object' && typeof WebAssembly.compileStreaming === 'function' && typeof fetch === 'function') {
  early = WebAssembly.compileStreaming(fetch(WASM_URL)).catch(() => null);
}
/** Attached handles and connected elements: re-checked when the policy changes. */
const live = new Set();

/**
 * Load the engine (`opdcheck_widget_bg.wasm` next to this module, or `options.wasm`) once;
 * every later call returns the same load. `options.policy` then sets a policy override.
 */
export function init(options = {}) {
  if (!loading) {
    // The early compile when it worked; otherwise a plain load (a server that does not send
    // application/wasm, an old browser), which also reports the error if there is one.
    const wasm = options.wasm
      ? Promise.resolve(options.wasm)
      : Promise.resolve(early).then((m) => m || WASM_URL);
    loading = wasm.then((w) => initWasm({ module_or_path: w })).then(
      () => { ready = true; },
      (e) => { loading = null; throw e; },
    );
  }
  let p = loading;
  if (options.policy !== undefined) p = p.then(() => { setPolicy(options.policy); });
  return p.then(() => ({ version: raw.version(), ruleset: raw.ruleset() }));
}

/** True once `init()` has loaded the engine. */
export function isReady() {
  return ready;
}

/** The error a `validate*` call answers instead of throwing. */
function errorResult(e) {
  if (e && typeof e === 'object' && e.error && typeof e.error === 'object') return e;
  const message = String((e && e.message) || e);
  return { error: { path: '', message, located: message } };
}

const NOT_READY = 'opdcheck: the engine is not loaded: await init() first';

function need(name) {
  if (!ready) throw new Error(`${NOT_READY} (${name})`);
}

/** A document (object or JSON text) → its report, or `{error}` for malformed input. */
export function validate(doc) {
  if (!ready) return errorResult(NOT_READY);
  try { return raw.validate(doc); } catch (e) { return errorResult(e); }
}

/** A visit (object or JSON text; `kind: "visit"` assumed) → the visit report, or `{error}`. */
export function validateVisit(visit) {
  if (!ready) return errorResult(NOT_READY);
  try { return raw.validateVisit(visit); } catch (e) { return errorResult(e); }
}

export function version() { need('version'); return raw.version(); }
export function ruleset() { need('ruleset'); return raw.ruleset(); }
export function rules() { need('rules'); return raw.rules(); }
export function policy() { need('policy'); return raw.policy(); }

/** A bad policy override, as `{error: {path, message, located}}` on an Error. */
export class OpdcheckError extends Error {
  constructor(error) {
    super((error && (error.located || error.message)) || 'opdcheck error');
    this.name = 'OpdcheckError';
    this.error = error;
  }
}

/**
 * Merge `override` over the default policy (`null` resets); returns the new ruleset. Every
 * attached form and `<opd-check>` element is re-checked. Throws `OpdcheckError` for a bad
 * override, leaving the policy as it was.
 */
export function setPolicy(override) {
  need('setPolicy');
  let stamp;
  try {
    stamp = raw.setPolicy(override === undefined ? null : override);
  } catch (e) {
    throw new OpdcheckError(errorResult(e).error);
  }
  for (const x of live) x.check();
  return stamp;
}

// ---------------------------------------------------------------------------------------------
// Sync
// ---------------------------------------------------------------------------------------------

const BATCH = 500;

function endpointOf(url) {
  let base = String(url || '').replace(/\/+$/, '');
  if (!/\/api\/v1$/.test(base)) base += '/api/v1';
  return `${base}/records`;
}

function toRecord(x) {
  if (x && typeof x === 'object' && x.document && typeof x.document === 'object') {
    return { id: x.id ?? x.document.id, version: x.version ?? 1, document: x.document };
  }
  return { id: x && x.id, version: 1, document: x };
}

/**
 * Push documents (or `{id, version, document}` records) to `POST {url}/api/v1/records` with
 * the integrator key. Resolves, never rejects: `{ok, status, results, error?}`.
 */
export async function sync(records, options = {}) {
  const list = (Array.isArray(records) ? records : [records]).map(toRecord);
  const key = options.key ?? options.apiKey;
  const doFetch = options.fetch || globalThis.fetch;
  const out = { ok: true, status: 200, results: [] };
  for (let i = 0; i < list.length; i += BATCH) {
    const headers = { 'Content-Type': 'application/json', ...(options.headers || {}) };
    if (key) headers['X-Api-Key'] = key;
    let res;
    let body = null;
    try {
      res = await doFetch(endpointOf(options.url), {
        method: 'POST',
        headers,
        body: JSON.stringify({ records: list.slice(i, i + BATCH) }),
        credentials: 'omit',
        signal: options.signal,
      });
      body = await res.json().catch(() => null);
    } catch (e) {
      return { ...out, ok: false, status: 0, error: { code: 'network', message: String((e && e.message) || e) } };
    }
    if (body && Array.isArray(body.results)) out.results.push(...body.results);
    if (!res.ok) {
      out.ok = false;
      out.status = res.status;
      if (body && body.error) out.error = body.error;
      if (!(body && Array.isArray(body.results))) {
        if (!out.error) out.error = { code: 'http', message: `HTTP ${res.status}` };
        return out;
      }
    }
  }
  out.ok = out.ok && out.results.every((r) => r.status === 'created' || r.status === 'unchanged');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Paths: "items[].dose.value" → ["items", ROW, "dose", "value"]
// ---------------------------------------------------------------------------------------------

const ROW = '[]';

function parsePath(path) {
  const segs = [];
  for (const part of String(path).split('.')) {
    const m = /^([^[\]]+)((?:\[\d*\])*)$/.exec(part);
    if (!m) throw new TypeError(`opdcheck.attach: bad field path "${path}"`);
    segs.push(m[1]);
    for (const idx of m[2].match(/\[\d*\]/g) || []) segs.push(idx === '[]' ? ROW : Number(idx.slice(1, -1)));
  }
  if (segs.filter((s) => s === ROW).length > 1) {
    throw new TypeError(`opdcheck.attach: "${path}": one [] per path`);
  }
  return segs;
}

function pathString(segs) {
  let s = '';
  for (const x of segs) s += typeof x === 'number' ? `[${x}]` : (s ? '.' : '') + x;
  return s;
}

/** `items[1].dose` → `items[1]` → `items` → `` */
function parentPath(p) {
  return p.replace(/(\.[^.[\]]+|\[\d+\]|^[^.[\]]+)$/, '');
}

function setIn(obj, segs, value) {
  let o = obj;
  for (let i = 0; i < segs.length - 1; i++) {
    const k = segs[i];
    if (o[k] === null || typeof o[k] !== 'object') o[k] = typeof segs[i + 1] === 'number' ? [] : {};
    o = o[k];
  }
  o[segs[segs.length - 1]] = value;
}

function getIn(obj, segs) {
  let o = obj;
  for (const k of segs) {
    if (o === null || typeof o !== 'object') return undefined;
    o = o[k];
  }
  return o;
}

const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

// ---------------------------------------------------------------------------------------------
// Reading the portal's inputs
// ---------------------------------------------------------------------------------------------

const YES = /^(true|1|yes|y|on|是|有|√)$/i;
const NO = /^(false|0|no|n|off|否|无|×)$/i;

function coerce(s, type) {
  switch (type) {
    case 'number': {
      const n = Number(s.replace(/[,，\s]/g, ''));
      return Number.isFinite(n) ? n : s; // the engine answers a located type error
    }
    case 'boolean':
      return YES.test(s) ? true : NO.test(s) ? false : s;
    case 'list': {
      const list = s.split(/[,，、;；\n]+/).map((x) => x.trim()).filter(Boolean);
      return list.length ? list : undefined;
    }
    default:
      return s;
  }
}

/** The value of the matched element(s) for one field, or undefined when empty. */
function readValue(els, spec) {
  let el = els[0];
  if (el.type === 'radio') {
    el = els.find((e) => e.checked);
    if (!el) return undefined;
  }
  const type = spec.type || (el.type === 'number' || el.type === 'range' ? 'number'
    : el.type === 'checkbox' ? 'boolean' : 'string');
  let s;
  if (el.type === 'checkbox') {
    if (type === 'boolean') return el.checked;
    s = el.checked ? el.value : '';
  } else if (el.tagName === 'SELECT' && el.multiple) {
    const vals = Array.from(el.selectedOptions, (o) => o.value.trim()).filter(Boolean);
    return vals.length ? vals : undefined;
  } else {
    s = 'value' in el && el.tagName !== 'LI' && el.tagName !== 'BUTTON' ? el.value : el.textContent;
  }
  s = String(s == null ? '' : s).trim();
  if (spec.parse) {
    try { return spec.parse(s, el); } catch (e) { console.error('opdcheck: parse', spec.path, e); return s || undefined; }
  }
  return s === '' ? undefined : coerce(s, type);
}

function normaliseFields(fields) {
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

function queryAll(root, selector) {
  return Array.from(root.querySelectorAll(selector));
}

/** Build the document from the form: `{doc, at}`, `at` mapping concrete paths to elements. */
function collect(form, opts, fields) {
  const doc = clone(typeof opts.values === 'function' ? opts.values() : opts.values) || {};
  if (doc.kind === undefined && opts.kind) doc.kind = opts.kind;
  const at = new Map();
  const groups = new Map(); // prefix string → {prefix, rows, filled:Set, consts:[]}
  const group = (prefix) => {
    const k = pathString(prefix);
    if (!groups.has(k)) groups.set(k, { prefix, scalar: true, filled: new Set(), consts: [] });
    return groups.get(k);
  };
  for (const spec of fields.specs) {
    if (!spec.row) {
      if (!spec.selector) { setIn(doc, spec.segs, clone(spec.value)); continue; }
      const els = queryAll(form, spec.selector);
      if (!els.length) continue;
      at.set(spec.path, els[0]);
      const v = readValue(els, spec);
      if (v !== undefined) setIn(doc, spec.segs, v);
      continue;
    }
    const { prefix, rest } = spec.row;
    const g = group(prefix);
    if (rest.length) g.scalar = false;
    if (!spec.selector) { g.consts.push(spec); continue; }
    const container = fields.rowSel.get(pathString(prefix));
    const perRow = container
      ? queryAll(form, container).map((row) => (row.matches(spec.selector) ? [row] : queryAll(row, spec.selector)))
      : queryAll(form, spec.selector).map((el) => [el]);
    perRow.forEach((els, n) => {
      if (!els.length) return;
      const segs = [...prefix, n, ...rest];
      at.set(pathString(segs), els[0]);
      const v = readValue(els, spec);
      if (v !== undefined) { setIn(doc, segs, v); g.filled.add(n); }
    });
  }
  for (const g of groups.values()) {
    let last = -1;
    for (const n of g.filled) last = Math.max(last, n);
    if (last < 0) {
      // No row filled: leave an empty list out, so the "missing" rules fire.
      const arr = getIn(doc, g.prefix);
      const parent = getIn(doc, g.prefix.slice(0, -1));
      if (Array.isArray(arr) && !arr.length && parent && typeof parent === 'object') delete parent[g.prefix[g.prefix.length - 1]];
      continue;
    }
    const arr = getIn(doc, g.prefix);
    arr.length = last + 1; // trailing empty rows are dropped
    for (let n = 0; n < arr.length; n++) {
      if (arr[n] === undefined || arr[n] === null) arr[n] = g.scalar ? '' : {};
      for (const c of g.consts) setIn(doc, [...g.prefix, n, ...c.row.rest], clone(c.value));
    }
  }
  return { doc, at };
}

/** The element a finding belongs to: exact path, else nearest ancestor, else a descendant. */
function placeIn(at, path) {
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

// ---------------------------------------------------------------------------------------------
// Marks on the portal's inputs
// ---------------------------------------------------------------------------------------------

const RANK = { error: 3, warning: 2, info: 1 };
const worst = (a, b) => ((RANK[a] || 0) >= (RANK[b] || 0) ? a : b);
const text = (pair, lang) => (pair ? pair[lang] || pair.zh || pair.en || '' : '');

const PAGE_CSS = `
:where(.opd-msg){display:block;margin:2px 0 0;font:12px/1.4 var(--opd-font,inherit);color:var(--opd-error,#c62828);white-space:normal}
:where(.opd-msg.opd-warning){color:var(--opd-warning,#a15c00)}
:where(.opd-msg.opd-info){color:var(--opd-info,#1565c0)}
:where(.opd-msg .opd-line){display:block}
:where(.opd-msg .opd-code){font-weight:bold;margin-right:.35em}
:where(.opd-msg .opd-hint){display:block;color:var(--opd-muted,#666)}
:where(.opd-field-error){outline:2px solid var(--opd-error,#c62828);outline-offset:-1px}
:where(.opd-field-warning){outline:2px solid var(--opd-warning,#a15c00);outline-offset:-1px}
`;

function injectPageCss(doc) {
  if (!doc || doc.querySelector('style[data-opdcheck]')) return;
  const style = doc.createElement('style');
  style.setAttribute('data-opdcheck', '');
  style.textContent = PAGE_CSS;
  (doc.head || doc.documentElement).prepend(style);
}

const FIELD_CLASSES = ['opd-field-error', 'opd-field-warning', 'opd-field-info'];
let nextId = 0;

function inputErrorFinding(error) {
  return {
    rule: 'INPUT', item: '', severity: 'error', path: error.path || '',
    message: { zh: `格式有误：${error.message}`, en: `malformed: ${error.message}` },
    hint: { zh: '', en: '' }, clause: '', overridable: false,
  };
}

// ---------------------------------------------------------------------------------------------
// attach()
// ---------------------------------------------------------------------------------------------

const EVENTS = ['change', 'valid', 'invalid', 'sync'];

/**
 * Check an existing form live. Returns a handle: report(), document(), on(), check(), sync(),
 * focus(), placement(), setLang(), destroy().
 */
export function attach(form, options = {}) {
  if (!form || typeof form.querySelectorAll !== 'function') {
    throw new TypeError('opdcheck.attach: the first argument must be an element (the form)');
  }
  const fields = normaliseFields(options.fields);
  for (const s of [...fields.specs.map((x) => x.selector), ...fields.rowSel.values()]) {
    if (!s) continue;
    try { form.querySelectorAll(s); } catch (e) { throw new TypeError(`opdcheck.attach: bad selector ${JSON.stringify(s)}: ${e.message}`); }
  }
  const hid = ++nextId;
  const listeners = Object.fromEntries(EVENTS.map((e) => [e, new Set()]));
  let lang = options.lang === 'en' ? 'en' : 'zh';
  let report = null;
  let reportJson = '';
  let qualified;
  let doc = null;
  let at = new Map();
  let marks = new Map(); // element → {key, msg}
  const saved = new WeakMap(); // element → its own aria-invalid
  let frame = 0;
  let timer = 0;
  let destroyed = false;
  let pushed = null;
  let panel = null;
  if (options.styles !== false) injectPageCss(form.ownerDocument);

  const emit = (ev, ...args) => {
    for (const cb of [...listeners[ev]]) {
      try { cb(...args); } catch (e) { console.error(`opdcheck: a "${ev}" listener threw`, e); }
    }
  };

  function unmark(el) {
    const m = marks.get(el);
    if (!m) return;
    m.msg.remove();
    const own = saved.get(el);
    if (own == null) el.removeAttribute('aria-invalid'); else el.setAttribute('aria-invalid', own);
    const tokens = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter((t) => t && t !== m.msg.id);
    if (tokens.length) el.setAttribute('aria-describedby', tokens.join(' ')); else el.removeAttribute('aria-describedby');
    el.classList.remove(...FIELD_CLASSES);
    el.removeAttribute('data-opd-rules');
    marks.delete(el);
  }

  function mark(el, severity, list) {
    const key = `${lang}|${severity}|${JSON.stringify(list.map((f) => [f.rule, f.path, f.message, f.hint]))}`;
    let m = marks.get(el);
    if (m && m.key === key && m.msg.isConnected) return;
    const d = el.ownerDocument;
    if (!m) {
      const msg = d.createElement('span');
      msg.id = `opd-msg-${hid}-${++nextId}`;
      if (!saved.has(el)) saved.set(el, el.getAttribute('aria-invalid'));
      m = { key: '', msg };
      marks.set(el, m);
    }
    m.key = key;
    const { msg } = m;
    msg.className = `opd-msg opd-${severity}`;
    msg.setAttribute('data-rules', [...new Set(list.map((f) => f.rule))].join(' '));
    msg.replaceChildren(...list.map((f) => {
      const line = d.createElement('span');
      line.className = `opd-line opd-${f.severity}`;
      line.setAttribute('data-rule', f.rule);
      const code = d.createElement('span');
      code.className = 'opd-code';
      code.textContent = f.rule;
      line.append(code, text(f.message, lang));
      const hint = text(f.hint, lang);
      if (hint) {
        const h = d.createElement('span');
        h.className = 'opd-hint';
        h.textContent = hint;
        line.append(h);
      }
      return line;
    }));
    // After the input, or after the <label> wrapping it (a click on the message must not toggle it).
    const anchor = el.parentElement && el.parentElement.tagName === 'LABEL' ? el.parentElement : el;
    if (msg.previousElementSibling !== anchor) anchor.insertAdjacentElement('afterend', msg);
    if (severity === 'info') {
      const own = saved.get(el);
      if (own == null) el.removeAttribute('aria-invalid'); else el.setAttribute('aria-invalid', own);
    } else {
      el.setAttribute('aria-invalid', 'true');
    }
    const tokens = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    if (!tokens.includes(msg.id)) el.setAttribute('aria-describedby', [...tokens, msg.id].join(' '));
    el.classList.remove(...FIELD_CLASSES);
    el.classList.add(`opd-field-${severity}`);
    el.setAttribute('data-opd-rules', msg.getAttribute('data-rules'));
  }

  function findingsOf(r) {
    if (!r) return [];
    if (r.error) return [inputErrorFinding(r.error)];
    return r.findings || [];
  }

  function render() {
    const want = new Map(); // element → {severity, list}
    for (const f of findingsOf(report)) {
      const el = placeIn(at, f.path);
      if (!el) continue;
      const w = want.get(el) || { severity: 'info', list: [] };
      w.severity = worst(f.severity, w.severity);
      w.list.push(f);
      want.set(el, w);
    }
    for (const el of [...marks.keys()]) if (!want.has(el) || !el.isConnected) unmark(el);
    for (const [el, w] of want) mark(el, w.severity, w.list);
  }

  function check() {
    if (destroyed) return report;
    cancel();
    if (!ready) return report;
    let built;
    try {
      built = collect(form, options, fields);
    } catch (e) {
      console.error('opdcheck: reading the form failed', e);
      return report;
    }
    doc = built.doc;
    at = built.at;
    const r = options.kind === 'visit' || doc.kind === 'visit' ? validateVisit(doc) : validate(doc);
    const json = JSON.stringify(r);
    const changed = json !== reportJson;
    report = r;
    reportJson = json;
    render();
    if (changed) {
      emit('change', r, handle);
      form.dispatchEvent(new CustomEvent('opdcheck-change', { bubbles: true, composed: true, detail: { report: r } }));
      const q = !!(r.score && r.score.qualified);
      if (q !== qualified) {
        qualified = q;
        emit(q ? 'valid' : 'invalid', r, handle);
      }
    }
    return r;
  }

  function cancel() {
    if (frame) cancelAnimationFrame(frame);
    if (timer) clearTimeout(timer);
    frame = 0;
    timer = 0;
  }

  function schedule() {
    if (destroyed || frame || timer) return;
    // One check per frame; the timer covers pages where frames do not run (hidden tabs).
    frame = requestAnimationFrame(() => check());
    timer = setTimeout(() => check(), 100);
  }

  const ours = (n) => n.nodeType === 1
    ? n.classList.contains('opd-msg') || !!(n.parentElement && n.parentElement.closest('.opd-msg'))
    : !!(n.parentElement && n.parentElement.closest('.opd-msg'));
  const observer = new MutationObserver((records) => {
    const relevant = records.some((rec) => !ours(rec.target)
      && [...rec.addedNodes, ...rec.removedNodes].some((n) => !(n.nodeType === 1 && n.classList.contains('opd-msg'))));
    if (relevant) schedule();
  });
  const onReset = () => setTimeout(schedule, 0);
  form.addEventListener('input', schedule);
  form.addEventListener('change', schedule);
  form.addEventListener('reset', onReset);
  observer.observe(form, { childList: true, subtree: true });

  const handle = {
    get form() { return form; },
    get lang() { return lang; },
    report: () => report,
    document: () => clone(doc),
    check,
    on(ev, cb) {
      if (!listeners[ev] || typeof cb !== 'function') {
        console.warn(`opdcheck: unknown event "${ev}" (change, valid, invalid, sync)`);
        return () => {};
      }
      listeners[ev].add(cb);
      return () => listeners[ev].delete(cb);
    },
    placement(finding) {
      return placeIn(at, typeof finding === 'string' ? finding : finding && finding.path);
    },
    focus(finding) {
      const el = handle.placement(finding);
      if (!el) return false;
      if (el.scrollIntoView) el.scrollIntoView({ block: 'center' });
      el.focus({ preventScroll: true });
      return true;
    },
    setLang(l) {
      lang = l === 'en' ? 'en' : 'zh';
      render();
    },
    async sync(extra) {
      const o = { ...(options.sync || {}), ...(extra || {}) };
      check();
      if (!doc || !doc.id) {
        return { ok: false, status: 0, results: [], error: { code: 'no_id', message: 'the document has no id: map one in fields or give it in values' } };
      }
      if (o.requireQualified && !(report && report.score && report.score.qualified)) {
        return { ok: false, status: 0, results: [], error: { code: 'not_qualified', message: 'the document has error findings' } };
      }
      const document = clone(doc);
      const body = JSON.stringify(document);
      let v = typeof o.version === 'function' ? o.version(document) : (o.version || 1);
      if (pushed && pushed.id === document.id) v = pushed.body === body ? pushed.version : Math.max(v, pushed.version + 1);
      const res = await sync([{ id: document.id, version: v, document }], o);
      const r0 = res.results[0];
      if (r0 && (r0.status === 'created' || r0.status === 'unchanged')) pushed = { id: document.id, version: v, body };
      emit('sync', res, handle);
      return res;
    },
    destroy() {
      if (destroyed) return;
      cancel();
      destroyed = true;
      observer.disconnect();
      form.removeEventListener('input', schedule);
      form.removeEventListener('change', schedule);
      form.removeEventListener('reset', onReset);
      for (const el of [...marks.keys()]) unmark(el);
      live.delete(handle);
      if (panel && panel.handle === handle) panel.connect(null);
      for (const s of Object.values(listeners)) s.clear();
    },
  };

  live.add(handle);
  if (options.panel) {
    panel = typeof options.panel === 'string' ? form.ownerDocument.querySelector(options.panel) : options.panel;
    if (panel && typeof panel.connect === 'function') panel.connect(handle);
  }
  // The first check runs after this call returns, so listeners added right away get its events.
  if (ready) queueMicrotask(check);
  else init().then(() => check(), (e) => console.error('opdcheck: the engine failed to load', e));
  return handle;
}

// ---------------------------------------------------------------------------------------------
// <opd-check>
// ---------------------------------------------------------------------------------------------

const L = {
  zh: {
    waiting: '等待文书…', loading: '正在加载检查引擎…', failed: '检查引擎加载失败', ok: '合格', fail: '不合格',
    deduction: '扣分', error: '错误', warning: '警告', info: '提示', none: '未发现问题', hint: '建议',
    clause: '依据', malformed: '文书格式有误', unplaced: '（表单中无对应栏目）',
    kinds: { prescription: '处方', outpatient_record: '门诊病历', exam_request: '检查/检验申请单', infectious_report: '传染病报告卡', visit: '就诊' },
  },
  en: {
    waiting: 'Waiting for a document…', loading: 'Loading the checking engine…', failed: 'The checking engine failed to load',
    ok: 'Qualified', fail: 'Not qualified', deduction: 'Deduction', error: 'Errors', warning: 'Warnings', info: 'Notes',
    none: 'No findings', hint: 'Fix', clause: 'Clause', malformed: 'Malformed document', unplaced: '(no field for it on the form)',
    kinds: { prescription: 'Prescription', outpatient_record: 'Outpatient record', exam_request: 'Exam request', infectious_report: 'Infectious-disease report', visit: 'Visit' },
  },
};

const PANEL_CSS = `
:host{display:block;font:var(--opd-font-size,13px)/1.5 var(--opd-font,system-ui,"Microsoft YaHei","PingFang SC",sans-serif);color:var(--opd-color,#222)}
:host([hidden]){display:none}
.panel{background:var(--opd-bg,#fff);border:1px solid var(--opd-border,#c8ccd4);border-radius:var(--opd-radius,4px);padding:8px 10px}
header{display:flex;flex-wrap:wrap;gap:6px 10px;align-items:center}
.badge{padding:0 8px;border-radius:9px;color:#fff;font-weight:bold;background:var(--opd-error,#c62828)}
.badge.ok{background:var(--opd-ok,#2e7d32)}
.muted,.details{color:var(--opd-muted,#666)}
h3,h4{margin:8px 0 4px;font-size:1em}
h3.error{color:var(--opd-error,#c62828)}h3.warning{color:var(--opd-warning,#a15c00)}h3.info{color:var(--opd-info,#1565c0)}
ul{list-style:none;margin:0;padding:0}
li{margin:4px 0;padding:2px 0 2px 8px;border-left:3px solid var(--opd-info,#1565c0)}
li.error{border-color:var(--opd-error,#c62828)}li.warning{border-color:var(--opd-warning,#a15c00)}
button{all:unset;cursor:pointer;display:block}
button:focus-visible{outline:2px solid var(--opd-focus,#1565c0)}
button:hover .message{text-decoration:underline}
.code{font-weight:bold;margin-right:.4em;font-family:var(--opd-code-font,ui-monospace,monospace)}
.details{font-size:.92em}
.details>span{margin-right:.8em}
section.document{margin-top:8px;padding-top:4px;border-top:1px dashed var(--opd-border,#c8ccd4)}
`;

function h(doc, tag, attrs, ...children) {
  const el = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) el.setAttribute(k, v);
  el.append(...children.filter((c) => c != null && c !== ''));
  return el;
}

const Base = globalThis.HTMLElement || class {};

/** `<opd-check kind lang>`: a findings panel in shadow DOM. */
export class OpdCheckElement extends Base {
  static get observedAttributes() { return ['lang', 'kind']; }

  constructor() {
    super();
    this._doc = undefined;
    this._report = null;
    this._handle = null;
    this._unsub = null;
    this._items = [];
    this._state = 'waiting';
    const root = this.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = PANEL_CSS;
    this._panel = h(document, 'div', { part: 'panel', class: 'panel' });
    root.append(style, this._panel);
    root.addEventListener('click', (e) => this._onClick(e));
  }

  connectedCallback() {
    live.add(this);
    this._render();
  }

  disconnectedCallback() {
    live.delete(this);
  }

  attributeChangedCallback(name, old, value) {
    if (old === value) return;
    if (name === 'kind' && this._doc != null) this.check();
    else this._render();
  }

  get kind() { return this.getAttribute('kind') || ''; }
  set kind(v) { if (v == null) this.removeAttribute('kind'); else this.setAttribute('kind', v); }

  /** The document to check (object or JSON text); setting it validates and renders. */
  get document() { return this._doc; }
  set document(d) {
    this._doc = d;
    this.check();
  }

  /** The report shown; set one (e.g. the server's) to show it without checking. */
  get report() { return this._report; }
  set report(r) { this._show(r || null); }

  /** The attached-form handle this panel follows, if any. */
  get handle() { return this._handle; }

  /** Follow an attach() handle (null to stop): its reports are shown, clicks focus its inputs. */
  connect(handle) {
    if (this._unsub) this._unsub();
    this._unsub = null;
    this._handle = handle || null;
    if (!handle) return;
    this._unsub = handle.on('change', (r) => this._show(r));
    const r = handle.report();
    if (r) this._show(r);
  }

  /** Validate the document again (after the policy changed, or when following a handle). */
  check() {
    if (this._handle && this._doc == null) { this._handle.check(); return this._report; }
    const d = this._doc;
    if (d == null) { this._show(null); return null; }
    if (!ready) {
      this._state = 'loading';
      this._render();
      init().then(() => { if (this._doc === d) this.check(); }, () => { this._state = 'failed'; this._render(); });
      return null;
    }
    let input = d;
    const kind = this.kind;
    if (kind && typeof d === 'object' && d.kind === undefined) input = { ...d, kind };
    const isVisit = (typeof input === 'object' ? input.kind === 'visit' : false) || kind === 'visit';
    const r = isVisit ? validateVisit(input) : validate(input);
    this._show(r);
    return r;
  }

  _lang() {
    const holder = this.closest('[lang]');
    const l = (holder && holder.getAttribute('lang')) || 'zh';
    return l.toLowerCase().startsWith('en') ? 'en' : 'zh';
  }

  _show(r) {
    this._report = r;
    if (r) this._state = 'shown';
    this._render();
    if (r) this.dispatchEvent(new CustomEvent('opdcheck-change', { bubbles: true, composed: true, detail: { report: r } }));
  }

  _onClick(e) {
    const li = e.target.closest && e.target.closest('li[data-index]');
    if (!li || !e.target.closest('button')) return;
    const finding = this._items[Number(li.dataset.index)];
    const ev = new CustomEvent('opdcheck-select', { bubbles: true, composed: true, cancelable: true, detail: { finding, report: this._report } });
    if (this.dispatchEvent(ev) && this._handle && li.dataset.local === '1') this._handle.focus(finding);
  }

  _render() {
    const d = this.ownerDocument || document;
    const lang = this._lang();
    const t = L[lang];
    const r = this._report;
    const panel = this._panel;
    panel.setAttribute('lang', lang === 'en' ? 'en' : 'zh-CN');
    this._items = [];
    if (!r) {
      const msg = this._state === 'loading' ? t.loading : this._state === 'failed' ? t.failed : t.waiting;
      panel.replaceChildren(h(d, 'p', { part: 'placeholder', class: 'muted' }, msg));
      return;
    }
    if (r.error) {
      panel.replaceChildren(
        h(d, 'header', { part: 'header' }, h(d, 'span', { part: 'badge badge-fail', class: 'badge' }, t.malformed)),
        h(d, 'p', { part: 'input-error', 'data-path': r.error.path || '' }, r.error.located || r.error.message || ''),
      );
      return;
    }
    panel.replaceChildren(this._header(d, r, t, 'header'), ...this._groups(d, r.findings || [], t, lang, true));
    for (const sub of r.documents || []) {
      const title = `${t.kinds[sub.document && sub.document.kind] || (sub.document && sub.document.kind) || ''} ${(sub.document && sub.document.id) || ''}`;
      panel.append(h(d, 'section', { part: 'document', class: 'document' },
        h(d, 'h4', { part: 'document-title' }, title.trim()),
        this._header(d, sub, t, 'document-header'),
        ...this._groups(d, sub.findings || [], t, lang, false)));
    }
  }

  _header(d, r, t, part) {
    const s = r.score || {};
    const ok = !!s.qualified;
    const counts = { error: 0, warning: 0, info: 0 };
    for (const f of r.findings || []) counts[f.severity] = (counts[f.severity] || 0) + 1;
    const ded = Number(s.deduction || 0);
    return h(d, 'header', { part },
      h(d, 'span', { part: `badge ${ok ? 'badge-ok' : 'badge-fail'}`, class: `badge${ok ? ' ok' : ''}`, 'data-qualified': String(ok) }, ok ? t.ok : t.fail),
      h(d, 'span', { part: 'deduction' }, `${t.deduction} ${Number.isInteger(ded) ? ded.toFixed(1) : String(ded)}`),
      h(d, 'span', { part: 'counts', class: 'muted' }, `${t.error} ${counts.error} · ${t.warning} ${counts.warning} · ${t.info} ${counts.info}`),
      r.ruleset ? h(d, 'span', { part: 'ruleset', class: 'muted' }, r.ruleset) : null);
  }

  _groups(d, findings, t, lang, local) {
    if (!findings.length) return [h(d, 'p', { part: 'empty', class: 'muted' }, t.none)];
    const out = [];
    for (const sev of ['error', 'warning', 'info']) {
      const list = findings.filter((f) => f.severity === sev);
      if (!list.length) continue;
      const ul = h(d, 'ul', { part: 'list' });
      for (const f of list) {
        const index = this._items.push(f) - 1;
        const placed = local && this._handle ? !!this._handle.placement(f) : null;
        const hint = text(f.hint, lang);
        ul.append(h(d, 'li', {
          part: `finding finding-${sev}`, class: sev, 'data-index': String(index), 'data-rule': f.rule,
          'data-path': f.path, 'data-severity': sev, 'data-local': local ? '1' : '0',
          'data-placed': placed == null ? null : String(placed),
        },
        h(d, 'button', { type: 'button', part: 'locate' },
          h(d, 'span', { part: 'code', class: 'code' }, f.rule),
          h(d, 'span', { part: 'message', class: 'message' }, text(f.message, lang))),
        h(d, 'div', { part: 'details', class: 'details' },
          f.path ? h(d, 'span', { part: 'path' }, f.path) : null,
          placed === false ? h(d, 'span', { part: 'unplaced' }, t.unplaced) : null,
          hint ? h(d, 'span', { part: 'hint' }, `${t.hint}：${hint}`) : null,
          f.clause ? h(d, 'span', { part: 'clause' }, `${t.clause}：${f.clause}`) : null)));
      }
      out.push(h(d, 'section', { part: `group group-${sev}`, 'data-severity': sev },
        h(d, 'h3', { part: 'group-title', class: sev }, `${t[sev]} (${list.length})`), ul));
    }
    return out;
  }
}

if (globalThis.customElements && !customElements.get('opd-check')) {
  customElements.define('opd-check', OpdCheckElement);
}
