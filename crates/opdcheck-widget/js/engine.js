// opdcheck widget: loading the engine (wasm-bindgen's `opdcheck_widget.js`) and the
// document/report functions. Part of the widget's modules, re-exported by `opdcheck.js`.

import initWasm, * as raw from './opdcheck_widget.js';
import * as server from './server.js';
import { wasmRequest, warm } from './early.js';

let loading = null;
let ready = false;

/** Attached handles and connected elements: re-checked when the policy changes. */
export const live = new Set();

function load(options) {
  // The engine early.js started when it worked (then `options.wasm` is not needed: the module
  // beside this file is the same engine); otherwise a plain load, which also reports the error
  // if there is one.
  return warm.then((done) => done || initWasm({ module_or_path: options.wasm || wasmRequest() })).then(
    () => { ready = true; },
    (e) => { loading = null; throw e; },
  );
}

/**
 * Load the engine (`opdcheck_widget_bg.wasm` next to this module, or `options.wasm`) once;
 * every later call returns the same load. `options.policy` then sets a policy override;
 * `options.server` follows that opdcheck server's policy instead (see `followServer`).
 */
export function init(options = {}) {
  if (options.stage !== undefined) defaults.stage = options.stage;
  if (options.signedElsewhere !== undefined) defaults.signedElsewhere = !!options.signedElsewhere;
  if (!loading) loading = load(options);
  let p = loading;
  if (options.policy !== undefined) p = p.then(() => { setPolicy(options.policy); });
  if (options.server) p = p.then(() => followServer(options));
  return p.then(() => ({ version: raw.version(), ruleset: raw.ruleset(), policyVersion: inForce.version }));
}

// The policy in force: the server's version (0 = its default), or null for an override the
// page set itself with setPolicy. Every report carries it as `policy_version`.
let inForce = { version: 0, ruleset: null, source: 'builtin' };
let followed = null;

/** `{version, ruleset, source}`: which policy checks (source: builtin, cached, server, page). */
export function policyInForce() {
  return { ...inForce, ruleset: inForce.ruleset || (ready ? raw.ruleset() : null) };
}

/** Check with a server's policy answer (its override over this build's default). */
function apply(answer, source) {
  const over = answer.override && Object.keys(answer.override).length ? answer.override : null;
  try {
    raw.setPolicy(over);
  } catch (e) {
    // A policy this build cannot read (a newer server): keep the one in force.
    console.warn('opdcheck: the server\'s policy was refused', e);
    return false;
  }
  inForce = { version: answer.version, ruleset: answer.ruleset, source };
  for (const x of live) x.check();
  return true;
}

/**
 * Follow `options.server`'s policy: the copy cached on this page at once, then the server's
 * (init resolves once it answered or failed), again every `options.refreshSeconds` (60) and
 * when the browser comes back online. Offline, the cached (or default) policy stays.
 */
async function followServer(options) {
  const url = options.server;
  if (followed && followed.url === url) return followed.refresh();
  if (followed) followed.stop();
  let entry = server.cached(url);
  if (entry && !apply(entry.policy, 'cached')) entry = null;
  const refresh = async () => {
    const r = await server.fetchPolicy(url, entry && entry.etag, options.fetch);
    if (r.failed) return;
    if (r.notModified) { inForce.source = 'server'; return; }
    const same = entry && entry.policy.version === r.policy.version && entry.policy.ruleset === r.policy.ruleset;
    if (same) inForce.source = 'server';
    if (same || apply(r.policy, 'server')) {
      entry = { policy: r.policy, etag: r.etag };
      server.keep(url, entry);
    }
  };
  const timer = setInterval(refresh, 1000 * (options.refreshSeconds || 60));
  globalThis.addEventListener('online', refresh);
  followed = {
    url,
    refresh,
    stop() { clearInterval(timer); globalThis.removeEventListener('online', refresh); },
  };
  return refresh();
}

/** A report stamped with the policy version that checked it (an error result as it is). */
function stamped(r) {
  if (r && typeof r === 'object' && !r.error) r.policy_version = inForce.version;
  return r;
}

// The page's `{stage, signedElsewhere}` (init's options), under each check's own.
const defaults = {};

/** The stage options of a check: `options` over the page's defaults (absent ones undefined). */
function staging(options) {
  const o = options || {};
  const stage = o.stage !== undefined ? o.stage : defaults.stage;
  const elsewhere = o.signedElsewhere !== undefined ? o.signedElsewhere : defaults.signedElsewhere;
  return { stage: stage == null ? undefined : String(stage), signedElsewhere: elsewhere == null ? undefined : !!elsewhere };
}

/** The stage a check runs at when it names none: init's, else 'final'. */
export const defaultStage = () => defaults.stage || 'final';

/** True once `init()` has loaded the engine. */
export function isReady() {
  return ready;
}

/** The error a `validate*` call answers instead of throwing. */
function errorResult(e) {
  if (e && typeof e === 'object' && e.error && typeof e.error === 'object') return e;
  const message = String((e && e.message) || e);
  return { error: { path: '', message, located: message, message_zh: message, located_zh: message } };
}

const NOT_READY = 'opdcheck: the engine is not loaded: await init() first';

function need(name) {
  if (!ready) throw new Error(`${NOT_READY} (${name})`);
}

/**
 * A document (object or JSON text) → its report, or `{error}` for malformed input. `options`:
 * `{stage: 'draft' | 'final', signedElsewhere}` (over init's), see docs/embedding.md.
 */
export function validate(doc, options) {
  if (!ready) return errorResult(NOT_READY);
  const o = staging(options);
  try { return stamped(raw.validate(doc, o.stage, o.signedElsewhere)); } catch (e) { return errorResult(e); }
}

/** A visit (object or JSON text; `kind: "visit"` assumed) → the visit report, or `{error}`. */
export function validateVisit(visit, options) {
  if (!ready) return errorResult(NOT_READY);
  const o = staging(options);
  try { return stamped(raw.validateVisit(visit, o.stage, o.signedElsewhere)); } catch (e) { return errorResult(e); }
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
 * override, leaving the policy as it was. A server being followed sets its policy again when
 * its version changes; until then reports carry `policy_version: null` (the page's own).
 */
export function setPolicy(override) {
  need('setPolicy');
  let stamp;
  try {
    stamp = raw.setPolicy(override === undefined ? null : override);
  } catch (e) {
    throw new OpdcheckError(errorResult(e).error);
  }
  inForce = override == null
    ? { version: 0, ruleset: stamp, source: 'builtin' }
    : { version: null, ruleset: stamp, source: 'page' };
  for (const x of live) x.check();
  return stamp;
}
