import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { storageState } from "./accounts";
import { baseURL } from "../playwright.config";

/**
 * Sessions end to end: the real stack (`scripts/dev.ts --e2e`: PostgreSQL, development IAM, the
 * cluster simulator with Kueue, controller, proxy, Next.js). The simulator runs the Debian
 * jupyter-notebook server for JupyterLab images, so "ready" means a real server answered.
 */

async function stopAllSessions(request: APIRequestContext): Promise<void> {
  const res = await request.get("/api/v1/sessions");
  const { sessions } = (await res.json()) as { sessions: Array<{ id: string; state: string }> };
  for (const s of sessions.filter((x) => !["stopped", "failed", "stopping"].includes(x.state))) {
    await request.delete(`/api/v1/sessions/${s.id}`);
  }
}

async function spawnJupyterOnMig(page: Page, name: string): Promise<string> {
  await page.goto("/sessions/new");
  await page.getByLabel("Image").selectOption({ label: "JupyterLab (SciPy) (JupyterLab)" });
  await page.getByRole("radio", { name: /^mig-1g\.10gb:/ }).check();
  await page.getByLabel("Session name (optional)").fill(name);
  await page.getByRole("button", { name: "Start session" }).click();
  await expect(page).toHaveURL(/\/sessions\/[0-9a-f-]{36}$/);
  return page.url().split("/").pop()!;
}

test.describe("sessions: researcher", () => {
  test.use({ storageState: storageState("alice") });
  test.afterEach(async ({ page }) => stopAllSessions(page.request));

  test("spawns JupyterLab on mig-1g.10gb, watches the progress reach ready, stops it", async ({ page }) => {
    await page.goto("/sessions/new");
    // Live capacity is shown for each profile the user may use.
    await expect(page.getByRole("radio", { name: /^mig-1g\.10gb: .*free/ })).toBeVisible();
    // The whole A100 is for administrators only: not offered to a researcher.
    await expect(page.getByRole("radio", { name: /^a100:/ })).toHaveCount(0);

    // Unique per attempt: stopped sessions stay listed for a day.
    const name = `lab-${Date.now().toString(36)}`;
    await spawnJupyterOnMig(page, name);
    const bar = page.getByRole("progressbar", { name: "Session start progress" });
    await expect(bar).toHaveAttribute("aria-valuenow", "100", { timeout: 60_000 });
    await expect(page.getByText("Your session is ready.")).toBeVisible();
    await expect(page.getByRole("link", { name: "Open" })).toHaveAttribute("href", `/user/alice/${name}/`);
    // A GPU session's detail page charts its GPU (or says why metrics are unavailable).
    const chart = page.getByRole("figure", { name: /GPU activity and memory/ });
    await expect(chart).toBeVisible();
    await expect(chart.locator(".recharts-wrapper").or(chart.getByText(/^Metrics unavailable: /))).toBeVisible({ timeout: 30_000 });

    await page.goto("/sessions");
    const row = page.getByRole("row", { name: new RegExp(name) });
    await expect(row.getByText("Ready")).toBeVisible();
    await expect(row).toContainText("A100 MIG 1g.10gb");
    await row.getByRole("button", { name: `Stop ${name}` }).click();
    await expect(row.getByText("Stopped")).toBeVisible({ timeout: 30_000 });
  });

  test("the spawn form charges the default group unless another of the user's groups is chosen", async ({ page }) => {
    await page.goto("/sessions/new");
    const select = page.getByLabel("Charge to group");
    await expect(select).toBeVisible();
    const options = await select.locator("option").allTextContents();
    expect(options.length).toBeGreaterThan(0);
    expect(options).toContain(await select.inputValue());
    // The API refuses a group the caller is not in, naming the field; nothing is created.
    const before = ((await (await page.request.get("/api/v1/sessions")).json()) as { sessions: unknown[] }).sessions.length;
    const refused = await page.request.post("/api/v1/sessions", { data: { image: "VS Code", cpu: 1, memoryGiB: 1, chargeGroup: "not-a-group-of-alice" } });
    expect(refused.status()).toBe(400);
    expect(((await refused.json()) as { error: { fields: Record<string, string> } }).error.fields.chargeGroup).toContain("not a member of group not-a-group-of-alice");
    expect(((await (await page.request.get("/api/v1/sessions")).json()) as { sessions: unknown[] }).sessions.length).toBe(before);
  });

  test("a bad session name is shown next to the field and nothing starts", async ({ page }) => {
    await page.goto("/sessions/new");
    await page.getByLabel("Session name (optional)").fill("-bad-");
    await page.getByRole("button", { name: "Start session" }).click();
    await expect(page.getByText(/lowercase letters, digits and '-'/).first()).toBeVisible();
    await expect(page).toHaveURL(/\/sessions\/new$/);
  });
});

test.describe("sessions: cross-tenant", () => {
  test("bob cannot see, stop or stream alice's session, and is refused a profile his groups may not use", async ({ browser }) => {
    const alice = await browser.newContext({ storageState: storageState("alice") });
    const bob = await browser.newContext({ storageState: storageState("bob") });
    try {
      const create = await alice.request.post("/api/v1/sessions", { data: { image: "VS Code", cpu: 1, memoryGiB: 1, name: `private-${Date.now().toString(36)}` } });
      expect(create.status()).toBe(201);
      const { session } = (await create.json()) as { session: { id: string } };

      const bobPage = await bob.newPage();
      await bobPage.goto("/sessions");
      await expect(bobPage.getByRole("row", { name: /private-/ })).toHaveCount(0);
      expect((await bobPage.goto(`/sessions/${session.id}`))?.status()).toBe(404);

      expect((await bob.request.get(`/api/v1/sessions/${session.id}`)).status()).toBe(404);
      expect((await bob.request.delete(`/api/v1/sessions/${session.id}`)).status()).toBe(404);
      expect((await bob.request.get(`/api/v1/sessions/${session.id}/events`)).status()).toBe(404);
      const list = (await (await bob.request.get("/api/v1/sessions")).json()) as { sessions: Array<{ id: string }> };
      expect(list.sessions.map((s) => s.id)).not.toContain(session.id);
      // Alice's session is untouched by bob's attempts.
      const mine = (await (await alice.request.get(`/api/v1/sessions/${session.id}`)).json()) as { session: { state: string } };
      expect(mine.session.state).not.toMatch(/stopping|stopped/);

      const refused = await bob.request.post("/api/v1/sessions", { data: { image: "VS Code", profile: "a100", cpu: 1, memoryGiB: 1 } });
      expect(refused.status()).toBe(403);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("not available to your groups");

      await stopAllSessions(alice.request);
    } finally {
      await alice.close();
      await bob.close();
    }
  });
});

test.describe("sessions: API with a token", () => {
  test.use({ storageState: storageState("alice") });

  test("a token is created in the UI and shown once, reads the profiles with free/total, and stops working when revoked in the UI", async ({ page, playwright }) => {
    const name = `e2e-ui-${Date.now().toString(36)}`;
    await page.goto("/settings/tokens");
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Expires after (days)").fill("7");
    await page.getByRole("button", { name: "Create token" }).click();
    await expect(page.getByRole("status")).toContainText("shown only once");
    const token = (await page.getByTestId("new-token").textContent())!.trim();
    const row = page.getByRole("listitem").filter({ hasText: name });
    await expect(row).toContainText("sessions:read, sessions:write");
    await expect(row).toContainText("expires");
    // Listed by its prefix only: after a reload the token itself is nowhere on the page.
    await page.reload();
    await expect(page.getByRole("listitem").filter({ hasText: name })).toBeVisible();
    expect(await page.content()).not.toContain(token);

    const api = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] }, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
    try {
      const res = await api.get("/api/v1/profiles");
      expect(res.status()).toBe(200);
      const { profiles } = (await res.json()) as { profiles: Array<{ key: string; capacity: { free: number; total: number; queued: number } | null }> };
      const mig = profiles.find((p) => p.key === "mig-1g.10gb");
      expect(mig?.capacity?.total).toBeGreaterThan(0);
      expect(mig!.capacity!.free).toBeLessThanOrEqual(mig!.capacity!.total);
      expect(typeof mig!.capacity!.queued).toBe("number");
      // alice is not in the admins group the whole A100 is reserved for.
      expect(profiles.map((p) => p.key)).not.toContain("a100");

      await page.getByRole("button", { name: `Revoke ${name}` }).click();
      await expect(page.getByRole("listitem").filter({ hasText: name })).toContainText("revoked");
      expect((await api.get("/api/v1/profiles")).status()).toBe(401);
    } finally {
      await api.dispose();
    }
  });

  test("who is asking is checked before the body, scopes are enforced, and an Idempotency-Key makes one session", async ({ page, playwright }) => {
    const mint = async (scopes: string[]) => {
      const res = await page.request.post("/api/v1/tokens", { data: { name: `e2e-spawn-${Date.now().toString(36)}`, scopes } });
      expect(res.status()).toBe(201);
      return ((await res.json()) as { token: string }).token;
    };
    const readOnly = await mint(["sessions:read"]);
    const readWrite = await mint(["sessions:read", "sessions:write"]);
    // A client with no cookies, as a script is (an empty storage state: not the project's alice).
    const api = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
    const post = (token: string | null, data: string, headers: Record<string, string> = {}) =>
      // The body as bytes: a string would be sent JSON-encoded.
      api.post("/api/v1/sessions", { data: Buffer.from(data), headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
    try {
      // Spawns wait their turn before the caller is checked; the order of the answers stays: 401 first.
      expect((await post(null, "{not json")).status()).toBe(401);
      expect((await post("aih_not-a-real-token", "{not json")).status()).toBe(401);
      const noScope = await post(readOnly, JSON.stringify({ image: "VS Code", cpu: 1, memoryGiB: 1 }));
      expect(noScope.status()).toBe(403);
      expect(((await noScope.json()) as { error: { message: string } }).error.message).toContain("sessions:write");
      const malformed = await post(readWrite, "{not json");
      expect(malformed.status()).toBe(400);
      expect(((await malformed.json()) as { error: { message: string } }).error.message).toContain("valid JSON");

      const body = JSON.stringify({ image: "VS Code", cpu: 1, memoryGiB: 1, name: `tok-${Date.now().toString(36)}` });
      const key = { "idempotency-key": `e2e-${Date.now().toString(36)}` };
      const first = await post(readWrite, body, key);
      expect(first.status()).toBe(201);
      const again = await post(readWrite, body, key);
      expect(again.status()).toBe(200);
      const a = ((await first.json()) as { session: { id: string } }).session.id;
      expect(((await again.json()) as { session: { id: string } }).session.id).toBe(a);
      const list = (await (await api.get("/api/v1/sessions", { headers: { authorization: `Bearer ${readOnly}` } })).json()) as { sessions: Array<{ id: string }> };
      expect(list.sessions.filter((s) => s.id === a)).toHaveLength(1);
    } finally {
      await stopAllSessions(page.request);
      await api.dispose();
    }
  });
});
