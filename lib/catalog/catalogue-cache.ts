import { z } from "zod";
import type { Db } from "@/lib/db/prisma";
import type { GpuProfile, Image, SessionPolicy } from "@/lib/generated/prisma/client";

/**
 * The catalogue rows that every spawn and batch submission reads — the image by name or id, the GPU
 * profile by key, the session policies of the caller's groups — kept per process for a few seconds.
 * A burst of 100 spawns otherwise reads the same three tiny rows 100 times.
 *
 * What the delay means: an image or profile disabled or changed, or a policy changed, applies to
 * new spawns within CATALOGUE_TTL_MS (limits are still counted inside the spawn transaction; only
 * the maxima can be that old). A miss is never cached for images and profiles, so one just added is
 * usable at once; for policies a group's "no policy" is cached like a policy.
 */
export const CATALOGUE_TTL_MS = 5000;

interface Entry<T> {
  /** Settled or in flight: concurrent misses share one query (a burst after a quiet spell). */
  value: Promise<T>;
  until: number;
}

interface Caches {
  images: Map<string, Entry<Image | null>>;
  profiles: Map<string, Entry<GpuProfile | null>>;
  policies: Map<string, Entry<SessionPolicy | null>>;
}

// Keyed by client: tests run several databases in one process.
const byDb = new WeakMap<Db, Caches>();

function caches(db: Db): Caches {
  let c = byDb.get(db);
  if (!c) {
    c = { images: new Map(), profiles: new Map(), policies: new Map() };
    byDb.set(db, c);
  }
  return c;
}

/**
 * The cached value of `key`, else `load()`'s, shared by every caller until it settles. A failed
 * load is forgotten; so is a null (not found) when `keepMisses` is false.
 */
function cached<T>(m: Map<string, Entry<T | null>>, key: string, load: () => Promise<T | null>, keepMisses: boolean): Promise<T | null> {
  const now = Date.now();
  const hit = m.get(key);
  if (hit && hit.until > now) return hit.value;
  const entry: Entry<T | null> = { value: load(), until: now + CATALOGUE_TTL_MS };
  m.set(key, entry);
  const forget = () => {
    if (m.get(key) === entry) m.delete(key);
  };
  entry.value.then((v) => v === null && !keepMisses && forget(), forget);
  return entry.value;
}

/** An enabled image by name, or by id when `ref` is a UUID; null when there is none. */
export function findEnabledImage(db: Db, ref: string): Promise<Image | null> {
  return cached(caches(db).images, ref, () => db.image.findFirst({ where: { enabled: true, OR: [{ name: ref }, ...(z.uuid().safeParse(ref).success ? [{ id: ref }] : [])] } }), false);
}

/** An enabled GPU profile by key; null when there is none. */
export function findEnabledProfile(db: Db, key: string): Promise<GpuProfile | null> {
  return cached(caches(db).profiles, key, () => db.gpuProfile.findFirst({ where: { key, enabled: true } }), false);
}

/** The session policies of these groups (groups without one are left out). */
export async function policiesOf(db: Db, groups: readonly string[]): Promise<SessionPolicy[]> {
  const c = caches(db).policies;
  // One query for the groups not cached; each group's entry resolves from it.
  const now = Date.now();
  const missing = groups.filter((g) => (c.get(g)?.until ?? 0) <= now);
  if (missing.length) {
    const rows = db.sessionPolicy.findMany({ where: { group: { in: missing } } });
    for (const g of missing) cached(c, g, async () => (await rows).find((r) => r.group === g) ?? null, true);
  }
  const rows = await Promise.all(groups.map((g) => c.get(g)!.value));
  return rows.filter((r): r is SessionPolicy => r !== null);
}

/** Forgets every cached row (after a catalogue import in this process). */
export function clearCatalogueCache(db: Db): void {
  byDb.delete(db);
}
