/**
 * The JSONPath subset that CRD printer columns use (k8s.io/client-go/util/jsonpath without the
 * template syntax): `.a.b`, `['a.b']`, `[0]`, `[-1]`, `[*]`, and filters `[?(@.type=="Admitted")]`,
 * `[?(@.x!='y')]`, `[?(@.ready)]` on a relative path. Unsupported syntax matches nothing, as a
 * column whose path does not resolve prints `<none>`.
 */
type Step = { key: string } | { index: number } | { all: true } | { filter: { path: Step[]; op?: "==" | "!="; value?: string } };

const cache = new Map<string, Step[] | null>();

function parse(path: string): Step[] | null {
  const steps: Step[] = [];
  let i = path.startsWith("{") && path.endsWith("}") ? 1 : 0;
  const end = i ? path.length - 1 : path.length;
  if (path[i] === "@" || path[i] === "$") i++;
  while (i < end) {
    if (path[i] === ".") {
      const m = /^\.([A-Za-z0-9_\-/]+|\*)/.exec(path.slice(i, end));
      if (!m) return null;
      steps.push(m[1] === "*" ? { all: true } : { key: m[1]! });
      i += m[0].length;
    } else if (path[i] === "[") {
      const close = matchBracket(path, i);
      if (close < 0 || close >= end) return null;
      const inner = path.slice(i + 1, close).trim();
      i = close + 1;
      if (inner === "*") steps.push({ all: true });
      else if (/^-?\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (/^'[^']*'$|^"[^"]*"$/.test(inner)) steps.push({ key: inner.slice(1, -1) });
      else if (inner.startsWith("?(") && inner.endsWith(")")) {
        const m = /^@((?:\.[A-Za-z0-9_\-/]+|\['[^']*'\])+)\s*(?:(==|!=)\s*(?:'([^']*)'|"([^"]*)"|(-?[\w.]+)))?$/.exec(inner.slice(2, -1).trim());
        if (!m) return null;
        const sub = parse(m[1]!);
        if (!sub) return null;
        steps.push({ filter: { path: sub, op: m[2] as "==" | "!=" | undefined, value: m[3] ?? m[4] ?? m[5] } });
      } else return null;
    } else return null;
  }
  return steps;
}

function matchBracket(s: string, open: number): number {
  let depth = 0;
  let quote = "";
  for (let i = open; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "[") depth++;
    else if (c === "]" && --depth === 0) return i;
  }
  return -1;
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v && typeof v === "object") return Object.values(v);
  return [];
}

function text(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

function walk(values: unknown[], steps: Step[]): unknown[] {
  let cur = values;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if ("key" in step) {
        if (v && typeof v === "object" && !Array.isArray(v) && (v as Record<string, unknown>)[step.key] !== undefined) next.push((v as Record<string, unknown>)[step.key]);
      } else if ("index" in step) {
        if (Array.isArray(v)) {
          const x = v[step.index < 0 ? v.length + step.index : step.index];
          if (x !== undefined) next.push(x);
        }
      } else if ("all" in step) next.push(...children(v));
      else {
        const f = step.filter;
        for (const item of children(v)) {
          const found = walk([item], f.path).filter((x) => x !== null);
          const ok = f.op === undefined ? found.length > 0 : found.length > 0 && (f.op === "==") === (text(found[0]) === f.value);
          if (ok) next.push(item);
        }
      }
    }
    cur = next;
  }
  return cur;
}

/** Every value `path` selects in `o` (an empty list when none or when the syntax is unsupported). */
export function jsonPathValues(o: unknown, path: string): unknown[] {
  let steps = cache.get(path);
  if (steps === undefined) {
    steps = parse(path.trim());
    cache.set(path, steps);
  }
  return steps ? walk([o], steps) : [];
}

/** The first value, as the API server's CRD table convertor prints (`<none>` when undefined). */
export function jsonPathValue(o: unknown, path: string): unknown {
  const v = jsonPathValues(o, path)[0];
  return v === null ? undefined : v;
}
