import type { ProfileOption } from "@/lib/catalog/list-catalogue";

/** A GPU profile's availability as the spawn form shows it: free / total, or the place in the queue a spawn would take. */
export function capacityText(p: Pick<ProfileOption, "capacity">): string {
  if (!p.capacity) return "availability unknown";
  const { free, total, queued } = p.capacity;
  if (free > 0) return `${free} / ${total} free`;
  return `full (${total} in use) — you would queue as number ${queued + 1}`;
}
