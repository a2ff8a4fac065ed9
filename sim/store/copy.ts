/**
 * Deep copy of a JSON value (objects, arrays, strings, numbers, booleans, null; `undefined`
 * properties are kept as they are by structuredClone). Stored objects are plain JSON, and this
 * is several times faster than structuredClone, which profiled as the store's main CPU cost.
 */
export function deepCopy<T>(v: T): T {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) {
    const n = v.length;
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = deepCopy(v[i]);
    return out as T;
  }
  const src = v as Record<string, unknown>;
  if (Object.getPrototypeOf(src) !== Object.prototype && Object.getPrototypeOf(src) !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k in src) out[k] = deepCopy(src[k]);
  return out as T;
}

/**
 * Deep equality of JSON values as their canonical JSON would compare: object key order does not
 * matter, `undefined` properties count as absent, and `undefined` equals `null` elsewhere.
 * Stops at the first difference instead of serialising both sides.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null || b === undefined || b === null) return (a ?? null) === (b ?? null);
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (x[k] === undefined) continue;
    n++;
    if (y[k] === undefined || !jsonEqual(x[k], y[k])) return false;
  }
  for (const k in y) if (y[k] !== undefined) n--;
  return n === 0;
}

/** Freezes a stored object and everything in it, so a reader that shares it cannot change it. */
export function deepFreeze<T>(v: T): T {
  if (typeof v !== "object" || v === null || Object.isFrozen(v)) return v;
  Object.freeze(v);
  for (const k in v as Record<string, unknown>) deepFreeze((v as Record<string, unknown>)[k]);
  return v;
}
