/**
 * `ai-hub`: the AI Hub command line, a thin wrapper around /api/v1/jobs.
 *
 *   npx tsx cli/ai-hub.ts <command> …      (or: npm run ai-hub -- <command> …)
 *
 * Reads AI_HUB_URL (the portal, e.g. https://aihub.example.org) and AI_HUB_TOKEN (an API token with
 * the jobs:read and jobs:write scopes, from Settings → API tokens). Inside a session, --session
 * defaults to the session it runs in (AI_HUB_SESSION_ID).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { CliError, submitBody } from "./cli-args";

const USAGE = `usage: ai-hub <command> [options]

  submit  --script <file|-> [--session <id|name>] [--image <name>] [--profile <key|none>]
          [--cpu N] [--memory GiB] [--trials N] [--deadline 2h] [--priority low|normal|high]
          [--workdir /path] [--name text] [--offload]
  jobs    [--state queued|running|succeeded|failed|cancelled|active|finished] [--page N]
  show    <job-id>
  logs    <job-id> [--index N] [-f|--follow]
  cancel  <job-id>
  resubmit <job-id>

environment: AI_HUB_URL, AI_HUB_TOKEN (scopes jobs:read, jobs:write)`;

function config(): { url: string; token: string } {
  const url = process.env.AI_HUB_URL?.replace(/\/+$/, "");
  const token = process.env.AI_HUB_TOKEN;
  if (!url) throw new CliError("AI_HUB_URL is not set (the portal's address, e.g. https://aihub.example.org)");
  if (!token) throw new CliError("AI_HUB_TOKEN is not set: create an API token with the jobs scopes in Settings → API tokens");
  return { url, token };
}

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  const { url, token } = config();
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) {
    const err = (await res.json().catch(() => null)) as { error?: { message?: string; fields?: Record<string, string> } } | null;
    const fields = err?.error?.fields ? Object.entries(err.error.fields).map(([k, v]) => `\n  ${k}: ${v}`).join("") : "";
    throw new CliError(`${err?.error?.message ?? `HTTP ${res.status}`}${fields}`);
  }
  return res;
}

interface JobView {
  id: string;
  name: string;
  state: string;
  message: string | null;
  trials: number;
  profileKey: string | null;
  createdAt: string;
  exitCode: number | null;
}

const out = (s: string) => process.stdout.write(`${s}\n`);

function table(jobs: JobView[]): void {
  const rows = [["ID", "STATE", "TRIALS", "PROFILE", "CREATED", "NAME"], ...jobs.map((j) => [j.id, j.state, String(j.trials), j.profileKey ?? "cpu", j.createdAt.slice(0, 19).replace("T", " "), j.name])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  "));
}

async function readScript(path: string): Promise<string> {
  if (path !== "-") return readFileSync(path, "utf8");
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      script: { type: "string" },
      session: { type: "string" },
      image: { type: "string" },
      name: { type: "string" },
      profile: { type: "string" },
      cpu: { type: "string" },
      memory: { type: "string" },
      trials: { type: "string" },
      deadline: { type: "string" },
      priority: { type: "string" },
      workdir: { type: "string" },
      offload: { type: "boolean" },
      state: { type: "string" },
      page: { type: "string" },
      index: { type: "string" },
      follow: { type: "boolean", short: "f" },
      help: { type: "boolean", short: "h" },
    },
  });
  const id = positionals[0];
  const needId = () => {
    if (!id) throw new CliError(`${command} needs a job id\n\n${USAGE}`);
    return encodeURIComponent(id);
  };
  switch (command) {
    case "submit": {
      if (!values.script) throw new CliError(`submit needs --script <file|->\n\n${USAGE}`);
      const session = values.session ?? (values.image ? undefined : process.env.AI_HUB_SESSION_ID);
      const body = submitBody({ ...values, session }, await readScript(values.script));
      const { job } = (await (await api("POST", "/jobs", body)).json()) as { job: JobView };
      out(`${job.id}  ${job.state}  ${job.message ?? ""}`);
      return;
    }
    case "jobs": {
      const q = new URLSearchParams({ ...(values.state ? { state: values.state } : {}), ...(values.page ? { page: values.page } : {}) });
      const page = (await (await api("GET", `/jobs?${q}`)).json()) as { jobs: JobView[]; page: number; total: number; pageSize: number };
      table(page.jobs);
      if (page.total > page.pageSize) out(`page ${page.page} of ${Math.ceil(page.total / page.pageSize)} (${page.total} jobs; --page N for more)`);
      return;
    }
    case "show": {
      const { job } = (await (await api("GET", `/jobs/${needId()}`)).json()) as { job: JobView & { events: Array<{ at: string; state: string; message: string }> } };
      out(`${job.id}  ${job.state}  ${job.message ?? ""}`);
      for (const e of job.events) out(`  ${e.at.slice(0, 19).replace("T", " ")}  ${e.state.padEnd(10)} ${e.message}`);
      return;
    }
    case "logs": {
      const q = new URLSearchParams({ index: values.index ?? "0", ...(values.follow ? { follow: "1" } : {}) });
      const res = await api("GET", `/jobs/${needId()}/logs?${q}`);
      if (!res.body) return;
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        process.stdout.write(value);
      }
      return;
    }
    case "cancel": {
      const { job } = (await (await api("DELETE", `/jobs/${needId()}`)).json()) as { job: JobView };
      out(`${job.id}  ${job.state}`);
      return;
    }
    case "resubmit": {
      const { job } = (await (await api("POST", `/jobs/${needId()}/resubmit`)).json()) as { job: JobView };
      out(`${job.id}  ${job.state}  (copy of ${id})`);
      return;
    }
    default:
      if (command && command !== "help" && !values.help) throw new CliError(`unknown command "${command}"\n\n${USAGE}`);
      out(USAGE);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`ai-hub: ${e instanceof CliError || e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof CliError ? 2 : 1);
});
