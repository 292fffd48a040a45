// opdcheck widget: document paths ("items[].dose.value" → ["items", ROW, "dose", "value"]) and
// reading and writing a document along them. Part of the widget's modules.

/** The row placeholder of a mapped list: `items[]`. */
export const ROW = '[]';

export function parsePath(path) {
  const segs = [];
  for (const part of String(path).split('.')) {
    const m = /^([^[\]]+)((?:\[\d*\])*)$/.exec(part);
    if (!m) throw new TypeError(`opdcheck.attach: bad field path "${path}"`);
    segs.push(m[1]);
    for (const idx of m[2].match(/\[\d*\]/g) || []) segs.push(idx === '[]' ? ROW : Number(idx.slice(1, -1)));
  }
  if (segs.filter((s) => s === ROW).length > 1) {
    throw new TypeError(`opdcheck.attach: "${path}": one [] per path`);
  }
  return segs;
}

export function pathString(segs) {
  let s = '';
  for (const x of segs) s += typeof x === 'number' ? `[${x}]` : (s ? '.' : '') + x;
  return s;
}

/** `items[1].dose` → `items[1]` → `items` → `` */
export function parentPath(p) {
  return p.replace(/(\.[^.[\]]+|\[\d+\]|^[^.[\]]+)$/, '');
}

export function setIn(obj, segs, value) {
  let o = obj;
  for (let i = 0; i < segs.length - 1; i++) {
    const k = segs[i];
    if (o[k] === null || typeof o[k] !== 'object') o[k] = typeof segs[i + 1] === 'number' ? [] : {};
    o = o[k];
  }
  o[segs[segs.length - 1]] = value;
}

export function getIn(obj, segs) {
  let o = obj;
  for (const k of segs) {
    if (o === null || typeof o !== 'object') return undefined;
    o = o[k];
  }
  return o;
}

export const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
