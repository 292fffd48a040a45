// opdcheck widget: the hospital's policy from an opdcheck server (`init({server})`).
// Part of the widget's modules, used by `engine.js`.
//
// The same contract as the doctors' app (opdcheck-web's policy module, which the widget does
// not depend on: it would bring the app's UI framework): `GET {server}/api/v1/policy`,
// conditional on the ETag of the copy kept in this page's localStorage, so a 304 costs nothing
// and a portal opened offline checks with the policy it last saw. A cross-origin portal needs
// the server to list it in its CORS origins (the server allows If-None-Match and exposes ETag).
//
// The widget asks anonymously (`init` takes no key; `sync`'s key is per call): it gets the
// public policy, whose prescriber registry has no names and no signature ids (the server keeps
// those for signed-in callers). RX-17's registered-signature comparison is skipped on the page
// for that reason; the server's own check at sync still makes it.

/** Where a server's policy is kept on this page. */
export function storageKey(server) {
  return `opdcheck.widget.policy:${baseOf(server)}`;
}

/** `https://qc.example`, `https://qc.example/`, `…/api/v1` → the server's base. */
export function baseOf(server) {
  return String(server || '').replace(/\/+$/, '').replace(/\/api\/v1$/, '');
}

/** The cached `{policy, etag}`, or null. */
export function cached(server) {
  try {
    const c = JSON.parse(globalThis.localStorage.getItem(storageKey(server)) || 'null');
    return c && c.policy && typeof c.policy.version === 'number' ? c : null;
  } catch {
    return null;
  }
}

/** Keep `{policy, etag}` for the next visit (a full storage only costs the offline copy). */
export function keep(server, entry) {
  try { globalThis.localStorage.setItem(storageKey(server), JSON.stringify(entry)); } catch { /* ignore */ }
}

/**
 * Ask the server: `{notModified: true}` (304), `{policy, etag}` (200), or `{failed}` (offline,
 * an error status): the caller keeps what it has.
 */
export async function fetchPolicy(server, etag, doFetch = globalThis.fetch) {
  const headers = etag ? { 'If-None-Match': etag } : {};
  try {
    const res = await doFetch(`${baseOf(server)}/api/v1/policy`, { headers, credentials: 'omit', cache: 'no-cache' });
    if (res.status === 304) return { notModified: true };
    if (!res.ok) return { failed: `HTTP ${res.status}` };
    const policy = await res.json();
    if (!policy || typeof policy.version !== 'number') return { failed: 'not a policy' };
    return { policy, etag: res.headers.get('ETag') };
  } catch (e) {
    return { failed: String((e && e.message) || e) };
  }
}
