import type { ContainerSpec } from "./env";
import type { ContainerRun, ExitInfo } from "./container-runner";

/** The kubelet's view of one container, rendered into status.containerStatuses. */
export interface ContainerState {
  spec: ContainerSpec;
  state: Record<string, unknown>;
  lastState: Record<string, unknown>;
  ready: boolean;
  started: boolean;
  everStarted: boolean;
  restartCount: number;
  containerID?: string;
  /** Will not run again (exited and the restart policy says no). */
  done: boolean;
  lastExit?: ExitInfo;
  run?: ContainerRun;
  stopProbe?: () => void;
}

export function newContainerState(spec: ContainerSpec): ContainerState {
  return { spec, state: { waiting: { reason: "ContainerCreating" } }, lastState: {}, ready: false, started: false, everStarted: false, restartCount: 0, done: false };
}

function imageID(image: string): string {
  let h = 0;
  for (const ch of image) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const ref = image.includes("/") ? image : `docker.io/library/${image}`;
  return `${ref.split(":")[0]}@sha256:${h.toString(16).padStart(8, "0").repeat(8)}`;
}

export function containerStatus(c: ContainerState): Record<string, unknown> {
  return {
    name: c.spec.name,
    state: c.state,
    lastState: c.lastState,
    ready: c.ready,
    restartCount: c.restartCount,
    image: c.spec.image ?? "",
    imageID: c.everStarted ? imageID(c.spec.image ?? "") : "",
    ...(c.containerID ? { containerID: c.containerID } : {}),
    started: c.started,
  };
}

/** Pod phase from container states (kubelet getPhase, restartPolicy already applied through `done`). */
export function podPhase(cs: ContainerState[]): "Pending" | "Running" | "Succeeded" | "Failed" {
  if (cs.every((c) => c.done)) return cs.every((c) => c.lastExit?.exitCode === 0) ? "Succeeded" : "Failed";
  return cs.some((c) => c.everStarted) ? "Running" : "Pending";
}
