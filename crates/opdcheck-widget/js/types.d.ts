// Generated from the engine's Rust types (crates/opdcheck-engine/src/ts.rs, ts-rs). Do not
// edit: run `UPDATE_EXPECT=1 cargo test -p opdcheck-engine --features schema,ts --test schema`.
// Documents: the interchange format v1 (docs/format.md, docs/schema/document.schema.json).

// Documents

/**
 * The five kinds of input document.
 */
export type DocKind = "prescription" | "outpatient_record" | "exam_request" | "infectious_report" | "visit";

/**
 * Any document of the interchange format.
 */
export type Document = { "kind": "prescription" } & Prescription | { "kind": "outpatient_record" } & OutpatientRecord | { "kind": "exam_request" } & ExamRequest | { "kind": "infectious_report" } & InfectiousReport | { "kind": "visit" } & Visit;

export type Prescription = { id?: string, visit_id?: string | null, prescription_type?: PrescriptionType | null, institution?: string | null, fee_category?: string | null, patient?: Patient | null, department?: string | null, issued_at?: string | null, diagnoses?: Array<string> | null, diagnosis_codes?: Array<string | null> | null, diagnosis_note?: string | null, items?: Array<RxItem> | null, herbal?: Herbal | null, combination_reason?: string | null, prescriber?: Signer | null, second_signature?: Signer | null, amendments?: Array<Amendment> | null, completed?: boolean | null, 
/**
 * The doctor's reasons for findings they keep (为何保留该提示): one per rule, or per
 * finding with `path`. Shown to QA in the review and counted on the alert-quality page; an
 * error the policy lets a reason accept is no longer an error once its reason is given.
 */
reasons?: Array<AlertReason> | null, };

export type OutpatientRecord = { id?: string, visit_id?: string | null, visit_type?: VisitType | null, visit_at?: string | null, department?: string | null, patient?: Patient | null, chief_complaint?: string | null, present_illness?: string | null, past_history?: string | null, positive_signs?: string | null, negative_signs?: string | null, physical_exam?: string | null, condition_change?: string | null, auxiliary_results?: string | null, diagnoses?: Array<string> | null, diagnosis_codes?: Array<string | null> | null, treatment_plan?: string | null, physician?: Signer | null, consents?: Array<Consent> | null, planned?: Array<ConsentTopic> | null, infectious_report_status?: ReportStatus | null, 
/**
 * Extension (optional): a consultation or referral requested at this visit (HX-01).
 */
consultation?: string | null, amendments?: Array<Amendment> | null, 
/**
 * The doctor's reasons for findings they keep (为何保留该提示): one per rule, or per
 * finding with `path`. Shown to QA in the review and counted on the alert-quality page; an
 * error the policy lets a reason accept is no longer an error once its reason is given.
 */
reasons?: Array<AlertReason> | null, };

export type ExamRequest = { id?: string, visit_id?: string | null, category?: ExamCategory | null, items?: Array<string> | null, body_site?: string | null, specimen?: string | null, clinical_summary?: string | null, diagnoses?: Array<string> | null, priority?: Priority | null, visit_type?: VisitType | null, patient_condition?: PatientCondition | null, contrast?: boolean | null, consent?: Signer | null, requested_at?: string | null, department?: string | null, patient?: Patient | null, physician?: Signer | null, 
/**
 * The doctor's reasons for findings they keep (为何保留该提示): one per rule, or per
 * finding with `path`. Shown to QA in the review and counted on the alert-quality page; an
 * error the policy lets a reason accept is no longer an error once its reason is given.
 */
reasons?: Array<AlertReason> | null, };

export type InfectiousReport = { id?: string, visit_id?: string | null, report_type?: ReportType | null, disease?: string | null, disease_subtype?: string | null, case_class?: CaseClass | null, acute_or_chronic?: AcuteOrChronic | null, patient?: Patient | null, onset_date?: string | null, diagnosed_at?: string | null, death_date?: string | null, reported_at?: string | null, reporting_physician?: Signer | null, reporting_unit?: string | null, filled_at?: string | null, 
/**
 * Extension (optional): the reporting physician's department (科室), for score sheets.
 */
department?: string | null, 
/**
 * The doctor's reasons for findings they keep (为何保留该提示): one per rule, or per
 * finding with `path`. Shown to QA in the review and counted on the alert-quality page; an
 * error the policy lets a reason accept is no longer an error once its reason is given.
 */
reasons?: Array<AlertReason> | null, };

/**
 * All documents of one visit, for the cross-document checks.
 */
export type Visit = { 
/**
 * Optional: a visit is identified by its `visit_id`.
 */
id?: string | null, visit_id?: string | null, record?: OutpatientRecord & { kind?: "outpatient_record" } | null, prescriptions?: Array<Prescription & { kind?: "prescription" }> | null, exam_requests?: Array<ExamRequest & { kind?: "exam_request" }> | null, infectious_reports?: Array<InfectiousReport & { kind?: "infectious_report" }> | null, };

export type Patient = { name?: string | null, sex?: Sex | null, age?: Age | null, birth_date?: string | null, weight_kg?: number | null, record_no?: string | null, id_number?: string | null, ethnicity?: string | null, marital_status?: string | null, occupation?: string | null, employer?: string | null, address?: string | null, phone?: string | null, guardian_name?: string | null, allergy_history?: string | null, allergens?: Array<string> | null, 
/**
 * 病人属于 (infectious report card).
 */
residence_scope?: string | null, 
/**
 * 现住址 (infectious report card).
 */
current_address?: string | null, 
/**
 * 人群分类 (infectious report card).
 */
population_group?: string | null, };

export type Sex = "male" | "female" | "unknown";

/**
 * `{"value": 3, "unit": "month"}`.
 */
export type Age = { value?: number | null, unit?: AgeUnit | null, };

export type AgeUnit = "day" | "month" | "year";

/**
 * `{"value": 0.5, "unit": "g"}`.
 */
export type Quantity = { value?: number | null, unit?: string | null, };

/**
 * A person who signs.
 */
export type Signer = { id?: string | null, name?: string | null, signed_at?: string | null, signature_id?: string | null, title?: Title | null, };

export type Title = "resident" | "attending" | "associate_chief" | "chief" | "assistant";

/**
 * A signed, dated correction.
 */
export type Amendment = { path?: string | null, before?: unknown, after?: unknown, by?: string | null, at?: string | null, 
/**
 * Why it was corrected, in the corrector's words (更正原因): what QA reads to judge a
 * correction after signing.
 */
reason?: string | null, };

/**
 * A doctor's reason for a finding kept on the document (issue 15): a choice from the policy's
 * pick list for the rule (`alerts.reasons`) and/or free text.
 */
export type AlertReason = { 
/**
 * The rule code, as the finding gives it (`RX-19`).
 */
rule: string, 
/**
 * The finding's path; absent, the reason covers every finding of the rule.
 */
path?: string | null, 
/**
 * The pick list's key (`clinical_need`, `other` …).
 */
choice?: string | null, 
/**
 * The doctor's own words.
 */
text?: string | null, 
/**
 * Who gave it (the signer's id) and when (`YYYY-MM-DDTHH:MM`).
 */
by?: string | null, at?: string | null, };

export type PrescriptionType = "general" | "emergency" | "pediatric" | "narcotic_psych1" | "psych2";

/**
 * One drug (or, on a 中药饮片 prescription, one herb).
 */
export type RxItem = { drug?: string | null, strength?: string | null, dose?: Quantity | null, route?: string | null, frequency?: string | null, days?: number | null, quantity?: Quantity | null, notes?: string | null, over_label_reason?: string | null, };

/**
 * `{"doses": 7, "usage": "水煎服，每日1剂，早晚分服"}`.
 */
export type Herbal = { doses?: number | null, usage?: string | null, };

export type VisitType = "initial" | "follow_up" | "emergency";

export type Consent = { topic?: ConsentTopic | null, signed_by?: string | null, at?: string | null, };

export type ConsentTopic = "transfusion" | "invasive_procedure" | "special_exam" | "special_treatment" | "expensive_or_self_paid_drug";

export type ReportStatus = "reported" | "not_required" | "pending";

export type ExamCategory = "lab" | "imaging" | "ultrasound" | "ecg" | "endoscopy" | "pathology" | "other";

export type Priority = "routine" | "urgent" | "critical";

export type PatientCondition = "stable" | "serious" | "critical";

export type ReportType = "initial" | "correction";

export type CaseClass = "suspected" | "clinical" | "confirmed" | "carrier";

export type AcuteOrChronic = "acute" | "chronic" | "unclassified";

// Reports

export type Report = { ruleset: string, document: DocumentRef, findings: Array<Finding>, score: Score, 
/**
 * A visit's per-document reports.
 */
documents?: Array<Report>, 
/**
 * Findings of rules the policy runs in shadow (`alerts.tuning`, action `shadow`): kept
 * with the record for QA to confirm or dismiss; never shown to the doctor, never scored.
 */
shadow?: Array<Finding>, 
/**
 * How many findings tuning entries suppressed (absent when none).
 */
suppressed?: number, };

export type DocumentRef = { kind: DocKind, id: string, };

export type Finding = { rule: string, item: string, severity: Severity, path: string, message: Text, hint: Text, clause: string, overridable: boolean, 
/**
 * The policy's tuning entry that changed this finding (issue 15), absent when none did.
 */
tuning?: Tuned, 
/**
 * The doctor's reason recorded on the document for this finding, absent when none was.
 */
reason?: GivenReason, };

/**
 * What a tuning entry did to a finding: "按调整 T-3 降为警告".
 */
export type Tuned = { 
/**
 * The entry's id in the policy's `alerts.tuning`.
 */
entry: string, action: TuningAction, 
/**
 * The severity the rule gave before the entry changed it.
 */
from: Severity, };

/**
 * What a tuning entry does to the findings in its scope.
 */
export type TuningAction = "suppress" | "downgrade" | "upgrade" | "shadow";

/**
 * A doctor's reason as the report carries it: the pick-list choice with its label, the text.
 */
export type GivenReason = { choice?: string, 
/**
 * The choice's label from the policy's pick list (empty for free text alone).
 */
label: Text, text?: string, 
/**
 * True when the reason accepted an error the policy lets a reason accept: the finding is
 * then reported as a warning.
 */
accepted?: boolean, };

export type Severity = "error" | "warning" | "info";

/**
 * A message in both languages.
 */
export type Text = { zh: string, en: string, };

export type Score = { items: Array<ScoreItem>, deduction: number, qualified: boolean, };

export type ScoreItem = { item: string, deduction: number, };

// The rule catalog

/**
 * One rule of the catalog as every entry point serialises it.
 */
export type Rule = { 
/**
 * Stable code, e.g. `RX-08` (docs/rules.md).
 */
code: string, 
/**
 * The assessment item its findings are scored under, e.g. `OPD-11` (`OPD-8/9` where it
 * depends on the visit).
 */
item: string, group: RuleGroup, kind: RuleKind, 
/**
 * The severity of its findings (the highest, where it varies: see `severity_note`).
 */
severity: Severity, 
/**
 * When the severity varies, how (catalog wording); absent otherwise.
 */
severity_note?: string, title: Text, 
/**
 * The clause(s) it enforces.
 */
clause: string, 
/**
 * A recorded reason (and signature) can accept the finding.
 */
overridable: boolean, 
/**
 * OPD-5 only: which per-case deduction a finding charges (`late`, `defective`, `missed`).
 */
case?: string, 
/**
 * The rule's full documentation (Markdown), when asked for (`opdcheck rules CODE`).
 */
doc?: string, };

/**
 * A rule's group on the wire (the folder of the catalog it is in).
 */
export type RuleGroup = "prescription" | "record" | "request" | "infectious" | "visit" | "history";

/**
 * What a rule checks: a document kind, a visit (cross-document) or `history` (across a
 * patient's records).
 */
export type RuleKind = "prescription" | "outpatient_record" | "exam_request" | "infectious_report" | "visit" | "history";
