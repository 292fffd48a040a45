// opdcheck widget: the type of each field of the interchange format (document.schema.json), so a
// portal's text is read by what the document wants there ("4" in a days field is 4 even when
// the mapping says nothing). Hand-kept from the schema; tests/e2e/widget-portal.e2e.mjs walks
// document.schema.json and fails when this table differs from it. Part of the widget's modules.

const SEX = ['male', '男', 'M', 'm', 'female', '女', 'F', 'f', 'unknown', '未知'];
const AGE_UNIT = ['day', '天', '日', 'days', 'd', 'month', '月', '个月', 'months', 'year', '岁', '年', 'years', 'y'];
const TITLE = ['resident', '住院医师', 'attending', '主治医师', 'associate_chief', '副主任医师', 'chief', '主任医师', 'assistant', '执业助理医师'];
const VISIT_TYPE = ['initial', '初诊', 'follow_up', '复诊', 'emergency', '急诊'];
const CONSENT = ['transfusion', 'invasive_procedure', 'special_exam', 'special_treatment', 'expensive_or_self_paid_drug'];

/** The fields every kind shares through `patient`. */
const PATIENT = {
  'patient.age': 'age', 'patient.age.value': 'number', 'patient.age.unit': AGE_UNIT,
  'patient.sex': SEX, 'patient.weight_kg': 'number', 'patient.allergens': 'list',
};

/** kind → generic path (`items[].days`) → 'number' | 'boolean' | 'list' | 'age' | enum values. */
export const SHAPE = {
  prescription: {
    ...PATIENT, diagnoses: 'list', diagnosis_codes: 'list', completed: 'boolean',
    'herbal.doses': 'number', 'items[].days': 'number', 'items[].dose.value': 'number',
    'items[].quantity.value': 'number', 'prescriber.title': TITLE, 'second_signature.title': TITLE,
    prescription_type: ['general', '普通', 'emergency', '急诊', 'pediatric', '儿科', 'narcotic_psych1', '麻、精一', '麻精一', 'psych2', '精二'],
  },
  outpatient_record: {
    ...PATIENT, diagnoses: 'list', diagnosis_codes: 'list', 'consents[].topic': CONSENT,
    infectious_report_status: ['reported', 'not_required', 'pending'], 'physician.title': TITLE,
    planned: 'list', visit_type: VISIT_TYPE,
  },
  exam_request: {
    ...PATIENT, diagnoses: 'list', items: 'list', contrast: 'boolean', 'consent.title': TITLE,
    'physician.title': TITLE, visit_type: VISIT_TYPE,
    category: ['lab', 'imaging', 'ultrasound', 'ecg', 'endoscopy', 'pathology', 'other'],
    patient_condition: ['stable', 'serious', 'critical'],
    priority: ['routine', 'urgent', '急!', '急！', 'critical', '危!', '危！'],
  },
  infectious_report: {
    ...PATIENT, 'reporting_physician.title': TITLE,
    acute_or_chronic: ['acute', '急性', 'chronic', '慢性', 'unclassified', '未分类'],
    case_class: ['suspected', '疑似', 'clinical', '临床诊断', 'confirmed', '确诊', 'carrier', '病原携带者'],
    report_type: ['initial', '初次报告', 'correction', '订正报告'],
  },
};

/** Where a visit's documents are: `prescriptions[0].items[1].days` → prescription, `items[].days`. */
const NESTED = [
  [/^record\./, 'outpatient_record'], [/^prescriptions\[\d*\]\./, 'prescription'],
  [/^exam_requests\[\d*\]\./, 'exam_request'], [/^infectious_reports\[\d*\]\./, 'infectious_report'],
];

/** The type the format gives `path` in a `kind` document, or undefined (text, or unknown). */
export function shapeOf(kind, path) {
  let k = kind;
  let p = String(path);
  if (kind === 'visit') {
    const hit = NESTED.find(([re]) => re.test(p));
    if (!hit) return undefined;
    p = p.replace(hit[0], '');
    k = hit[1];
  }
  const table = SHAPE[k];
  if (!table) return undefined;
  const generic = p.replace(/\[\d*\]/g, '[]');
  if (table[generic]) return table[generic];
  // Dates and times: every `…_at`, `…_date` and `at` field of the format.
  if (/(^|\.)(at|[a-z_]+_at|[a-z_]+_date)$/.test(generic)) return 'datetime';
  return undefined;
}
