import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { seedUser, testDatabaseUrl, testPrisma, uniqueSuffix } from "@/test/db";
import { spawnSession } from "@/lib/sessions/spawn-session";
import { stopSession } from "@/lib/sessions/stop-session";
import { listSessionEvents } from "@/lib/sessions/session-events";
import { startTestCluster, type TestCluster } from "@/lib/sessions/test-support/test-cluster";
import { waitFor } from "@/lib/sessions/test-support/wait-for";

// The real `npm run controller` process (tsx controller/main.ts), killed with SIGKILL.
const ns = `p-${uniqueSuffix()}`;
const lockName = `ai-hub:controller:${ns}`;
const db = testPrisma();
let cluster: TestCluster;
const children: ChildProcess[] = [];

interface Controller {
  child: ChildProcess;
  output: () => string;
}

function startControllerProcess(): Controller {
  const child = spawn(process.execPath, ["--import", "tsx", "controller/main.ts"], {
    env: { ...process.env, DATABASE_URL: testDatabaseUrl(), KUBECONFIG: cluster.kubeconfigPath, KUBE_NAMESPACE: ns, CONTROLLER_LOCK_NAME: lockName, LOG_LEVEL: "info", AI_HUB_SERVICE: "controller" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
  children.push(child);
  return { child, output: () => out };
}

const leads = (c: Controller) => c.output().includes("informers synced");

beforeAll(async () => {
  cluster = await startTestCluster({ namespace: ns, timeScale: 10 });
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await cluster?.stop();
});

describe("controller processes", () => {
  it("one of two controllers leads; killing it mid-spawn loses nothing: the other takes over", async () => {
    const a = startControllerProcess();
    const b = startControllerProcess();
    const leader = await waitFor("a leader", () => (leads(a) ? a : leads(b) ? b : undefined), 60_000);
    const follower = leader === a ? b : a;
    // The follower may still be starting when the leader is found: wait for its line.
    await waitFor("the follower to wait", () => follower.output().includes("waiting for leadership") || undefined, 60_000);
    expect(leads(follower)).toBe(false);
    // Structured lines name their service once (AI_HUB_SERVICE, as `npm run controller` sets it).
    const jsonLines = leader.output().split("\n").filter((l) => l.startsWith("{"));
    expect(jsonLines.length).toBeGreaterThan(0);
    for (const l of jsonLines) expect(l.split('"service":"controller"').length, l).toBe(2);
    // Background work: every thread of the controller runs at CONTROLLER_NICE (default 10), as the kernel reports it.
    if (existsSync(`/proc/${leader.child.pid}/task`)) {
      const nice = readdirSync(`/proc/${leader.child.pid}/task`).map((t) => Number(readFileSync(`/proc/${leader.child.pid}/task/${t}/stat`, "utf8").split(") ")[1]!.split(" ")[16]));
      expect(new Set(nice)).toEqual(new Set([10]));
    }

    const u = await seedUser();
    const { session } = await spawnSession({ user: { id: u.id, username: u.username, groups: u.groups }, input: { image: "VS Code", cpu: 1, memoryGiB: 1 }, kube: cluster.kube });
    leader.child.kill("SIGKILL");
    await waitFor("the follower takes over", () => leads(follower) || undefined, 60_000);
    await waitFor("session ready", async () => ((await db.session.findUniqueOrThrow({ where: { id: session.id } })).state === "ready" ? true : undefined), 60_000);
    const events = await listSessionEvents(db, session.id, 0);
    expect(events[0]!.message).toBe("Session requested.");
    expect(events.at(-1)).toMatchObject({ ready: true, progress: 100 });

    await stopSession({ userId: u.id, sessionId: session.id, kube: cluster.kube });
    await waitFor("session stopped", async () => ((await db.session.findUniqueOrThrow({ where: { id: session.id } })).state === "stopped" ? true : undefined), 30_000);
  }, 180_000);
});
