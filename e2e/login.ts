import { expect, type Page } from "@playwright/test";
import { password } from "./accounts";

/** Signs in through the real OIDC flow: portal sign-in page → development IAM login form → back. */
export async function signIn(page: Page, username: string, startAt = "/") {
  await page.goto(startAt);
  await expect(page).toHaveURL(/\/signin/);
  await page.getByRole("button", { name: /sign in with indigo iam/i }).click();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: /^sign in$/i }).click();
}
