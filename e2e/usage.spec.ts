import { readFile } from "node:fs/promises";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { storageState } from "./accounts";

/**
 * Usage end to end, from what a real spawn produces (the e2e stack exposes no database to the
 * spec, and production code has no test-only API): alice runs a mig-1g.10gb session and stops
 * it; the controller's usage records (controller/usage-controller.ts, wired in controller/main.ts)
 * make her usage non-zero. Then: bob sees only his own usage; the admin sees alice's, and the CSV
 * the admin downloads has the totals the page shows.
 */

const fmt = (h: number) => h.toLocaleString("en-US", { maximumFractionDigits: 2 });

async function total(request: APIRequestContext, query = ""): Promise<number> {
  const r = await request.get(`/api/v1/usage?groupBy=day&by=profile${query}`);
  expect(r.status()).toBe(200);
  return ((await r.json()) as { total: number }).total;
}

test.describe.serial("usage", () => {
  test("a stopped GPU session shows in its owner's usage, not in another researcher's", async ({ browser }) => {
    test.setTimeout(180_000);
    const alice = await browser.newContext({ storageState: storageState("alice") });
    const bob = await browser.newContext({ storageState: storageState("bob") });
    try {
      const create = await alice.request.post("/api/v1/sessions", { data: { image: "VS Code", profile: "mig-1g.10gb", cpu: 1, memoryGiB: 1, name: `usage-${Date.now().toString(36)}` } });
      expect(create.status()).toBe(201);
      const { session } = (await create.json()) as { session: { id: string } };
      await expect.poll(async () => ((await (await alice.request.get(`/api/v1/sessions/${session.id}`)).json()) as { session: { state: string } }).session.state, { timeout: 90_000 }).toBe("ready");
      // The open record counts up to now: usage is above zero while the session runs.
      await expect.poll(() => total(alice.request), { timeout: 30_000 }).toBeGreaterThan(0);
      expect((await alice.request.delete(`/api/v1/sessions/${session.id}`)).status()).toBeLessThan(300);
      // Closed: two reads in a row agree (an open record would have grown in between).
      await expect.poll(async () => {
        const a = await total(alice.request);
        const b = await total(alice.request);
        return a > 0 && a === b;
      }, { timeout: 60_000 }).toBe(true);

      const page = await alice.newPage();
      await page.goto("/usage");
      await expect(page.getByRole("heading", { name: "Usage", level: 1 })).toBeVisible();
      await expect(page.getByTestId("usage-total")).toHaveText(fmt(await total(alice.request)));
      await expect(page.getByRole("figure", { name: /A100-hours by day/ })).toBeVisible();

      // Bob: none of alice's usage, and no way to ask for it.
      expect((await bob.request.get("/api/v1/usage?by=profile")).status()).toBe(200);
      expect((await bob.request.get("/api/v1/usage?user=alice")).status()).toBe(403);
      const bobPage = await bob.newPage();
      await bobPage.goto("/usage");
      await expect(bobPage.getByTestId("usage-total")).toHaveText(fmt(await total(bob.request)));
      expect((await bobPage.goto("/admin/usage"))?.status()).toBe(404);
      // Bad input says which field.
      const bad = await alice.request.get("/api/v1/usage?from=2026-03-10&to=2026-03-01");
      expect(bad.status()).toBe(400);
      expect(((await bad.json()) as { error: { fields: Record<string, string> } }).error.fields.to).toMatch(/before from/);
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  test("an admin sees everyone's usage and downloads a CSV whose totals match the page", async ({ browser }) => {
    const admin = await browser.newContext({ storageState: storageState("admin") });
    try {
      const page = await admin.newPage();
      await page.goto("/admin/usage?by=user");
      const aliceTotal = page.getByTestId("total-alice");
      await expect(aliceTotal).toBeVisible();
      const pageTotal = await page.getByTestId("usage-total").innerText();
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download CSV" }).click()]);
      const csv = await readFile((await download.path())!, "utf8");
      const lines = csv.trim().split(/\r?\n/);
      const csvTotal = Number(lines.at(-1)!.split(",")[2]);
      expect(lines.at(-1)).toMatch(/^total,all,/);
      expect(fmt(csvTotal)).toBe(pageTotal);
      const aliceLine = lines.find((l) => l.startsWith("total,alice,"));
      expect(fmt(Number(aliceLine!.split(",")[2]))).toBe(await aliceTotal.innerText());
      // The per-row values add up to the total line.
      const sum = lines.slice(1).filter((l) => !l.startsWith("total,")).reduce((s, l) => s + Number(l.split(",")[2]), 0);
      expect(sum).toBeCloseTo(csvTotal, 2);
    } finally {
      await admin.close();
    }
  });
  test("an admin's budget warns the group's members on the usage and spawn pages, and GPU spawns are refused", async ({ browser }) => {
    const admin = await browser.newContext({ storageState: storageState("admin") });
    const alice = await browser.newContext({ storageState: storageState("alice") });
    const group = "users/ai-infn";
    const del = (p: Page) => p.getByRole("button", { name: `Delete the budget of ${group} (all)` });
    const adminPage = await admin.newPage();
    try {
      await adminPage.goto("/admin/budgets");
      const form = adminPage.getByRole("form", { name: "Set a budget" });
      // A bad number is refused next to its field, and nothing is saved.
      await form.getByLabel("Group").fill(group);
      await form.getByLabel("Monthly budget (hours)").fill("ten");
      await form.getByRole("button", { name: "Save budget" }).click();
      await expect(form.getByRole("alert")).toHaveText("Correct the highlighted fields.");
      await expect(form.getByText(/must be a number of hours/)).toBeVisible();
      // What was typed is still there to correct.
      await expect(form.getByLabel("Group")).toHaveValue(group);
      await expect(form.getByLabel("Monthly budget (hours)")).toHaveValue("ten");
      await expect(del(adminPage)).toHaveCount(0);
      // A zero budget: whatever the group used this month is 100 % of it (≥ 80 % warns).
      await form.getByLabel("Monthly budget (hours)").fill("0");
      await form.getByRole("button", { name: "Save budget" }).click();
      await expect(form.getByRole("status")).toHaveText("Budget saved.");
      await expect(del(adminPage)).toBeVisible();

      const page = await alice.newPage();
      const banner = new RegExp(`^Budget: Group ${group.replace("/", "\\/")} has used [\\d.,]+ of 0 A100-hours this month \\(100 %\\)\\.$`);
      await page.goto("/usage");
      await expect(page.getByRole("status").filter({ hasText: /^Budget:/ })).toHaveText(banner);
      await page.goto("/sessions/new");
      await expect(page.getByRole("status").filter({ hasText: /^Budget:/ })).toHaveText(banner);
      const refused = await alice.request.post("/api/v1/sessions", { data: { image: "VS Code", profile: "mig-1g.10gb", cpu: 1, memoryGiB: 1 } });
      expect(refused.status()).toBeGreaterThanOrEqual(400);
      expect(refused.status()).toBeLessThan(500);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/users\/ai-infn has used .* of 0 A100-hours this month; ask an administrator/);

      // Deleted: the banner goes and GPU spawns are allowed again (checked by the page, not a spawn).
      await del(adminPage).click();
      await expect(del(adminPage)).toHaveCount(0);
      await page.goto("/usage");
      await expect(page.getByRole("heading", { name: "Usage", level: 1 })).toBeVisible();
      await expect(page.getByRole("status").filter({ hasText: /^Budget:/ })).toHaveCount(0);
    } finally {
      // Never leave the budget behind for other specs, whatever failed above.
      await adminPage.goto("/admin/budgets");
      if (await del(adminPage).count()) await del(adminPage).click();
      await admin.close();
      await alice.close();
    }
  });
});
