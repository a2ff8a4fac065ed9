import { ApiError, type KubeObject, type Store } from "../store/types";

/** Built-in classes every cluster has. */
const systemClasses: Record<string, number> = { "system-node-critical": 2000001000, "system-cluster-critical": 2000000000 };

/**
 * The Priority admission plugin: resolves spec.priorityClassName (or the globalDefault class) to
 * spec.priority and spec.preemptionPolicy when a pod is created.
 */
export function installPriorityAdmission(store: Store): void {
  const resolve = (pod: KubeObject) => {
    const spec = pod.spec ?? (pod.spec = {});
    let name: string | undefined = spec.priorityClassName;
    let cls: KubeObject | undefined;
    if (name) {
      if (name in systemClasses) {
        spec.priority = systemClasses[name];
        return;
      }
      cls = store.get("scheduling.k8s.io/priorityclasses", undefined, name);
      if (!cls) throw new ApiError(403, "Forbidden", `pods "${pod.metadata.name ?? pod.metadata.generateName ?? ""}" is forbidden: no PriorityClass with name ${name} was found`, { name: pod.metadata.name, kind: "pods" });
    } else {
      cls = store.list("scheduling.k8s.io/priorityclasses").find((c) => c.globalDefault === true);
      name = cls?.metadata.name;
      if (name) spec.priorityClassName = name;
    }
    if (!cls) {
      spec.priority ??= 0;
      return;
    }
    spec.priority = Number(cls.value ?? 0);
    spec.preemptionPolicy = (cls.preemptionPolicy as string | undefined) ?? "PreemptLowerPriority";
  };
  store.addAdmission("pods", {
    mutate(obj, _old, op) {
      if (op === "CREATE") resolve(obj);
    },
  });
}
