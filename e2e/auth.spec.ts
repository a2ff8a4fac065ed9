import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { storageState } from "./accounts";
import { signIn } from "./login";

test.describe("auth: researcher", () => {
  test.use({ storageState: storageState("alice") });

  test("sees their name, IAM groups and role on the home page", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Alice");
    await expect(page.getByRole("list", { name: "Your IAM groups" })).toContainText("users/ai-infn");
    await expect(page.getByLabel("Your roles")).toContainText("researcher");
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" })).toHaveCount(0);
  });

  test("gets 404 on admin pages", async ({ page }) => {
    const response = await page.goto("/admin");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  });

  test("navigation is keyboard-usable and has no serious accessibility violations", async ({ page }) => {
    await page.goto("/");
    await page.keyboard.press("Tab");
    await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  });

  test("follows the system's dark mode", async ({ page }) => {
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto("/");
    const dark = await page.locator("body").evaluate((b) => getComputedStyle(b).backgroundColor);
    await page.emulateMedia({ colorScheme: "light" });
    const light = await page.locator("body").evaluate((b) => getComputedStyle(b).backgroundColor);
    expect(dark).not.toBe(light);
  });

  test("sends security headers with a nonce-based CSP", async ({ page }) => {
    const response = await page.goto("/");
    const csp = response?.headers()["content-security-policy"] ?? "";
    expect(csp).toMatch(/script-src [^;]*'nonce-/);
    expect(csp).not.toMatch(/script-src [^;]*'unsafe-inline'/);
    expect(response?.headers()["x-frame-options"]).toBe("DENY");
    expect(response?.headers()["referrer-policy"]).toBeTruthy();
  });
});

test.describe("auth: admin", () => {
  test.use({ storageState: storageState("admin") });

  test("sees the Admin section", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByLabel("Your roles")).toContainText("admin");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Admin" })).toBeVisible();
  });
});

test.describe("auth: organiser", () => {
  test.use({ storageState: storageState("olga") });

  test("sees Events but not Admin", async ({ page }) => {
    await page.goto("/");
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link", { name: "Events" })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Admin" })).toHaveCount(0);
  });
});

test.describe("auth: anonymous", () => {
  test("a protected page sends the visitor to login and back to where they were going", async ({ page }) => {
    await signIn(page, "alice", "/usage");
    await expect(page).toHaveURL(/\/usage$/);
    await expect(page.getByRole("heading", { level: 1, name: "Usage" })).toBeVisible();
  });

  test("the outsider is refused with the group that grants access named", async ({ page }) => {
    await signIn(page, "eve");
    await expect(page.getByRole("heading", { level: 1 })).toContainText(/access/i);
    await expect(page.getByText("users/ai-infn")).toBeVisible();
    await page.goto("/");
    await expect(page).toHaveURL(/\/signin/);
  });

  test("logout clears the session", async ({ page }) => {
    await signIn(page, "bob");
    await expect(page.getByTestId("username")).toHaveText("bob");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.goto("/");
    await expect(page).toHaveURL(/\/signin/);
  });

  test("a tampered session cookie means signed out, nothing else", async ({ page, context, baseURL }) => {
    await context.addCookies([{ name: "next-auth.session-token", value: "tampered.value.here", url: baseURL! }]);
    await page.goto("/");
    await expect(page).toHaveURL(/\/signin/);
  });
});
