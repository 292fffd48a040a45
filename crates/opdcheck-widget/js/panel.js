// opdcheck widget: the `<opd-check>` custom element, a findings panel in shadow DOM, defined on
// import. It checks a document it is given, or follows an `attach()` handle. Part of the
// widget's modules, re-exported by `opdcheck.js`.

import { init, isReady, live, validate, validateVisit } from './engine.js';
import { text } from './marks.js';

const L = {
  zh: {
    waiting: '等待文书…', loading: '正在加载检查引擎…', failed: '检查引擎加载失败', ok: '合格', fail: '不合格',
    deduction: '扣分', error: '错误', warning: '警告', info: '提示', none: '未发现问题', hint: '建议',
    clause: '依据', malformed: '文书格式有误', unplaced: '（表单中无对应栏目）',
    tuned: (id, from, to) => `院内调整 ${id}：由${L.zh[from]}改为${L.zh[to]}`, reason: '医生理由',
    draft: '草稿', dueTitle: (n) => `签名时完成 (${n})`, due: '以下项目在签名时完成，草稿暂不计入：',
    elsewhereTitle: (n) => `由本院 HIS 签名 (${n})`, elsewhere: '签名（及处方完毕标记）在本院 HIS 中完成，不计入本文书：',
    policy: (v) => (v === 0 ? '默认规则' : v == null ? '本页设置的规则' : `医院规则 第${v}版`),
    kinds: { prescription: '处方', outpatient_record: '门诊病历', exam_request: '检查/检验申请单', infectious_report: '传染病报告卡', visit: '就诊' },
  },
  en: {
    waiting: 'Waiting for a document…', loading: 'Loading the checking engine…', failed: 'The checking engine failed to load',
    ok: 'Qualified', fail: 'Not qualified', deduction: 'Deduction', error: 'Errors', warning: 'Warnings', info: 'Notes',
    none: 'No findings', hint: 'Fix', clause: 'Clause', malformed: 'Malformed document', unplaced: '(no field for it on the form)',
    tuned: (id, from, to) => `Tuned by ${id}: ${from} made ${to}`, reason: "Doctor's reason",
    draft: 'Draft', dueTitle: (n) => `Due at signing (${n})`, due: 'Completed when signing; not counted in a draft:',
    elsewhereTitle: (n) => `Signed in the HIS (${n})`, elsewhere: 'The signature and end mark are done in the hospital\'s HIS; not counted here:',
    policy: (v) => (v === 0 ? 'default policy' : v == null ? "this page's policy" : `hospital policy v${v}`),
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
li.later{border-color:var(--opd-muted,#666);border-left-style:dashed}
.stage{padding:0 6px;border:1px solid var(--opd-muted,#666);border-radius:9px;color:var(--opd-muted,#666)}
h3.later{color:var(--opd-muted,#666)}
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
    if (!isReady()) {
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
        h(d, 'p', { part: 'input-error', 'data-path': r.error.path || '' },
          (lang === 'zh' && r.error.located_zh) || r.error.located || r.error.message || ''),
      );
      return;
    }
    panel.replaceChildren(this._header(d, r, t, 'header'), ...this._groups(d, r.findings || [], t, lang, true));
    for (const sub of r.documents || []) panel.append(this._document(d, sub, t, lang));
    if ((r.at_signing || []).length) panel.append(this._atSigning(d, r, t, lang));
  }

  /** The sign-time findings set aside: due at signing (a draft) or signed in the HIS. */
  _atSigning(d, r, t, lang) {
    const list = r.at_signing;
    const elsewhere = !!r.signed_elsewhere;
    const items = list.map((f) => h(d, 'li', { part: 'finding finding-later', class: 'later', 'data-rule': f.rule, 'data-path': f.path },
      h(d, 'span', { part: 'code', class: 'code' }, f.rule),
      h(d, 'span', { part: 'message', class: 'message' }, text(f.message, lang))));
    return h(d, 'section', { part: 'group group-at-signing', 'data-at-signing': elsewhere ? 'elsewhere' : 'due' },
      h(d, 'h3', { part: 'group-title', class: 'later' }, elsewhere ? t.elsewhereTitle(list.length) : t.dueTitle(list.length)),
      h(d, 'p', { part: 'at-signing-note', class: 'muted' }, elsewhere ? t.elsewhere : t.due),
      h(d, 'ul', { part: 'list' }, ...items));
  }

  /** A visit's document: its title, score and findings. */
  _document(d, sub, t, lang) {
    const doc = sub.document || {};
    const title = `${t.kinds[doc.kind] || doc.kind || ''} ${doc.id || ''}`;
    return h(d, 'section', { part: 'document', class: 'document' },
      h(d, 'h4', { part: 'document-title' }, title.trim()),
      this._header(d, sub, t, 'document-header'),
      ...this._groups(d, sub.findings || [], t, lang, false));
  }

  _header(d, r, t, part) {
    const s = r.score || {};
    const ok = !!s.qualified;
    const counts = { error: 0, warning: 0, info: 0 };
    for (const f of r.findings || []) counts[f.severity] = (counts[f.severity] || 0) + 1;
    const ded = Number(s.deduction || 0);
    return h(d, 'header', { part },
      h(d, 'span', { part: `badge ${ok ? 'badge-ok' : 'badge-fail'}`, class: `badge${ok ? ' ok' : ''}`, 'data-qualified': String(ok) }, ok ? t.ok : t.fail),
      r.stage === 'draft' ? h(d, 'span', { part: 'stage', class: 'stage', 'data-stage': 'draft' }, t.draft) : null,
      h(d, 'span', { part: 'deduction' }, `${t.deduction} ${Number.isInteger(ded) ? ded.toFixed(1) : String(ded)}`),
      h(d, 'span', { part: 'counts', class: 'muted' }, `${t.error} ${counts.error} · ${t.warning} ${counts.warning} · ${t.info} ${counts.info}`),
      r.ruleset ? h(d, 'span', { part: 'ruleset', class: 'muted', title: r.ruleset, 'data-policy-version': String(r.policy_version) }, t.policy(r.policy_version)) : null);
  }

  _groups(d, findings, t, lang, local) {
    if (!findings.length) return [h(d, 'p', { part: 'empty', class: 'muted' }, t.none)];
    const out = [];
    for (const sev of ['error', 'warning', 'info']) {
      const list = findings.filter((f) => f.severity === sev);
      if (!list.length) continue;
      const ul = h(d, 'ul', { part: 'list' }, ...list.map((f) => this._finding(d, f, t, lang, local)));
      out.push(h(d, 'section', { part: `group group-${sev}`, 'data-severity': sev },
        h(d, 'h3', { part: 'group-title', class: sev }, `${t[sev]} (${list.length})`), ul));
    }
    return out;
  }

  _finding(d, f, t, lang, local) {
    const sev = f.severity;
    const index = this._items.push(f) - 1;
    const placed = local && this._handle ? !!this._handle.placement(f) : null;
    const hint = text(f.hint, lang);
    return h(d, 'li', {
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
      // The hospital's own tuning and the doctor's reason, said where the finding is.
      f.tuning ? h(d, 'span', { part: 'tuning', 'data-entry': f.tuning.entry }, t.tuned(f.tuning.entry, f.tuning.from, sev)) : null,
      f.reason ? h(d, 'span', { part: 'reason' }, `${t.reason}：${[text(f.reason.label, lang), f.reason.text].filter(Boolean).join(' — ')}`) : null,
      f.clause ? h(d, 'span', { part: 'clause' }, `${t.clause}：${f.clause}`) : null));
  }
}

if (globalThis.customElements && !customElements.get('opd-check')) {
  customElements.define('opd-check', OpdCheckElement);
}
