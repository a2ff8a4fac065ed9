/**
 * Kubernetes resource quantities as numbers in base units ("500m" -> 0.5, "1Gi" -> 1073741824).
 * Private to the runtime until sim/store/quantity.ts lands; returns NaN for a malformed quantity.
 */
const suffixes: Record<string, number> = {
  "": 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const re = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei))?$/;

export function parseQuantity(s: string | number): number {
  if (typeof s === "number") return s;
  const m = re.exec(s.trim());
  if (!m) return NaN;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  return base * (suffixes[m[3] ?? ""] ?? NaN);
}

/** Integer amount used for fit arithmetic: CPU in millicores, everything else rounded up to units. */
export function resourceAmount(resource: string, q: string | number): number {
  const v = parseQuantity(q);
  if (Number.isNaN(v)) return 0;
  return resource === "cpu" ? Math.ceil(v * 1000 - 1e-9) : Math.ceil(v - 1e-9);
}
