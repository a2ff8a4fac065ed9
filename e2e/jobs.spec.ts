import { expect, test, type APIRequestContext } from "@playwright/test";
import { storageState } from "./accounts";

/**
 * Batch jobs end to end on the real stack (`scripts/dev.ts --e2e`: PostgreSQL, development IAM, the
 * cluster simulator with Kueue and the generated queues, controller, Next.js). The simulator runs
 * job scripts in its script language (echo, sleep, exit), so logs and exit codes are real.
 */

async function cleanUp(request: APIRequestContext): Promise<void> {
  const jobs = (await (await request.get("/api/v1/jobs?state=active&pageSize=200")).json()) as { jobs: Array<{ id: string }> };
  for (const j of jobs.jobs) await request.delete(`/api/v1/jobs/${j.id}`);
  const res = await request.get("/api/v1/sessions");
  const { sessions } = (await res.json()) as { sessions: Array<{ id: string; state: string }> };
  for (const s of sessions.filter((x) => !["stopped", "failed", "stopping"].includes(x.state))) await request.delete(`/api/v1/sessions/${s.id}`);
}

async function readySession(request: APIRequestContext, name: string): Promise<string> {
  const res = await request.post("/api/v1/sessions", { data: { image: "VS Code", cpu: 1, memoryGiB: 1, name } });
  expect(res.status()).toBe(201);
  const { session } = (await res.json()) as { session: { id: string } };
  await expect
    .poll(async () => ((await (await request.get(`/api/v1/sessions/${session.id}`)).json()) as { session: { state: string } }).session.state, { timeout: 60_000 })
    .toBe("ready");
  return session.id;
}

test.describe("batch jobs: researcher", () => {
  test.use({ storageState: storageState("alice") });
  test.afterEach(async ({ page }) => cleanUp(page.request));

  test("from a running session: runs a batch job, watches it queue, run and finish, reads its logs", async ({ page }) => {
    const sessionId = await readySession(page.request, "e2e-batch");
    // Hold the one mig-3g.40gb slice so that the job submitted below has to queue.
    const blocker = await page.request.post("/api/v1/jobs", { data: { session: sessionId, script: "sleep 3600", profile: "mig-3g.40gb", cpu: 0.5, memoryGiB: 1 } });
    expect(blocker.status()).toBe(201);
    const { job: held } = (await blocker.json()) as { job: { id: string } };
    await expect.poll(async () => ((await (await page.request.get(`/api/v1/jobs/${held.id}`)).json()) as { job: { state: string } }).job.state, { timeout: 60_000 }).toBe("running");

    await page.goto(`/jobs/new?session=${sessionId}`);
    await expect(page.getByLabel("Copy from session")).toHaveValue(sessionId);
    await page.getByLabel("Script").fill("echo hello from trial $JOB_COMPLETION_INDEX\nsleep 5\necho bye");
    await page.getByLabel("GPU profile").selectOption("mig-3g.40gb");
    await page.getByLabel("CPUs per trial").fill("0.5");
    await page.getByLabel("Memory per trial (GiB)").fill("1");
    await page.getByLabel("Parallel trials").fill("1");
    await page.getByRole("button", { name: "Run as batch job" }).click();
    await expect(page).toHaveURL(/\/jobs\/[0-9a-f-]{36}$/);

    // Queued behind the blocker, with Kueue's reason in words.
    // The reason shows in the status line and, once recorded, in the history too.
    await expect(page.getByText(/Waiting for capacity: every nvidia.com\/mig-3g.40gb/).first()).toBeVisible({ timeout: 30_000 });
    await page.request.delete(`/api/v1/jobs/${held.id}`);

    await expect(page.getByRole("list").getByText("Running").first()).toBeVisible({ timeout: 60_000 });
    await expect(page.getByText("Finished: every trial exited with code 0.").first()).toBeVisible({ timeout: 60_000 });

    await page.getByLabel("Trial (completion index)").selectOption("0");
    await page.getByRole("button", { name: "Show log" }).click();
    await expect(page.getByLabel("Log of trial 0")).toContainText("hello from trial 0");
    await expect(page.getByRole("link", { name: "Download log of trial 0" })).toHaveAttribute("href", /logs\?index=0&download=1$/);

    await page.goto("/jobs");
    await page.getByLabel("Show").selectOption("succeeded");
    await expect(page.getByRole("row", { name: /echo hello from trial/ }).first()).toBeVisible();
  });

  test("bad input is shown next to the field and nothing is submitted", async ({ page }) => {
    await readySession(page.request, "e2e-batch-bad");
    await page.goto("/jobs/new");
    await page.getByLabel("Parallel trials").fill("500");
    await page.getByLabel("Script").fill("echo");
    await page.getByRole("button", { name: "Run as batch job" }).click();
    await expect(page.getByText(/parallel trials per job; choose fewer/).first()).toBeVisible();
    await expect(page).toHaveURL(/\/jobs\/new/);
  });
});

test.describe("batch jobs: cross-tenant", () => {
  test("bob cannot list, read, read logs of or cancel alice's job", async ({ browser }) => {
    const alice = await browser.newContext({ storageState: storageState("alice") });
    const bob = await browser.newContext({ storageState: storageState("bob") });
    try {
      const create = await alice.request.post("/api/v1/jobs", { data: { image: "VS Code", script: "echo private\nsleep 600", cpu: 0.5, memoryGiB: 1 } });
      expect(create.status()).toBe(201);
      const { job } = (await create.json()) as { job: { id: string } };

      const list = (await (await bob.request.get("/api/v1/jobs")).json()) as { jobs: Array<{ id: string }> };
      expect(list.jobs.map((j) => j.id)).not.toContain(job.id);
      expect((await bob.request.get(`/api/v1/jobs/${job.id}`)).status()).toBe(404);
      expect((await bob.request.get(`/api/v1/jobs/${job.id}/logs?index=0`)).status()).toBe(404);
      expect((await bob.request.delete(`/api/v1/jobs/${job.id}`)).status()).toBe(404);
      expect((await bob.request.post(`/api/v1/jobs/${job.id}/resubmit`)).status()).toBe(404);
      const bobPage = await bob.newPage();
      expect((await bobPage.goto(`/jobs/${job.id}`))?.status()).toBe(404);

      const mine = (await (await alice.request.get(`/api/v1/jobs/${job.id}`)).json()) as { job: { state: string } };
      expect(mine.job.state).not.toBe("cancelled");
      await cleanUp(alice.request);
    } finally {
      await alice.close();
      await bob.close();
    }
  });
});
