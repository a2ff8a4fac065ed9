import type { SimContext, SimPart } from "../store/types";

/**
 * Starts the scheduler, kubelet and job controller against the store (owned by the runtime part;
 * this is the stub the API server wires until it lands).
 */
export async function startRuntime(ctx: SimContext): Promise<SimPart> {
  void ctx;
  return { stop: async () => {} };
}
