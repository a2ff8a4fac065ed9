import type { SimContext, SimPart } from "../store/types";

/** Registers the Kueue API types and starts its controllers (stub until the Kueue part lands). */
export async function startKueue(ctx: SimContext): Promise<SimPart> {
  void ctx;
  return { stop: async () => {} };
}
