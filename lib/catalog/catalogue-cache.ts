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
  value: T;
  until: number;
}

interface Caches {
  images: Map<string, Entry<Image>>;
  profiles: Map<string, Entry<GpuProfile>>;
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

function fresh<T>(m: Map<string, Entry<T>>, key: string, now: number): Entry<T> | undefined {
  const e = m.get(key);
  if (e && e.until > now) return e;
  if (e) m.delete(key);
  return undefined;
}

/** An enabled image by name, or by id when `ref` is a UUID; null when there is none. */
export async function findEnabledImage(db: Db, ref: string): Promise<Image | null> {
  const c = caches(db).images;
  const hit = fresh(c, ref, Date.now());
  if (hit) return hit.value;
  const image = await db.image.findFirst({ where: { enabled: true, OR: [{ name: ref }, ...(z.uuid().safeParse(ref).success ? [{ id: ref }] : [])] } });
  if (image) c.set(ref, { value: image, until: Date.now() + CATALOGUE_TTL_MS });
  return image;
}

/** An enabled GPU profile by key; null when there is none. */
export async function findEnabledProfile(db: Db, key: string): Promise<GpuProfile | null> {
  const c = caches(db).profiles;
  const hit = fresh(c, key, Date.now());
  if (hit) return hit.value;
  const profile = await db.gpuProfile.findFirst({ where: { key, enabled: true } });
  if (profile) c.set(key, { value: profile, until: Date.now() + CATALOGUE_TTL_MS });
  return profile;
}

/** The session policies of these groups (groups without one are left out). */
export async function policiesOf(db: Db, groups: readonly string[]): Promise<SessionPolicy[]> {
  const c = caches(db).policies;
  const now = Date.now();
  const out: SessionPolicy[] = [];
  const missing: string[] = [];
  for (const g of groups) {
    const hit = fresh(c, g, now);
    if (!hit) missing.push(g);
    else if (hit.value) out.push(hit.value);
  }
  if (missing.length) {
    const rows = await db.sessionPolicy.findMany({ where: { group: { in: missing } } });
    const until = Date.now() + CATALOGUE_TTL_MS;
    for (const g of missing) {
      const row = rows.find((r) => r.group === g) ?? null;
      c.set(g, { value: row, until });
      if (row) out.push(row);
    }
  }
  return out;
}

/** Forgets every cached row (after a catalogue import in this process). */
export function clearCatalogueCache(db: Db): void {
  byDb.delete(db);
}
