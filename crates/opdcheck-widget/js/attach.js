// opdcheck widget: `attach()`, live checks of a portal's own form. The form is read into a
// document (`fields.js`), checked on every input (one check per frame) and its inputs marked
// (`marks.js`); the handle reports, pushes (`sync.js`) and follows an `<opd-check>` panel.
// Part of the widget's modules, re-exported by `opdcheck.js`.

import { defaultStage, init, isReady, live, validate, validateVisit } from './engine.js';
import { checkSelectors, collect, normaliseFields, placeIn } from './fields.js';
import { Marks, injectPageCss, newId } from './marks.js';
import { clone, getIn, parsePath } from './paths.js';
import { sync } from './sync.js';

const EVENTS = ['change', 'valid', 'invalid', 'sync'];

const failed = (code, message) => ({ ok: false, status: 0, results: [], error: { code, message } });

/** The state of one attached form; `attach()` hands out its `handle`. */
class Attached {
  constructor(form, options) {
    this.form = form;
    this.options = options;
    this.fields = normaliseFields(options.fields);
    checkSelectors(form, this.fields);
    this.listeners = Object.fromEntries(EVENTS.map((e) => [e, new Set()]));
    this.lang = options.lang === 'en' ? 'en' : 'zh';
    this.stage = options.stage;
    this.report = null;
    this.reportJson = '';
    this.qualified = undefined;
    this.doc = null;
    this.at = new Map();
    this.marks = new Marks(newId());
    this.frame = 0;
    this.timer = 0;
    this.destroyed = false;
    this.pushed = null;
    this.panel = null;
    this.schedule = () => this.scheduleCheck();
    this.onReset = () => setTimeout(this.schedule, 0);
    this.handle = makeHandle(this);
  }

  emit(ev, ...args) {
    for (const cb of [...this.listeners[ev]]) {
      try { cb(...args); } catch (e) { console.error(`opdcheck: a "${ev}" listener threw`, e); }
    }
  }

  render() {
    this.marks.render(this.at, this.report, this.lang);
  }

  /** `{stage, signedElsewhere}` of this check: the call's, else the handle's (else init's). */
  stageOptions(extra) {
    const o = {};
    const stage = (extra && extra.stage) || this.stage;
    if (stage) o.stage = stage;
    const elsewhere = extra && extra.signedElsewhere !== undefined ? extra.signedElsewhere : this.options.signedElsewhere;
    if (elsewhere !== undefined) o.signedElsewhere = !!elsewhere;
    return o;
  }

  /** Read the form and check it; the report (the last one when it cannot check now). */
  check(extra) {
    if (this.destroyed) return this.report;
    this.cancel();
    if (!isReady()) return this.report;
    let built;
    try {
      built = collect(this.form, this.options, this.fields);
    } catch (e) {
      console.error('opdcheck: reading the form failed', e);
      return this.report;
    }
    this.doc = built.doc;
    this.at = built.at;
    const visit = this.options.kind === 'visit' || this.doc.kind === 'visit';
    const opts = this.stageOptions(extra);
    const run = () => (visit ? validateVisit(this.doc, opts) : validate(this.doc, opts));
    const problems = [...built.problems];
    let r = run();
    // A value the engine cannot take (a `parse` of the page's that gave the wrong type): say so
    // at that input, leave it out and check the rest, rather than fail the whole document.
    for (let n = 0; n < 8 && r && r.error && r.error.path && this.drop(r.error.path); n++) {
      problems.push({ path: r.error.path, message: { zh: r.error.message_zh || r.error.message, en: r.error.message } });
      r = run();
    }
    return this.show(withProblems(r, problems, this.at));
  }

  /** Leave the value at `path` out of the document; false when there is none. */
  drop(path) {
    let segs;
    try { segs = parsePath(path); } catch { return false; }
    const parent = getIn(this.doc, segs.slice(0, -1));
    const last = segs[segs.length - 1];
    if (!parent || typeof parent !== 'object' || parent[last] === undefined) return false;
    if (Array.isArray(parent)) parent[last] = typeof parent[last] === 'object' ? {} : '';
    else delete parent[last];
    return true;
  }

  show(r) {
    const json = JSON.stringify(r);
    const changed = json !== this.reportJson;
    this.report = r;
    this.reportJson = json;
    this.render();
    if (changed) this.changed(r);
    return r;
  }

  changed(r) {
    this.emit('change', r, this.handle);
    this.form.dispatchEvent(new CustomEvent('opdcheck-change', { bubbles: true, composed: true, detail: { report: r } }));
    const q = !!(r.score && r.score.qualified);
    if (q !== this.qualified) {
      this.qualified = q;
      this.emit(q ? 'valid' : 'invalid', r, this.handle);
    }
  }

  cancel() {
    if (this.frame) cancelAnimationFrame(this.frame);
    if (this.timer) clearTimeout(this.timer);
    this.frame = 0;
    this.timer = 0;
  }

  scheduleCheck() {
    if (this.destroyed || this.frame || this.timer) return;
    // One check per frame; the timer covers pages where frames do not run (hidden tabs).
    this.frame = requestAnimationFrame(() => this.check());
    this.timer = setTimeout(() => this.check(), 100);
  }

  /** Re-check on input, change, reset and on rows added or removed (not on our own marks). */
  listen() {
    const ours = (n) => (n.nodeType === 1 && n.classList.contains('opd-msg'))
      || !!(n.parentElement && n.parentElement.closest('.opd-msg'));
    this.observer = new MutationObserver((records) => {
      const relevant = records.some((rec) => !ours(rec.target)
        && [...rec.addedNodes, ...rec.removedNodes].some((n) => !(n.nodeType === 1 && n.classList.contains('opd-msg'))));
      if (relevant) this.schedule();
    });
    this.form.addEventListener('input', this.schedule);
    this.form.addEventListener('change', this.schedule);
    this.form.addEventListener('reset', this.onReset);
    this.observer.observe(this.form, { childList: true, subtree: true });
  }

  /** The version to push `document` under: a changed body after a push gets the next one. */
  versionOf(o, document, body) {
    let v = typeof o.version === 'function' ? o.version(document) : (o.version || 1);
    const p = this.pushed;
    if (p && p.id === document.id) v = p.body === body ? p.version : Math.max(v, p.version + 1);
    return v;
  }

  async sync(extra) {
    const o = { ...(this.options.sync || {}), ...(extra || {}) };
    this.check();
    if (!this.doc || !this.doc.id) return failed('no_id', 'the document has no id: map one in fields or give it in values');
    const r = this.report;
    if (o.requireQualified && !(r && r.score && r.score.qualified)) return failed('not_qualified', 'the document has error findings');
    const document = clone(this.doc);
    const body = JSON.stringify(document);
    const v = this.versionOf(o, document, body);
    const res = await sync([{ id: document.id, version: v, document }], o);
    const r0 = res.results[0];
    if (r0 && (r0.status === 'created' || r0.status === 'unchanged')) this.pushed = { id: document.id, version: v, body };
    this.emit('sync', res, this.handle);
    return res;
  }

  destroy() {
    if (this.destroyed) return;
    this.cancel();
    this.destroyed = true;
    this.observer.disconnect();
    this.form.removeEventListener('input', this.schedule);
    this.form.removeEventListener('change', this.schedule);
    this.form.removeEventListener('reset', this.onReset);
    this.marks.clear();
    live.delete(this.handle);
    if (this.panel && this.panel.handle === this.handle) this.panel.connect(null);
    for (const s of Object.values(this.listeners)) s.clear();
  }

  connectPanel() {
    const p = this.options.panel;
    if (!p) return;
    this.panel = typeof p === 'string' ? this.form.ownerDocument.querySelector(p) : p;
    if (this.panel && typeof this.panel.connect === 'function') this.panel.connect(this.handle);
  }
}

/**
 * The report with a finding `INPUT` at each input whose value could not be read (an error:
 * the document is not qualified), first; the engine's findings about the same field at the same
 * input (it is "missing", having been left out) give way to it.
 */
function withProblems(r, problems, at) {
  if (!problems.length || !r || r.error) return r;
  const about = (f, p) => f.path === p.path || p.path.startsWith(`${f.path}.`) || p.path.startsWith(`${f.path}[`);
  const input = problems.map((p) => ({
    rule: 'INPUT', item: '', severity: 'error', path: p.path, message: p.message,
    hint: { zh: '', en: '' }, clause: '', overridable: false,
  }));
  const rest = (r.findings || []).filter((f) => !problems.some((p) => about(f, p) && placeIn(at, f.path) === placeIn(at, p.path)));
  return { ...r, findings: [...input, ...rest], score: { ...r.score, qualified: false } };
}

/** The public handle of an attached form (docs/embedding.md, `Handle` in opdcheck.d.ts). */
function makeHandle(a) {
  const handle = {
    get form() { return a.form; },
    get lang() { return a.lang; },
    report: () => a.report,
    document: () => clone(a.doc),
    check: (options) => a.check(options),
    get stage() { return a.stage || defaultStage(); },
    setStage(stage) {
      a.stage = stage === 'draft' ? 'draft' : 'final';
      return a.check();
    },
    on(ev, cb) {
      if (!a.listeners[ev] || typeof cb !== 'function') {
        console.warn(`opdcheck: unknown event "${ev}" (change, valid, invalid, sync)`);
        return () => {};
      }
      a.listeners[ev].add(cb);
      return () => a.listeners[ev].delete(cb);
    },
    placement: (finding) => placeIn(a.at, typeof finding === 'string' ? finding : finding && finding.path),
    focus(finding) {
      const el = handle.placement(finding);
      if (!el) return false;
      if (el.scrollIntoView) el.scrollIntoView({ block: 'center' });
      el.focus({ preventScroll: true });
      return true;
    },
    setLang(l) {
      a.lang = l === 'en' ? 'en' : 'zh';
      a.render();
    },
    sync: (extra) => a.sync(extra),
    destroy: () => a.destroy(),
  };
  return handle;
}

/**
 * Check an existing form live. Returns a handle: report(), document(), on(), check(), sync(),
 * focus(), placement(), setLang(), destroy().
 */
export function attach(form, options = {}) {
  if (!form || typeof form.querySelectorAll !== 'function') {
    throw new TypeError('opdcheck.attach: the first argument must be an element (the form)');
  }
  const a = new Attached(form, options);
  if (options.styles !== false) injectPageCss(form.ownerDocument);
  a.listen();
  live.add(a.handle);
  a.connectPanel();
  // The first check runs after this call returns, so listeners added right away get its events.
  if (isReady()) queueMicrotask(() => a.check());
  else init().then(() => a.check(), (e) => console.error('opdcheck: the engine failed to load', e));
  return a.handle;
}
