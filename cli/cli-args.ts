/**
 * Pure parts of the `ai-hub` CLI: durations and the submit body. Unit-tested; no I/O.
 */

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A mistake in how the command was called: printed without a stack, exit code 2. */
export class CliError extends Error {}

/** "90", "90s", "45m", "2h", "1d", "1h30m" → seconds; throws on anything else. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const parts = [...t.matchAll(/(\d+(?:\.\d+)?)([smhd])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== t) throw new CliError(`"${text}" is not a duration; use e.g. 90s, 45m, 2h or 1d`);
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]!]!, 0));
}

export interface SubmitFlags {
  session?: string | undefined;
  image?: string | undefined;
  name?: string | undefined;
  profile?: string | undefined;
  cpu?: string | undefined;
  memory?: string | undefined;
  trials?: string | undefined;
  deadline?: string | undefined;
  priority?: string | undefined;
  workdir?: string | undefined;
  offload?: boolean | undefined;
}

/** The POST /api/v1/jobs body from the flags and the script text. `--profile none` means CPU only. */
export function submitBody(flags: SubmitFlags, script: string): Record<string, unknown> {
  const num = (v: string | undefined, what: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new CliError(`--${what} must be a number, not "${v}"`);
    return n;
  };
  const memory = flags.memory?.replace(/\s*gi?b?$/i, "");
  const body: Record<string, unknown> = {
    script,
    ...(flags.session ? { session: flags.session } : {}),
    ...(flags.image ? { image: flags.image } : {}),
    ...(flags.name ? { name: flags.name } : {}),
    ...(flags.profile !== undefined ? { profile: flags.profile === "none" || flags.profile === "cpu" ? null : flags.profile } : {}),
    ...(flags.cpu !== undefined ? { cpu: num(flags.cpu, "cpu") } : {}),
    ...(memory !== undefined ? { memoryGiB: num(memory, "memory") } : {}),
    ...(flags.trials !== undefined ? { trials: num(flags.trials, "trials") } : {}),
    ...(flags.deadline !== undefined ? { deadlineSeconds: parseDuration(flags.deadline) } : {}),
    ...(flags.priority ? { priority: flags.priority } : {}),
    ...(flags.workdir ? { workingDir: flags.workdir } : {}),
    target: flags.offload ? "offload" : "local",
  };
  return body;
}
