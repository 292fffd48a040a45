// TypeScript declarations of the opdcheck widget's API (`opdcheck.js`). Guide: docs/embedding.md.
// The documents, reports, findings and rules are generated from the engine's Rust types into
// `types.d.ts` (re-exported here); documents are the interchange format v1 (docs/format.md,
// document.schema.json next to this file); reports are plain objects.

import type { DocKind, Document, Finding, Report, Rule } from './types.js';

export * from './types.js';

// ----------------------------------------------------------------------------------------
// Reports, errors
// ----------------------------------------------------------------------------------------

/** The kinds of a single document (a visit holds several). */
export type DocumentKind = Exclude<DocKind, 'visit'>;

/** A visit's report: the cross-document findings, and each document's own report. */
export interface VisitReport extends Report {
  document: { kind: 'visit'; id: string };
  documents: Report[];
}

/** Malformed input (bad JSON, a field of the wrong type, an unknown kind). */
export interface InputError {
  /** JSON path of the problem, e.g. `"items[0].days"`; `""` when not known. */
  path: string;
  /** 1-based line and column (in characters) when the input was JSON text. */
  line?: number;
  column?: number;
  /** serde's English message (what the API and the CLI say). */
  message: string;
  /** `"line 3, column 14, at items[0].drug: invalid type: …"` */
  located: string;
  /** The message in Chinese: `"类型不符：应为数字，实为文字“52岁”"`. */
  message_zh?: string;
  /** `"第 3 行第 14 列，items[0].drug：类型不符：…"` */
  located_zh?: string;
}

export interface ErrorResult {
  error: InputError;
}

/** Which policy checked a report: the followed server's version (0 = its default), or `null` for an override the page set with `setPolicy`. */
export interface PolicyStamp {
  policy_version?: number | null;
}

/** Where a form stands: `'draft'` while it is written, `'final'` (the default) when it is signed and kept. */
export type Stage = 'draft' | 'final';

/** What the integrator says about a document (init, attach, a check, `validate`). */
export interface StageOptions {
  /** `'draft'`: the sign-time findings are set aside as due at signing (`at_signing`), not counted. */
  stage?: Stage;
  /** The portal signs (and closes) documents in its own HIS: the sign-time findings are never counted. */
  signedElsewhere?: boolean;
}

/** What a report carries when stage options were given. */
export interface StageStamp {
  /** The stage checked at (present when options were given). */
  stage?: Stage;
  /** Present (true) when the portal signs elsewhere. */
  signed_elsewhere?: boolean;
  /**
   * The sign-time findings set aside (signer, its `signed_at`/`signature_id`, the end mark
   * `completed`): due at signing, or signed in the HIS. Not in `findings`, not in `score`.
   */
  at_signing?: Finding[];
}

export type ValidateResult = (Report & PolicyStamp & StageStamp) | ErrorResult;
export type VisitResult = (VisitReport & PolicyStamp & StageStamp) | ErrorResult;

/** Thrown by `setPolicy` (and rejected by `init({policy})`) for a bad override. */
export class OpdcheckError extends Error {
  readonly name: 'OpdcheckError';
  readonly error: InputError;
  constructor(error: InputError);
}

/**
 * A document of the interchange format (`kind`, `id`, `visit_id`, …) as loosely as the widget
 * takes it: unknown fields are ignored. `Document` (types.d.ts) is the strict form.
 */
export type OpdDocument = { kind?: DocumentKind | 'visit'; id?: string; [field: string]: unknown };

/** What `validate` and friends take: a typed document, a loose one, or JSON text. */
export type DocumentInput = Document | OpdDocument | string;

// ----------------------------------------------------------------------------------------
// Engine functions
// ----------------------------------------------------------------------------------------

export interface InitOptions extends StageOptions {
  /** A policy override merged over the default once the engine is loaded (as `setPolicy`). */
  policy?: object | string | null;
  /** Where the wasm is, when not next to `opdcheck.js` (URL, Response, bytes or module). */
  wasm?: string | URL | Response | BufferSource | WebAssembly.Module;
  /**
   * Follow this opdcheck server's policy (`https://qc.example`, or ending in `/api/v1`): the copy
   * cached on this page at once, then `GET /api/v1/policy` (conditional on its ETag), again every
   * `refreshSeconds` and when the browser comes back online. A cross-origin page must be one of
   * the server's CORS origins.
   */
  server?: string;
  /** How often a followed server is asked (seconds, default 60). */
  refreshSeconds?: number;
  /** The fetch to ask the server with (default: the page's). */
  fetch?: typeof fetch;
}

/** Which policy checks: its version (0 = the default; `null` when set by `setPolicy`), ruleset and where it came from. */
export interface PolicyInForce {
  version: number | null;
  ruleset: string | null;
  source: 'builtin' | 'cached' | 'server' | 'page';
}

/**
 * Load the engine once (idempotent: every call shares one load). Resolves with the package
 * version and the ruleset in force; rejects when the wasm cannot be loaded (a later call
 * tries again) or `options.policy` is bad.
 */
export function init(options?: InitOptions): Promise<{ version: string; ruleset: string; policyVersion: number | null }>;

/** The policy in force (see `InitOptions.server`). */
export function policyInForce(): PolicyInForce;

/** Whether `init()` has finished. */
export function isReady(): boolean;

/** Check one document (object or JSON text). Never throws; `{error}` before init() or for malformed input. */
export function validate(doc: DocumentInput, options?: StageOptions): ValidateResult;

/** Check a visit (object or JSON text; `kind: "visit"` assumed when absent). Never throws. */
export function validateVisit(visit: DocumentInput, options?: StageOptions): VisitResult;

/** The package version, `"1.0.0"`. Throws before init(). */
export function version(): string;
/** The ruleset stamp in force, `"1.0.0+policy.3f9a2c"`. Throws before init(). */
export function ruleset(): string;
/** The rule catalog. Throws before init(). */
export function rules(): Rule[];
/** The effective policy (default merged with the override) as JSON. Throws before init(). */
export function policy(): Record<string, unknown>;
/**
 * Merge `override` over the DEFAULT policy (`null` resets to the default) and re-check every
 * attached form and `<opd-check>`; returns the new ruleset. Throws `OpdcheckError` for a bad
 * override (the policy in force is kept) and before init().
 */
export function setPolicy(override: object | string | null): string;

// ----------------------------------------------------------------------------------------
// Sync
// ----------------------------------------------------------------------------------------

export interface SyncOptions {
  /** Base URL of the opdcheck server (`https://qc.example`, or ending in `/api/v1`); default: this page's origin. */
  url?: string;
  /** Integrator key, sent as `X-Api-Key`. */
  key?: string;
  /** Same as `key`. */
  apiKey?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
}

/** A record to push: one version of one document. */
export interface SyncRecord {
  id: string;
  /** Integer ≥ 1; default 1. */
  version?: number;
  document: Document | OpdDocument;
}

export type SyncStatus = 'created' | 'unchanged' | 'conflict' | 'invalid' | 'forbidden';

export interface SyncItemResult {
  id: string;
  version: number;
  status: SyncStatus;
  /** The server's own report (created / unchanged). */
  report?: Report;
  error?: { code: string; message: string; path: string };
}

export interface SyncResult {
  /** Every record `created` or `unchanged`. */
  ok: boolean;
  /** HTTP status (the last non-2xx one, if any); 0 when the request did not reach the server. */
  status: number;
  results: SyncItemResult[];
  /** A failure of the whole request (`network`, `unauthorized`, `forbidden`, `conflict`, …) or of the handle (`no_id`, `not_qualified`). */
  error?: { code: string; message: string; path?: string };
}

/**
 * Push documents (version 1) or records to `POST {url}/api/v1/records`, in batches of 500.
 * Idempotent on the server: the same id + version + body answers `unchanged`. Never rejects.
 */
export function sync(records: Document | OpdDocument | SyncRecord | Array<Document | OpdDocument | SyncRecord>, options?: SyncOptions): Promise<SyncResult>;

// ----------------------------------------------------------------------------------------
// attach()
// ----------------------------------------------------------------------------------------

/**
 * How a field is read. Default: `number` for `<input type=number|range>`, `boolean` for a
 * checkbox, else the type the format gives the path (`age` for `patient.age`, `datetime` for
 * `…_at`/`…_date` fields, a number, a list …), else `string`.
 */
export type FieldType = 'string' | 'number' | 'boolean' | 'list' | 'age' | 'datetime';

export interface FieldSpec {
  /** CSS selector within the form (for `xs[].y`: within each row container when `xs[]` is mapped). */
  selector?: string;
  /** How to read the text; default: the type the format gives the path (a number for `items[].days`), else the element's. */
  type?: FieldType;
  /** Your HIS's codes → the format's words, read before anything else: `{1: '男', 2: '女'}`. */
  codes?: Record<string, string | number | boolean>;
  /** Same as `codes`. */
  values?: Record<string, string | number | boolean>;
  /** A constant instead of an input (on a `[]` path: set on every row present). */
  value?: unknown;
  /** Custom reading: the trimmed text (and the element) → the value; `undefined` leaves the field out. */
  parse?: (text: string, element: Element) => unknown;
}

/**
 * Document path → selector (or spec). `"patient.name": "#pname"`; `"items[].drug": ".drug-name"`
 * (the n-th match is `items[n]`); optional row containers `"items[]": "tr.drug-row"`.
 */
export type FieldMap = Record<string, string | FieldSpec>;

export interface AttachOptions extends StageOptions {
  /** The document kind (`kind` of the document built, unless `values` gives one). */
  kind: DocumentKind | 'visit';
  fields: FieldMap;
  /** Message language of the marks; default `"zh"`. */
  lang?: 'zh' | 'en';
  /** Constant fields merged under the mapped ones (`id`, `visit_id`, `institution` …), or a function called on each check. */
  values?: OpdDocument | (() => OpdDocument);
  /** An `<opd-check>` element (or its selector) that shows this form's findings. */
  panel?: OpdCheckElement | string;
  /** Defaults for `handle.sync()`. */
  sync?: HandleSyncOptions;
  /** `false`: do not add the default styles of `.opd-msg` / `.opd-field-*` to the page. */
  styles?: boolean;
}

export interface HandleSyncOptions extends SyncOptions {
  /** The version of the first push (default 1), or a function of the document. */
  version?: number | ((doc: OpdDocument) => number);
  /** Do not push while the document has an error finding. */
  requireQualified?: boolean;
}

export interface HandleEvents {
  /** A new report (different from the last one). */
  change: (report: ValidateResult, handle: Handle) => void;
  /** The document became qualified (or is on the first report). */
  valid: (report: Report, handle: Handle) => void;
  /** The document became not qualified (or is on the first report). */
  invalid: (report: ValidateResult, handle: Handle) => void;
  /** `handle.sync()` finished. */
  sync: (result: SyncResult, handle: Handle) => void;
}

export interface Handle {
  readonly form: Element;
  readonly lang: 'zh' | 'en';
  /** The last report (or `{error}`); `null` before the first check. */
  report(): ValidateResult | VisitResult | null;
  /** A copy of the document last built from the form; `null` before the first check. */
  document(): OpdDocument | null;
  /** Subscribe; returns the unsubscribe function. */
  on<E extends keyof HandleEvents>(event: E, callback: HandleEvents[E]): () => void;
  /** Check now (e.g. after a script set input values without input events); returns the report. `options`: this check only (e.g. `{stage: 'final'}` before signing). */
  check(options?: StageOptions): ValidateResult | VisitResult | null;
  /** The stage the form is checked at: attach's `stage`, else init's, else `'final'`. */
  readonly stage: Stage;
  /** Check at `stage` from now on (a draft signed in the portal: `'final'`); returns the report. */
  setStage(stage: Stage): ValidateResult | VisitResult | null;
  /** The input a finding (or a path) is shown at, or null when the form has none. */
  placement(finding: Finding | string): Element | null;
  /** Focus (and scroll to) the input of a finding or path; false when none. */
  focus(finding: Finding | string): boolean;
  /** Switch the marks' language. */
  setLang(lang: 'zh' | 'en'): void;
  /** Push the current document (see HandleSyncOptions); a changed body gets the next version. */
  sync(options?: HandleSyncOptions): Promise<SyncResult>;
  /** Stop checking, remove every mark, message and listener. */
  destroy(): void;
}

/**
 * Check an existing form live as the user types; mark its inputs (`aria-invalid`, a message
 * element after the input, `aria-describedby`). Throws TypeError for a bad path or selector.
 */
export function attach(form: Element, options: AttachOptions): Handle;

// ----------------------------------------------------------------------------------------
// <opd-check>
// ----------------------------------------------------------------------------------------

export interface OpdCheckChangeDetail {
  report: ValidateResult | VisitResult;
}

export interface OpdCheckSelectDetail {
  finding: Finding;
  report: ValidateResult | VisitResult;
}

/**
 * `<opd-check kind="prescription" lang="zh">`: the findings panel, in shadow DOM. Defined on
 * import. Events: `opdcheck-change` (bubbles, composed) and `opdcheck-select` (cancelable).
 */
export class OpdCheckElement extends HTMLElement {
  /** `kind` attribute: the kind given to a document without one. */
  kind: string;
  /** The document to check (object or JSON text); setting it checks and renders. */
  document: DocumentInput | null | undefined;
  /** The report shown; setting one shows it without checking. */
  report: ValidateResult | VisitResult | null;
  /** The handle followed, if any. */
  readonly handle: Handle | null;
  /** Follow an attach() handle (null to stop). */
  connect(handle: Handle | null): void;
  /** Check the document again. */
  check(): ValidateResult | VisitResult | null;
}

declare global {
  interface HTMLElementTagNameMap {
    'opd-check': OpdCheckElement;
  }
  interface HTMLElementEventMap {
    'opdcheck-change': CustomEvent<OpdCheckChangeDetail>;
    'opdcheck-select': CustomEvent<OpdCheckSelectDetail>;
  }
}
