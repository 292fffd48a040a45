// opdcheck widget: the marks `attach()` puts on the portal's inputs (`aria-invalid`, a message
// element after the input, `aria-describedby`, `.opd-field-*`) and the page styles they use.
// Part of the widget's modules.

import { placeIn } from './fields.js';

const RANK = { error: 3, warning: 2, info: 1 };
const worst = (a, b) => ((RANK[a] || 0) >= (RANK[b] || 0) ? a : b);

/** The text of a `{zh, en}` pair in `lang`, falling back to the other language. */
export const text = (pair, lang) => (pair ? pair[lang] || pair.zh || pair.en || '' : '');

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

/** Add the default styles of the marks to the page, once. */
export function injectPageCss(doc) {
  if (!doc || doc.querySelector('style[data-opdcheck]')) return;
  const style = doc.createElement('style');
  style.setAttribute('data-opdcheck', '');
  style.textContent = PAGE_CSS;
  (doc.head || doc.documentElement).prepend(style);
}

const FIELD_CLASSES = ['opd-field-error', 'opd-field-warning', 'opd-field-info'];
let nextId = 0;

/** A fresh id number (message element ids, handle ids). */
export const newId = () => ++nextId;

function inputErrorFinding(error) {
  return {
    rule: 'INPUT', item: '', severity: 'error', path: error.path || '',
    message: { zh: error.message_zh || `格式有误：${error.message}`, en: `malformed: ${error.message}` },
    hint: { zh: '', en: '' }, clause: '', overridable: false,
  };
}

/** The findings a report marks: its own, or one for malformed input. */
function findingsOf(r) {
  if (!r) return [];
  if (r.error) return [inputErrorFinding(r.error)];
  return r.findings || [];
}

function setDescribedBy(el, tokens) {
  if (tokens.length) el.setAttribute('aria-describedby', tokens.join(' '));
  else el.removeAttribute('aria-describedby');
}

function messageLine(d, f, lang) {
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
}

/** The marks of one attached form: element → its message element. */
export class Marks {
  constructor(hid) {
    this.hid = hid;
    this.marks = new Map(); // element → {key, msg}
    this.saved = new WeakMap(); // element → its own aria-invalid
  }

  /** Show `report`'s findings at the elements of `at` (path → element), in `lang`. */
  render(at, report, lang) {
    const want = new Map(); // element → {severity, list}
    for (const f of findingsOf(report)) {
      const el = placeIn(at, f.path);
      if (!el) continue;
      const w = want.get(el) || { severity: 'info', list: [] };
      w.severity = worst(f.severity, w.severity);
      w.list.push(f);
      want.set(el, w);
    }
    for (const el of [...this.marks.keys()]) if (!want.has(el) || !el.isConnected) this.unmark(el);
    for (const [el, w] of want) this.mark(el, w.severity, w.list, lang);
  }

  /** Remove every mark. */
  clear() {
    for (const el of [...this.marks.keys()]) this.unmark(el);
  }

  restoreInvalid(el) {
    const own = this.saved.get(el);
    if (own == null) el.removeAttribute('aria-invalid'); else el.setAttribute('aria-invalid', own);
  }

  unmark(el) {
    const m = this.marks.get(el);
    if (!m) return;
    m.msg.remove();
    this.restoreInvalid(el);
    const tokens = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter((t) => t && t !== m.msg.id);
    setDescribedBy(el, tokens);
    el.classList.remove(...FIELD_CLASSES);
    el.removeAttribute('data-opd-rules');
    this.marks.delete(el);
  }

  /** The mark of `el`, made when it has none. */
  markOf(el) {
    let m = this.marks.get(el);
    if (m) return m;
    const msg = el.ownerDocument.createElement('span');
    msg.id = `opd-msg-${this.hid}-${newId()}`;
    if (!this.saved.has(el)) this.saved.set(el, el.getAttribute('aria-invalid'));
    m = { key: '', msg };
    this.marks.set(el, m);
    return m;
  }

  mark(el, severity, list, lang) {
    const key = `${lang}|${severity}|${JSON.stringify(list.map((f) => [f.rule, f.path, f.message, f.hint]))}`;
    const old = this.marks.get(el);
    if (old && old.key === key && old.msg.isConnected) return;
    const m = this.markOf(el);
    m.key = key;
    const { msg } = m;
    msg.className = `opd-msg opd-${severity}`;
    msg.setAttribute('data-rules', [...new Set(list.map((f) => f.rule))].join(' '));
    msg.replaceChildren(...list.map((f) => messageLine(el.ownerDocument, f, lang)));
    // After the input, or after the <label> wrapping it (a click on the message must not toggle it).
    const anchor = el.parentElement && el.parentElement.tagName === 'LABEL' ? el.parentElement : el;
    if (msg.previousElementSibling !== anchor) anchor.insertAdjacentElement('afterend', msg);
    this.markInput(el, severity, msg);
  }

  markInput(el, severity, msg) {
    if (severity === 'info') this.restoreInvalid(el);
    else el.setAttribute('aria-invalid', 'true');
    const tokens = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    if (!tokens.includes(msg.id)) setDescribedBy(el, [...tokens, msg.id]);
    el.classList.remove(...FIELD_CLASSES);
    el.classList.add(`opd-field-${severity}`);
    el.setAttribute('data-opd-rules', msg.getAttribute('data-rules'));
  }
}
