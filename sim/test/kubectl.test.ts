import { execFile, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSim, type TestSim } from "./start-api-sim";

/** The real kubectl (v1.32) is the outside judge of the simulator's fidelity. */
const run = promisify(execFile);
let sim: TestSim;

async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("kubectl", args, { env: { ...process.env, KUBECONFIG: sim.kubeconfigPath }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

async function ok(...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** Starts a long-running kubectl and resolves lines as they arrive. */
function streamKubectl(args: string[]) {
  const child = spawn("kubectl", args, { env: { ...process.env, KUBECONFIG: sim.kubeconfigPath } });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
  const waitFor = async (re: RegExp) => {
    for (const end = Date.now() + 60_000; Date.now() < end; ) {
      if (re.test(out)) return out;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`kubectl ${args.join(" ")} never printed ${re}; stdout: ${out}; stderr: ${err}`);
  };
  return { child, exited, waitFor, output: () => out };
}

const file = (name: string, text: string) => {
  const p = join(sim.dir, name);
  writeFileSync(p, text);
  return p;
};

const podYaml = (image: string, tier: string) => `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web, tier: ${tier}}
spec:
  containers:
  - name: main
    image: ${image}
    env: [{name: A, value: "1"}]
  - name: side
    image: busybox:1.36
`;

beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(async () => sim?.close());

describe("kubectl against the simulator", () => {
  it("applies a manifest, then applies a change to it", async () => {
    const path = file("pod.yaml", podYaml("nginx:1.27", "fe"));
    expect(await ok("apply", "-f", path)).toMatch(/pod\/web created/);
    writeFileSync(path, podYaml("nginx:1.28", "be"));
    expect(await ok("apply", "-f", path)).toMatch(/pod\/web configured/);
    const pod = JSON.parse(await ok("get", "pod", "web", "-o", "json"));
    expect(pod.spec.containers.map((c: { image: string }) => c.image)).toEqual(["nginx:1.28", "busybox:1.36"]);
    expect(pod.metadata.labels).toEqual({ app: "web", tier: "be" });
  });

  it("gets with the familiar columns, formats and selectors", async () => {
    const table = await ok("get", "pods");
    expect(table).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    expect(table).toMatch(/web\s+0\/2\s+Pending\s+0\s+\d+s/);
    expect(await ok("get", "pods", "-o", "wide")).toMatch(/IP\s+NODE\s+NOMINATED NODE/);
    expect(await ok("get", "po", "-l", "tier in (be),app", "-o", "name")).toBe("pod/web\n");
    expect(await ok("get", "po", "-l", "tier=fe", "-o", "name")).toBe("");
    expect(await ok("get", "pod", "web", "-o", "yaml")).toMatch(/restartPolicy: Always/);
    expect(await ok("get", "namespaces")).toMatch(/kube-system\s+Active/);
    expect(await ok("get", "all")).toMatch(/pod\/web/);
    expect(await ok("describe", "pod", "web")).toMatch(/Name:\s+web[\s\S]*QoS Class:\s+BestEffort/);
  });

  it("labels, annotates and patches (merge, json, strategic)", async () => {
    await ok("label", "pod", "web", "team=ml");
    await ok("annotate", "pod", "web", "note=hello");
    await ok("patch", "pod", "web", "--type=merge", "-p", '{"metadata":{"labels":{"merged":"yes"}}}');
    await ok("patch", "pod", "web", "--type=json", "-p", '[{"op":"add","path":"/spec/activeDeadlineSeconds","value":600}]');
    await ok("patch", "pod", "web", "-p", '{"spec":{"containers":[{"name":"side","image":"busybox:1.37"}]}}');
    const pod = JSON.parse(await ok("get", "pod", "web", "-o", "json"));
    expect(pod.metadata.labels).toMatchObject({ team: "ml", merged: "yes" });
    expect(pod.metadata.annotations.note).toBe("hello");
    expect(pod.spec.activeDeadlineSeconds).toBe(600);
    expect(pod.spec.containers.map((c: { image: string }) => c.image)).toEqual(["nginx:1.28", "busybox:1.37"]);
    const forbidden = await kubectl("patch", "pod", "web", "--type=merge", "-p", '{"spec":{"restartPolicy":"Never"}}');
    expect(forbidden.stderr).toMatch(/is invalid: spec: Forbidden: pod updates may not change fields/);
  });

  it("lets a gated pod gain nodeSelector keys in the patch that removes its gate (KEP-3838), but not change them", async () => {
    await ok("create", "-f", file("gated.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: gated}\nspec:\n  schedulingGates: [{name: example.com/wait}]\n  nodeSelector: {zone: a}\n  containers: [{name: c, image: busybox:1.36}]\n"));
    const changed = await kubectl("patch", "pod", "gated", "-p", '{"spec":{"nodeSelector":{"zone":"b"}}}');
    expect(changed.stderr).toMatch(/spec.nodeSelector: Invalid value: .*only additions to spec.nodeSelector are allowed \(no mutations or deletions\)/);
    await ok("patch", "pod", "gated", "--type=merge", "-p", '{"spec":{"schedulingGates":null,"nodeSelector":{"gpu":"a100"}}}');
    const pod = JSON.parse(await ok("get", "pod", "gated", "-o", "json"));
    expect([pod.spec.nodeSelector, pod.spec.schedulingGates]).toEqual([{ zone: "a", gpu: "a100" }, undefined]);
    const late = await kubectl("patch", "pod", "gated", "-p", '{"spec":{"nodeSelector":{"extra":"x"}}}');
    expect(late.stderr).toMatch(/is invalid: spec: Forbidden: pod updates may not change fields/);
    await ok("delete", "pod", "gated", "--wait=false");
  });

  it("sees an update with get -w and waits for a condition", async () => {
    // kubectl prints the pod it GETs, then watches from resourceVersion 0 and drops that watch's
    // first event (the current state): a change made before its watch is open is never printed.
    // So the change waits until both commands' watches are open.
    const watchers = sim.store.watcherCount("pods");
    const watch = streamKubectl(["get", "pod", "web", "-w"]);
    await watch.waitFor(/web\s+0\/2\s+Pending/);
    const wait = streamKubectl(["wait", "--for=condition=Ready", "pod/web", "--timeout=60s"]);
    for (const end = Date.now() + 30_000; sim.store.watcherCount("pods") < watchers + 2; ) {
      if (Date.now() > end) throw new Error("kubectl's watches did not open");
      await new Promise((r) => setTimeout(r, 10));
    }
    sim.store.mutate("pods", "default", "web", (p) => {
      p.status = {
        ...p.status,
        phase: "Running",
        conditions: [{ type: "Ready", status: "True" }],
        containerStatuses: ["main", "side"].map((name) => ({ name, ready: true, restartCount: 0, image: "x", imageID: "", state: { running: { startedAt: new Date().toISOString() } } })),
      };
    }, { subresource: "status" });
    await watch.waitFor(/web\s+2\/2\s+Running/);
    expect(await wait.exited).toBe(0);
    watch.child.kill();
    await watch.exited;
  });

  it("shows logs, with --tail and -f", async () => {
    sim.logs.append("default", "web", "main", "line 1\nline 2\nline 3\n");
    expect(await ok("logs", "web", "-c", "main")).toBe("line 1\nline 2\nline 3\n");
    expect(await ok("logs", "web", "-c", "main", "--tail=1")).toBe("line 3\n");
    // Without -c kubectl picks the first container and says so.
    expect((await kubectl("logs", "web")).stderr).toMatch(/Defaulted container "main"/);
    const follow = streamKubectl(["logs", "-f", "web", "-c", "main"]);
    await follow.waitFor(/line 3\n/);
    sim.logs.append("default", "web", "main", "line 4\n");
    await follow.waitFor(/line 4\n/);
    sim.logs.end("default", "web", "main");
    expect(await follow.exited).toBe(0);
  });

  it("creates with the protobuf-speaking generator commands", async () => {
    await ok("create", "namespace", "team-a");
    await ok("create", "configmap", "settings", "-n", "team-a", "--from-literal=mode=fast", "--from-literal=level=3");
    await ok("create", "secret", "generic", "token", "-n", "team-a", "--from-literal=t=s3cret");
    await ok("create", "priorityclass", "interactive", "--value=1000", "--description=sessions");
    const cm = JSON.parse(await ok("get", "configmap", "settings", "-n", "team-a", "-o", "json"));
    expect(cm.data).toEqual({ mode: "fast", level: "3" });
    const secret = JSON.parse(await ok("get", "secret", "token", "-n", "team-a", "-o", "json"));
    expect(Buffer.from(secret.data.t, "base64").toString()).toBe("s3cret");
    expect(JSON.parse(await ok("get", "pc", "interactive", "-o", "json")).value).toBe(1000);
    expect(await ok("get", "ns", "team-a")).toMatch(/team-a\s+Active/);
  });

  it("deletes", async () => {
    await ok("create", "-f", file("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: doomed}\ndata: {a: b}\n"));
    expect(await ok("delete", "configmap", "doomed")).toMatch(/configmap "doomed" deleted/);
    expect((await kubectl("get", "configmap", "doomed")).stderr).toMatch(/NotFound.*configmaps "doomed" not found/);
    expect(await ok("delete", "pod", "web")).toMatch(/pod "web" deleted/);
    expect(await ok("get", "pods", "-o", "name")).toBe("");
  });

  it("answers bad input with the real codes", async () => {
    const bad = file("bad.json", "{not json");
    const raw = await kubectl("create", "--raw", "/api/v1/namespaces/default/configmaps", "-f", bad);
    expect(raw.stderr).toMatch(/BadRequest|couldn't get version\/kind/);
    expect((await kubectl("get", "widgets")).stderr).toMatch(/the server doesn't have a resource type "widgets"/);
    const invalid = await kubectl("create", "-f", file("badname.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n"));
    expect(invalid.stderr).toMatch(/ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value/);
    const wrongVersion = await kubectl("get", "--raw", "/apis/batch/v9/jobs");
    expect(wrongVersion.stderr).toMatch(/NotFound|could not find/);
    // Generator commands send protobuf: the few kinds they create are decoded, others get 415.
    expect((await kubectl("create", "job", "proto-job", "--image=x")).stderr).toMatch(/unknown format/);
    const quantity = file("q.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec:\n  containers: [{name: c, image: x, resources: {requests: {cpu: lots}}}]\n");
    expect((await kubectl("create", "-f", quantity)).stderr).toMatch(/quantities must match|invalid/i);
  });
});
