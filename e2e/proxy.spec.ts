import { expect, test, type APIRequestContext } from "@playwright/test";
import { storageState } from "./accounts";

/**
 * Sessions opened through AI Hub's proxy, in Chromium. JupyterLab images run the real Debian
 * jupyter-notebook server in the simulator, so a notebook cell crosses the proxy twice: the REST
 * API over HTTP and the kernel over a WebSocket. Other images run the simulator's built-in stub,
 * which echoes WebSocket messages.
 */

async function startSession(request: APIRequestContext, image: string, name: string): Promise<string> {
  const res = await request.post("/api/v1/sessions", { data: { image, cpu: 1, memoryGiB: 1, name } });
  expect(res.status(), await res.text()).toBe(201);
  const { session } = (await res.json()) as { session: { id: string } };
  await expect
    .poll(async () => ((await (await request.get(`/api/v1/sessions/${session.id}`)).json()) as { session: { state: string } }).session.state, {
      timeout: 60_000,
    })
    .toBe("ready");
  return session.id;
}

/** Leaves no running session of the account behind (a failed earlier attempt may have). */
async function stopAllSessions(request: APIRequestContext): Promise<void> {
  const { sessions } = (await (await request.get("/api/v1/sessions")).json()) as { sessions: Array<{ id: string; state: string }> };
  for (const s of sessions.filter((x) => !["stopped", "failed", "stopping"].includes(x.state))) await request.delete(`/api/v1/sessions/${s.id}`);
}

test.describe("proxy: the owner reaches their session", () => {
  test.use({ storageState: storageState("alice") });
  test.beforeEach(async ({ page }) => stopAllSessions(page.request));

  test("runs 1+1 in a Jupyter notebook through the proxy and sees 2", async ({ page, context }) => {
    test.setTimeout(150_000);
    const name = `nb-${Date.now().toString(36)}`;
    const id = await startSession(page.request, "JupyterLab (SciPy)", name);
    try {
      await page.goto(`/user/alice/${name}/tree`);
      await expect(page).toHaveTitle(/Home Page|Jupyter/);
      // The classic "New" menu opens the notebook in a new tab.
      const [notebook] = await Promise.all([
        context.waitForEvent("page"),
        (async () => {
          await page.getByRole("button", { name: /^new/i }).click();
          await page.getByRole("menuitem", { name: /python3/i }).click();
        })(),
      ]);
      await expect(notebook).toHaveURL(new RegExp(`/user/alice/${name}/notebooks/`));
      await expect(notebook.locator("#kernel_indicator_icon.kernel_idle_icon")).toBeVisible({ timeout: 30_000 });
      const cell = notebook.locator(".CodeMirror").first();
      await cell.click();
      await notebook.keyboard.type("1+1");
      await notebook.keyboard.press("Shift+Enter");
      await expect(notebook.locator(".output_area .output_result").first()).toHaveText("2", { timeout: 30_000 });
    } finally {
      await page.request.delete(`/api/v1/sessions/${id}`);
    }
  });

  test("a WebSocket round trip through the proxy to the built-in session stub", async ({ page }) => {
    const name = `ws-${Date.now().toString(36)}`;
    const id = await startSession(page.request, "VS Code", name);
    try {
      await page.goto(`/user/alice/${name}/`);
      await expect(page.getByText(/ai-hub|session/i).first()).toBeVisible();
      const echoed = await page.evaluate(async (path) => {
        const ws = new WebSocket(`${location.origin.replace(/^http/, "ws")}${path}`);
        return new Promise<string>((resolve, reject) => {
          ws.onopen = () => ws.send("hello through the proxy");
          ws.onmessage = (e) => {
            resolve(String(e.data));
            ws.close();
          };
          ws.onerror = () => reject(new Error("websocket error"));
        });
      }, `/user/alice/${name}/ws`);
      expect(echoed).toBe("hello through the proxy");
    } finally {
      await page.request.delete(`/api/v1/sessions/${id}`);
    }
  });
});

test.describe("proxy: nobody else does", () => {
  test("bob gets 403 on alice's session page and WebSocket; anonymous visitors are sent to sign in", async ({ browser }) => {
    const alice = await browser.newContext({ storageState: storageState("alice") });
    const bob = await browser.newContext({ storageState: storageState("bob") });
    const anonymous = await browser.newContext();
    const name = `private-${Date.now().toString(36)}`;
    await stopAllSessions(alice.request);
    const id = await startSession(alice.request, "VS Code", name);
    try {
      const bobPage = await bob.newPage();
      const response = await bobPage.goto(`/user/alice/${name}/`);
      expect(response?.status()).toBe(403);
      const wsOutcome = await bobPage.evaluate(async (path) => {
        const ws = new WebSocket(`${location.origin.replace(/^http/, "ws")}${path}`);
        return new Promise<string>((resolve) => {
          ws.onopen = () => resolve("open");
          ws.onerror = () => resolve("refused");
        });
      }, `/user/alice/${name}/ws`);
      expect(wsOutcome).toBe("refused");

      const anonPage = await anonymous.newPage();
      await anonPage.goto(`/user/alice/${name}/`);
      await expect(anonPage).toHaveURL(/\/signin\?callbackUrl=/);
    } finally {
      await alice.request.delete(`/api/v1/sessions/${id}`);
      await Promise.all([alice.close(), bob.close(), anonymous.close()]);
    }
  });
});
