import { describe, expect, it } from "vitest";
import type { KubeObject } from "../store/types";
import { humanDuration } from "./http-util";
import { podStatusText, toTable } from "./table";

const pod = (status: Record<string, unknown>, extra: Partial<KubeObject["metadata"]> = {}): KubeObject => ({
  apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", creationTimestamp: "2026-01-01T00:00:00Z", ...extra },
  spec: { containers: [{ name: "c", image: "x" }] }, status,
});

describe("server-side printing", () => {
  it("computes the STATUS column as kubectl shows it", () => {
    expect(podStatusText(pod({ phase: "Pending" }))).toBe("Pending");
    expect(podStatusText(pod({ phase: "Pending", containerStatuses: [{ name: "c", state: { waiting: { reason: "ImagePullBackOff" } } }] }))).toBe("ImagePullBackOff");
    expect(podStatusText(pod({ phase: "Succeeded", containerStatuses: [{ name: "c", state: { terminated: { reason: "Completed", exitCode: 0 } } }] }))).toBe("Completed");
    expect(podStatusText(pod({ phase: "Failed", containerStatuses: [{ name: "c", state: { terminated: { exitCode: 3 } } }] }))).toBe("ExitCode:3");
    expect(podStatusText(pod({ phase: "Running" }, { deletionTimestamp: "2026-01-01T00:00:30Z" }))).toBe("Terminating");
  });

  it("builds pod rows with READY, RESTARTS and AGE", () => {
    const t = toTable("pods", [pod({ phase: "Running", containerStatuses: [{ name: "c", ready: true, restartCount: 2, state: { running: {} } }] })], [], { now: Date.parse("2026-01-01T00:05:00Z") });
    expect(t.columnDefinitions.map((c) => c.name).slice(0, 5)).toEqual(["Name", "Ready", "Status", "Restarts", "Age"]);
    expect(t.rows[0]!.cells.slice(0, 5)).toEqual(["p", "1/1", "Running", "2", "5m"]);
  });

  it("prints events as kubectl get events does", () => {
    const ev: KubeObject = {
      apiVersion: "v1", kind: "Event", metadata: { name: "p.1", namespace: "default" }, type: "Normal", reason: "Pulled",
      message: "pulled", involvedObject: { kind: "Pod", name: "p" }, lastTimestamp: "2026-01-01T00:00:00Z",
    };
    const t = toTable("events", [ev], [], { now: Date.parse("2026-01-01T00:00:42Z") });
    const shown = t.columnDefinitions.map((c, i) => [c, i] as const).filter(([c]) => c.priority === 0);
    expect(shown.map(([c]) => c.name)).toEqual(["Last Seen", "Type", "Reason", "Object", "Message"]);
    expect(shown.map(([, i]) => t.rows[0]!.cells[i])).toEqual(["42s", "Normal", "Pulled", "pod/p", "pulled"]);
  });

  it("prints ages like kubectl", () => {
    expect([humanDuration(5_000), humanDuration(150_000), humanDuration(3 * 3600_000 + 60_000), humanDuration(3 * 86400_000)]).toEqual(["5s", "2m30s", "3h1m", "3d"]);
  });
});
