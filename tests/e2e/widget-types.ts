// Type-checks an integrator's use of the widget against its declarations
// (crates/opdcheck-widget/js/opdcheck.d.ts, and types.d.ts generated from the engine's types):
// `cargo xtask test` runs `tsc --noEmit --strict` on this file (and on widget-samples.ts, the
// samples as typed documents), so a declaration that drifts from the documented API fails CI.
// Not executed.

import {
  attach,
  init,
  policy,
  policyInForce,
  rules,
  setPolicy,
  sync,
  validate,
  validateVisit,
  version,
  OpdcheckError,
  type Document,
  type Finding,
  type Handle,
  type Prescription,
  type Report,
  type Rule,
  type RuleKind,
  type Stage,
  type StageOptions,
  type ValidateResult,
} from '../../crates/opdcheck-widget/js/opdcheck.js';
import { samples } from './widget-samples.js';

function isReport(r: ValidateResult): r is Report & { policy_version?: number | null } {
  return !('error' in r);
}

export async function portal(form: HTMLFormElement): Promise<void> {
  const { version: v, ruleset } = await init({ policy: { limits: { max_drugs: 4 } } });
  const stamped: boolean = ruleset.startsWith(v) && v === version();

  const r = validate({ kind: 'prescription', id: 'rx-1', items: [],
    reasons: [{ rule: 'RX-09', path: 'items[0].quantity', choice: 'clinical_need', text: '备足两周' }] });
  if (isReport(r)) {
    // The hospital's tuning and the doctor's reason on a finding; shadow findings apart.
    const notes: string[] = r.findings.map((f) =>
      `${f.tuning ? `${f.tuning.entry} ${f.tuning.action} ${f.tuning.from}` : ''} ${f.reason?.label.zh ?? ''} ${f.reason?.accepted ?? false}`);
    const shadowed: number = (r.shadow ?? []).length + (r.suppressed ?? 0);
    void notes; void shadowed;
    const first: Finding | undefined = r.findings[0];
    const codes: string[] = r.findings.map((f) => `${f.rule} ${f.item} ${f.path} ${f.message.zh}`);
    const qualified: boolean = r.score.qualified && stamped && codes.length >= 0 && first !== null;
    void qualified;
  } else {
    const where: string = `${r.error.path}: ${r.error.located}`;
    void where;
  }
  // The hospital's policy from its opdcheck server; every report names the version that checked it.
  const followed = await init({ server: 'https://qc.example', refreshSeconds: 120 });
  const inForce: number | null = policyInForce().version ?? followed.policyVersion;
  if (isReport(r)) {
    const again = validate({ kind: 'prescription', id: 'rx-0', items: [] });
    const checkedWith: number | null | undefined = isReport(again) ? again.policy_version : r.policy_version;
    void checkedWith;
  }
  void inForce;
  const visit = validateVisit('{"visit_id": "v-1"}');
  if (!('error' in visit)) {
    const nested: Report[] = visit.documents;
    void nested;
  }
  const catalog: string[] = rules().map((x) => `${x.code} ${x.kind} ${x.severity} ${x.title.en}`);
  const kinds: RuleKind[] = rules().map((x: Rule) => x.kind);
  const notes: (string | undefined)[] = rules().map((x) => x.severity_note ?? x.case);

  // The generated document types: a typed prescription, the samples, a nested visit report.
  const rx: Prescription = {
    id: 'rx-2',
    patient: { name: '张伟', sex: 'male', age: { value: 45, unit: 'year' }, allergens: null },
    items: [{ drug: '阿莫西林胶囊', dose: { value: 0.5, unit: 'g' }, frequency: 'tid', days: 3 }],
    prescriber: { id: 'D0012', title: 'attending' },
  };
  const typed: Document = { kind: 'prescription', ...rx };
  for (const doc of [typed, ...samples]) {
    const checked = validate(doc);
    if (!('error' in checked)) console.log(checked.document.kind, checked.documents?.length ?? 0);
  }
  console.log(kinds.length, notes.length);
  const p: Record<string, unknown> = policy();
  try {
    setPolicy({ limits: { max_drugs: 'four' } });
  } catch (e) {
    if (e instanceof OpdcheckError) console.log(e.error.path);
  }
  setPolicy(null);

  const handle: Handle = attach(form, {
    kind: 'prescription',
    lang: 'zh',
    fields: {
      'patient.name': '#pname',
      'items[]': 'tr.drug-row',
      'items[].drug': '.drug-name',
      'items[].days': { selector: '.days', type: 'number' },
      'patient.age': { selector: '#age', parse: (text) => ({ value: Number(text), unit: 'year' }) },
    },
    values: () => ({ id: 'rx-1', prescriber: { id: 'D0012' } }),
    panel: 'opd-check#panel',
    sync: { url: 'https://qa.example', key: 'opd-demo-portal-key', version: 1, requireQualified: true },
  });
  const off = handle.on('change', (report) => console.log('error' in report ? report.error.message : report.score.deduction));
  handle.on('valid', (report) => console.log(report.ruleset));
  handle.on('sync', (result) => console.log(result.results.map((x) => x.status)));
  off();
  const pushed = await handle.sync();
  const again = await sync([{ id: 'rx-1', version: 2, document: { kind: 'prescription', id: 'rx-1' } }], { url: '/', key: 'k' });
  console.log(pushed.ok, again.status, catalog.length, Object.keys(p).length);

  const el = document.createElement('opd-check');
  el.kind = 'exam_request';
  el.document = { kind: 'exam_request', id: 'rq-1' };
  el.connect(handle);
  el.addEventListener('opdcheck-change', (ev) => console.log(ev.detail.report));
  handle.destroy();

  // A portal's own form: values as written, HIS codes, a draft signed in the portal's HIS.
  await init({ stage: 'draft', signedElsewhere: true });
  const his: Handle = attach(form, {
    kind: 'prescription',
    stage: 'draft',
    signedElsewhere: true,
    fields: {
      'patient.age': '#age',                                   // "52岁", "3个月"
      'patient.sex': { selector: '#sex', codes: { 1: '男', 2: '女', 9: 'unknown' } },
      'items[].days': '.days',                                 // "4": a number by the format
      issued_at: { selector: '#kfsj', type: 'datetime' },     // "2026/12/02 09:30"
      'patient.age.value': { selector: '#age2', type: 'age' }, // "3个月" also sets the unit
    },
  });
  const draft: Stage = his.stage;
  const finalCheck = his.check({ stage: 'final' });
  if (finalCheck && !('error' in finalCheck)) {
    const due: string[] = (finalCheck.at_signing ?? []).map((f) => `${f.rule} ${f.path}`);
    const st: Stage | undefined = finalCheck.stage;
    console.log(due, st, finalCheck.signed_elsewhere === true);
  }
  his.setStage('final');
  const opts: StageOptions = { stage: draft, signedElsewhere: false };
  const staged = validate({ kind: 'prescription', id: 'rx-3' }, opts);
  if ('error' in staged) console.log(staged.error.message_zh ?? staged.error.message, staged.error.located_zh);
  validateVisit('{"visit_id": "v-2"}', { stage: 'final' });

  // @ts-expect-error: a stage is draft or final
  attach(form, { kind: 'prescription', fields: {}, stage: 'signed' });
  // @ts-expect-error: codes map to the format's words, not to objects
  attach(form, { kind: 'prescription', fields: { 'patient.sex': { selector: '#sex', codes: { 1: { sex: 'male' } } } } });

  // @ts-expect-error: kind is one of the interchange format's kinds
  attach(form, { kind: 'receipt', fields: {} });
  // @ts-expect-error: the handle has no such event
  handle.on('saved', () => {});
  // @ts-expect-error: sex is male, female or unknown
  const bad: Prescription = { patient: { sex: 'X' } };
  // @ts-expect-error: days is a number
  const bad2: Prescription = { items: [{ days: '7' }] };
  void bad;
  void bad2;
}
