import type { SimContext, SimPart } from "../store/types";
import { DeviceAllocator, registerAllocator } from "./devices";
import { startJobController } from "./job-controller";
import { startKubelet } from "./kubelet";
import { installPriorityAdmission } from "./priority";
import { startScheduler } from "./scheduler";
import { nodeObjects } from "../topology/node-objects";

/** Starts the scheduler, kubelet and job controller against the store; nodes come from the topology. */
export async function startRuntime(ctx: SimContext): Promise<SimPart> {
  const devices = new DeviceAllocator(ctx.topology, () => ctx.clock.now());
  registerAllocator(ctx.store, devices);
  installPriorityAdmission(ctx.store);
  // Each kubelet registers its Node; a Node restored from a state file is brought up to date with the topology.
  for (const node of nodeObjects(ctx.topology, new Date(ctx.clock.now()))) {
    const name = node.metadata.name!;
    if (!ctx.store.get("nodes", undefined, name)) {
      ctx.store.create("nodes", node);
      continue;
    }
    ctx.store.mutate("nodes", undefined, name, (n) => {
      n.metadata.labels = node.metadata.labels;
      n.spec = node.spec;
    });
    ctx.store.mutate("nodes", undefined, name, (n) => void (n.status = node.status), { subresource: "status" });
  }
  const parts = [startScheduler(ctx), startKubelet(ctx, devices), startJobController(ctx)];
  return {
    stop: async () => {
      for (const p of parts.reverse()) await p.stop();
    },
  };
}
