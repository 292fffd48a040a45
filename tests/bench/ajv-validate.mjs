// Schema-only validation of a JSONL batch of prescriptions with ajv: the yardstick of the CLI
// benchmark (budget: `opdcheck check` ≥ 2× these records/s). Run by `cargo xtask bench-cli`:
//
//   node tests/bench/ajv-validate.mjs target/bench/batch-1000000.jsonl
//
// Reads the file in 4 MiB chunks and splits lines on the newline byte (no readline, no
// streams), decodes each line, JSON.parse + validate. Prints a human line on stderr and one JSON
// line on stdout: {"records", "valid", "invalid", "parse_errors", "seconds", "records_per_s"}.

import { openSync, readSync, closeSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import Ajv from "ajv";

const ajvVersion = createRequire(import.meta.url)("ajv/package.json").version;

const file = process.argv[2];
if (!file) {
  console.error("usage: node ajv-validate.mjs FILE.jsonl");
  process.exit(2);
}

const here = dirname(fileURLToPath(import.meta.url));
const schema = JSON.parse(readFileSync(join(here, "prescription.schema.json"), "utf8"));
const t0 = performance.now();
// Fast settings: stop at the first error; no format plugins (the schema uses patterns).
const ajv = new Ajv({ allErrors: false, strict: false });
const validate = ajv.compile(schema);

let records = 0;
let valid = 0;
let invalid = 0;
let parseErrors = 0;
const firstErrors = [];

function line(buf, start, end) {
  if (end > start && buf[end - 1] === 0x0d) end--; // CRLF
  if (end <= start) return;
  records++;
  let doc;
  try {
    doc = JSON.parse(buf.toString("utf8", start, end));
  } catch (e) {
    parseErrors++;
    invalid++;
    return;
  }
  if (validate(doc)) {
    valid++;
  } else {
    invalid++;
    if (firstErrors.length < 3) firstErrors.push({ line: records, errors: validate.errors });
  }
}

const CHUNK = 4 << 20;
const fd = openSync(file, "r");
let buf = Buffer.allocUnsafe(CHUNK);
let filled = 0; // bytes of buf in use (a partial line carried over, then new data)
for (;;) {
  if (filled === buf.length) {
    // A line longer than the buffer: grow.
    const bigger = Buffer.allocUnsafe(buf.length * 2);
    buf.copy(bigger, 0, 0, filled);
    buf = bigger;
  }
  const n = readSync(fd, buf, filled, buf.length - filled, null);
  const end = filled + n;
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl === -1 || nl >= end) break;
    line(buf, start, nl);
    start = nl + 1;
  }
  if (n === 0) {
    line(buf, start, end); // last line without a newline
    break;
  }
  // Carry the partial line to the front.
  buf.copy(buf, 0, start, end);
  filled = end - start;
}
closeSync(fd);

const seconds = (performance.now() - t0) / 1000;
const rate = records / seconds;
console.error(
  `ajv ${ajvVersion}: ${records} records (${valid} valid, ${invalid} invalid, ` +
    `${parseErrors} not JSON) in ${seconds.toFixed(2)} s: ${Math.round(rate)} records/s`,
);
for (const e of firstErrors) console.error(`  line ${e.line}: ${JSON.stringify(e.errors)}`);
console.log(
  JSON.stringify({
    records,
    valid,
    invalid,
    parse_errors: parseErrors,
    seconds: Number(seconds.toFixed(3)),
    records_per_s: Math.round(rate),
  }),
);
