import { expect, test as setup } from "@playwright/test";
import { storageState, type AccountName } from "./accounts";
import { signIn } from "./login";

// Log in once per role through the real OIDC flow and keep the browser state for the other specs.
for (const name of ["alice", "bob", "admin", "olga"] as AccountName[]) {
  setup(`sign in as ${name}`, async ({ page }) => {
    await signIn(page, name);
    await expect(page.getByTestId("username")).toHaveText(name);
    await page.context().storageState({ path: storageState(name) });
  });
}
