import { spawn } from "node:child_process";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { storageState } from "./accounts";
import { baseURL } from "../playwright.config";

/**
 * The Queues page and the `ai-hub` command line against the real stack (Kueue in the simulator,
 * the Next.js API): what a researcher sees of the queues while a job borrows a GPU, and a job
 * submitted, followed, read and refused from a terminal with an API token, as inside a session.
 */

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `ai-hub <args>` as a user would in a terminal (AI_HUB_URL, AI_HUB_TOKEN). */
function aiHub(args: string[], env: Record<string, string>, stdin = ""): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", "cli/ai-hub.ts", ...args], { env: { ...process.env, AI_HUB_URL: "", AI_HUB_TOKEN: "", ...env } });
    let stdout = "";
    let stderr = "";
    p.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    p.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    p.on("error", reject);
    p.on("close", (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(stdin);
  });
}

async function cancelActiveJobs(request: APIRequestContext): Promise<void> {
  const jobs = (await (await request.get("/api/v1/jobs?state=active&pageSize=200")).json()) as { jobs: Array<{ id: string }> };
  for (const j of jobs.jobs) await request.delete(`/api/v1/jobs/${j.id}`);
}

test.describe("queues and the command line", () => {
  test.use({ storageState: storageState("alice") });
  test.afterEach(async ({ page }) => cancelActiveJobs(page.request));

  test("the Queues page shows each ClusterQueue's quota, and a batch job borrowing a GPU as it happens", async ({ page }) => {
    await page.goto("/queues");
    const interactive = page.getByRole("region", { name: "interactive" });
    const batch = page.getByRole("region", { name: "batch" });
    await expect(interactive).toBeVisible();
    await expect(batch).toBeVisible();
    const row = (queue: typeof batch) => queue.getByRole("row").filter({ has: page.getByRole("cell", { name: "nvidia.com/mig-1g.10gb", exact: true }) });
    // interactive holds the slices; batch holds none of its own and borrows.
    await expect(row(interactive).getByRole("cell").nth(2)).toHaveText(/^[1-9]\d*$/);
    await expect(row(batch).getByRole("cell").nth(2)).toHaveText(/^0/);
    await expect(row(batch).getByRole("cell").nth(3)).toHaveText("0");

    const submitted = await page.request.post("/api/v1/jobs", { data: { image: "VS Code", script: "sleep 3600", profile: "mig-1g.10gb", cpu: 0.5, memoryGiB: 1 } });
    expect(submitted.status()).toBe(201);
    // The page refreshes itself: the slice shows in use and borrowed by batch, without a reload.
    await expect(row(batch).getByRole("cell").nth(3)).toHaveText("1", { timeout: 30_000 });
    await expect(row(batch).getByRole("cell").nth(4)).toHaveText("1");
    await expect(batch.getByText(/^1 admitted$/)).toBeVisible();
  });

  test("ai-hub submit, show, logs, jobs and cancel from a terminal with an API token", async ({ page }) => {
    test.setTimeout(120_000);
    const created = await page.request.post("/api/v1/tokens", { data: { name: `e2e-cli-${Date.now().toString(36)}`, scopes: ["jobs:read", "jobs:write"] } });
    expect(created.status()).toBe(201);
    const { token } = (await created.json()) as { token: string };
    const env = { AI_HUB_URL: baseURL, AI_HUB_TOKEN: token };

    const noToken = await aiHub(["jobs"], { AI_HUB_URL: baseURL });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/AI_HUB_TOKEN is not set/);

    const bad = await aiHub(["submit", "--script", "-", "--image", "VS Code", "--trials", "many"], env, "echo x\n");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--trials must be a number/);

    const submit = await aiHub(["submit", "--script", "-", "--image", "VS Code", "--profile", "none", "--cpu", "0.5", "--memory", "1"], env, "echo hello from the terminal\nexit 0\n");
    expect(submit.stderr).toBe("");
    expect(submit.code).toBe(0);
    const id = submit.stdout.split(/\s+/)[0]!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    await expect.poll(async () => (await aiHub(["show", id], env)).stdout.split(/\s+/)[1], { timeout: 90_000, intervals: [1000] }).toBe("succeeded");
    // The history: submitted first, succeeded last (a job this short may finish between two
    // observations, so a "running" line is not required).
    const history = (await aiHub(["show", id], env)).stdout.trim().split("\n").slice(1);
    expect(history[0]).toMatch(/submitted\s+Submitted\./);
    expect(history.at(-1)).toMatch(/succeeded\s+Finished: every trial exited with code 0\./);

    const logs = await aiHub(["logs", id], env);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain("hello from the terminal");

    const list = await aiHub(["jobs", "--state", "finished"], env);
    expect(list.code).toBe(0);
    expect(list.stdout.split("\n")[0]).toMatch(/^ID\s+STATE\s+TRIALS/);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+succeeded`));

    const cancel = await aiHub(["cancel", id], env);
    expect(cancel.code).toBe(2);
    expect(cancel.stderr).toMatch(/already succeeded; there is nothing to cancel/);

    // A job that is not the caller's (or does not exist) is refused with the API's message.
    const other = await aiHub(["show", "00000000-0000-4000-8000-000000000000"], env);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/^ai-hub: /);
  });
});
