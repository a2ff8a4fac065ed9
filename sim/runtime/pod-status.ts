import { containerStatus, type ContainerState } from "./container-state";
import { setCondition } from "./events";

export interface PodStatusInput {
  phase: "Pending" | "Running" | "Succeeded" | "Failed";
  ip?: string;
  hostIP?: string;
  now: string;
  containers: ContainerState[];
  init: ContainerState[];
  /** Pod-level reason/message, e.g. DeadlineExceeded. */
  failure?: { reason: string; message: string };
}

type Status = { conditions?: Record<string, unknown>[]; [k: string]: unknown };

/** Writes the kubelet's view into a pod's status in place (conditions others own are left alone). */
export function renderPodStatus(s: Status, i: PodStatusInput): void {
  const pendingInit = i.init.filter((c) => !c.done && (c.spec as { restartPolicy?: string }).restartPolicy !== "Always").map((c) => c.spec.name);
  const unready = i.containers.filter((c) => !c.ready).map((c) => c.spec.name);
  const terminal = i.phase === "Succeeded" || i.phase === "Failed";
  s.phase = i.phase;
  if (i.failure) Object.assign(s, i.failure);
  if (i.hostIP) Object.assign(s, { hostIP: i.hostIP, hostIPs: [{ ip: i.hostIP }] });
  if (i.ip) Object.assign(s, { podIP: i.ip, podIPs: [{ ip: i.ip }] });
  s.startTime ??= i.now;
  setCondition(s, "PodReadyToStartContainers", i.ip && !terminal ? "True" : "False", undefined, undefined, i.now);
  if (pendingInit.length && !terminal) setCondition(s, "Initialized", "False", "ContainersNotInitialized", `containers with incomplete status: [${pendingInit.join(" ")}]`, i.now);
  else setCondition(s, "Initialized", "True", undefined, undefined, i.now);
  const reason = terminal ? "PodCompleted" : unready.length ? "ContainersNotReady" : undefined;
  const message = !terminal && unready.length ? `containers with unready status: [${unready.join(" ")}]` : undefined;
  setCondition(s, "ContainersReady", unready.length ? "False" : "True", reason, message, i.now);
  setCondition(s, "Ready", unready.length ? "False" : "True", reason, message, i.now);
  s.containerStatuses = i.containers.map(containerStatus);
  if (i.init.length) s.initContainerStatuses = i.init.map(containerStatus);
}
