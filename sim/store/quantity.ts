/**
 * Kubernetes resource quantities ("500m", "1.5Gi", "2e3") as numbers in base units, for validation
 * here and fit arithmetic in the scheduler. Floating point is precise enough for the magnitudes a
 * cluster uses (up to exabytes, down to nanocores).
 */
const multipliers: Record<string, number> = {
  "": 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
// The grammar of k8s.io/apimachinery/pkg/api/resource: sign, digits with optional fraction, then a
// binary/decimal suffix or a decimal exponent.
const quantityRe = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

// A cluster uses a handful of distinct quantity strings, parsed again on every scheduling pass.
const parsed = new Map<string, number>();
const PARSED_MAX = 10_000;

/** The value in base units (cores, bytes, devices); NaN when `s` is not a quantity. */
export function parseQuantity(s: string | number): number {
  if (typeof s === "number") return Number.isFinite(s) ? s : NaN;
  if (typeof s !== "string") return NaN;
  const hit = parsed.get(s);
  if (hit !== undefined) return hit;
  const m = quantityRe.exec(s);
  const v = !m ? NaN : m[2] ? Number(m[1]) * 10 ** Number(m[2].slice(1)) : Number(m[1]) * (multipliers[m[3] ?? ""] ?? NaN);
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(s, v);
  return v;
}

export function isValidQuantity(s: unknown): boolean {
  return (typeof s === "string" || typeof s === "number") && !Number.isNaN(parseQuantity(s));
}

const binary: [string, number][] = [["Ei", 2 ** 60], ["Pi", 2 ** 50], ["Ti", 2 ** 40], ["Gi", 2 ** 30], ["Mi", 2 ** 20], ["Ki", 2 ** 10]];
const decimal: [string, number][] = [["E", 1e18], ["P", 1e15], ["T", 1e12], ["G", 1e9], ["M", 1e6], ["k", 1e3], ["", 1], ["m", 1e-3], ["u", 1e-6], ["n", 1e-9]];

/**
 * Canonical text for a value: the largest suffix that divides it exactly, as the API server
 * prints quantities ("1073741824" -> "1Gi" in BinarySI, "0.1" -> "100m").
 */
export function formatQuantity(value: number, format: "BinarySI" | "DecimalSI" = "DecimalSI"): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite quantity: ${value}`);
  if (value === 0) return "0";
  if (format === "BinarySI" && Number.isInteger(value)) {
    for (const [suffix, mult] of binary) {
      if (Math.abs(value) >= mult && value % mult === 0) return `${value / mult}${suffix}`;
    }
    if (Math.abs(value) < 1024) return String(value);
  }
  for (const [suffix, mult] of decimal) {
    const scaled = value / mult;
    // Tolerate floating-point noise from the division (0.1 / 1e-3 = 100.00000000000001).
    const rounded = Math.round(scaled);
    if (Math.abs(scaled) >= 1 && Math.abs(scaled - rounded) < 1e-9 * Math.max(1, Math.abs(scaled))) return `${rounded}${suffix}`;
  }
  // Below a nanounit the API server rounds up to 1n.
  return value > 0 ? "1n" : "-1n";
}
