// opdcheck widget: `sync()`, pushing documents to the opdcheck API with an integrator key.
// Part of the widget's modules, re-exported by `opdcheck.js`.

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

function headersOf(options) {
  const key = options.key ?? options.apiKey;
  const headers = { 'Content-Type': 'application/json', ...(options.headers || {}) };
  if (key) headers['X-Api-Key'] = key;
  return headers;
}

/** One batch: `{res, body}`, or `{failed}` when the request did not reach the server. */
async function post(batch, options) {
  const doFetch = options.fetch || globalThis.fetch;
  try {
    const res = await doFetch(endpointOf(options.url), {
      method: 'POST',
      headers: headersOf(options),
      body: JSON.stringify({ records: batch }),
      credentials: 'omit',
      signal: options.signal,
    });
    const body = await res.json().catch(() => null);
    return { res, body };
  } catch (e) {
    return { failed: String((e && e.message) || e) };
  }
}

/** Fold one batch's answer into `out`; false when the push must stop here. */
function fold(out, { res, body }) {
  const results = body && Array.isArray(body.results) ? body.results : null;
  if (results) out.results.push(...results);
  if (res.ok) return true;
  out.ok = false;
  out.status = res.status;
  if (body && body.error) out.error = body.error;
  if (results) return true;
  if (!out.error) out.error = { code: 'http', message: `HTTP ${res.status}` };
  return false;
}

/**
 * Push documents (or `{id, version, document}` records) to `POST {url}/api/v1/records` with
 * the integrator key. Resolves, never rejects: `{ok, status, results, error?}`.
 */
export async function sync(records, options = {}) {
  const list = (Array.isArray(records) ? records : [records]).map(toRecord);
  const out = { ok: true, status: 200, results: [] };
  for (let i = 0; i < list.length; i += BATCH) {
    const answer = await post(list.slice(i, i + BATCH), options);
    if (answer.failed !== undefined) {
      return { ...out, ok: false, status: 0, error: { code: 'network', message: answer.failed } };
    }
    if (!fold(out, answer)) return out;
  }
  out.ok = out.ok && out.results.every((r) => r.status === 'created' || r.status === 'unchanged');
  return out;
}
