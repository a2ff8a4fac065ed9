import { getPrisma, type Db } from "@/lib/db/prisma";
import { isAppError } from "@/lib/errors/app-error";
import { env } from "@/lib/env";
import { readCapacity, type ProfileCapacity } from "@/lib/gpu/capacity";
import type { KubeClients } from "@/lib/kube/client";
import { effectiveLimits, type SessionPolicyLimits } from "@/lib/sessions/limits";

/**
 * What a user may choose on the spawn form: enabled images, the GPU profiles their groups may use
 * with live free/total and queue length, and their limits. Profiles the user may not use are not
 * offered at all. If the cluster cannot be read, capacity is null with the reason: never zeros.
 */

export interface ProfileOption {
  key: string;
  displayName: string;
  description: string;
  gpuMemoryGiB: number | null;
  gpuCount: number;
  capacity: { total: number; free: number; queued: number } | null;
}

export interface Catalogue {
  images: Array<{ id: string; name: string; kind: string; description: string; isDefault: boolean }>;
  profiles: ProfileOption[];
  limits: SessionPolicyLimits;
  capacityError: string | null;
}

export async function listCatalogue(opts: { groups: string[]; db?: Db; kube?: KubeClients; withCapacity?: boolean }): Promise<Catalogue> {
  const db = opts.db ?? getPrisma();
  const e = env();
  const [images, profiles, policies] = await Promise.all([
    db.image.findMany({ where: { enabled: true }, orderBy: [{ isDefault: "desc" }, { name: "asc" }], select: { id: true, name: true, kind: true, description: true, isDefault: true } }),
    db.gpuProfile.findMany({ where: { enabled: true }, orderBy: [{ sortOrder: "desc" }, { key: "asc" }] }),
    db.sessionPolicy.findMany({ where: { group: { in: opts.groups } } }),
  ]);
  const allowed = profiles.filter((p) => p.allowedGroups.length === 0 || p.allowedGroups.some((g) => opts.groups.includes(g)));
  let capacity = new Map<string, ProfileCapacity>();
  let capacityError: string | null = null;
  if (opts.withCapacity !== false && allowed.length) {
    try {
      const shapes = allowed.map((p) => ({ key: p.key, resourceName: p.resourceName, nodeSelector: p.nodeSelector as Record<string, string> }));
      capacity = new Map((await readCapacity(shapes, opts.kube)).map((c) => [c.key, c]));
    } catch (err) {
      capacityError = isAppError(err) ? err.message : "Free capacity is not available right now.";
    }
  }
  return {
    images,
    profiles: allowed.map((p) => {
      const c = capacity.get(p.key);
      return {
        key: p.key,
        displayName: p.displayName,
        description: p.description,
        gpuMemoryGiB: p.gpuMemoryGiB,
        gpuCount: p.gpuCount,
        capacity: c ? { total: c.total, free: c.free, queued: c.queued } : null,
      };
    }),
    limits: effectiveLimits(opts.groups, policies, { maxSessions: e.SESSION_MAX_PER_USER, maxGpus: e.SESSION_MAX_GPUS_PER_USER, maxCpu: e.SESSION_MAX_CPU, maxMemoryGiB: e.SESSION_MAX_MEMORY_GIB }),
    capacityError,
  };
}
