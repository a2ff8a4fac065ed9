/**
 * Database helpers for test files. The database is the one test/global-setup.ts created for this
 * run and shared by every test file: tests own their rows (unique subjects and usernames) and never
 * assume an empty table.
 */
import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { createPrisma } from "@/lib/db/prisma";
import type { PrismaClient, User } from "@/lib/generated/prisma/client";
import type { Role } from "@/lib/auth/roles";

export const TEST_ISSUER = "https://iam.test.example/";

/** URL of this run's test database. */
export function testDatabaseUrl(): string {
  return inject("databaseUrl");
}

let client: PrismaClient | undefined;

/** A Prisma client on the test database (one per test file; small pool). */
export function testPrisma(): PrismaClient {
  client ??= createPrisma(testDatabaseUrl(), 3);
  return client;
}

/** A unique suffix so that rows of parallel test files never collide. */
export function uniqueSuffix(): string {
  return randomUUID().slice(0, 8);
}

export interface SeedUserOptions {
  issuer?: string;
  subject?: string;
  username?: string;
  email?: string | null;
  displayName?: string;
  groups?: string[];
  roles?: Role[];
  blocked?: boolean;
  blockedReason?: string | null;
}

/** Inserts a user as a login would have left it; every field can be overridden. */
export async function seedUser(overrides: SeedUserOptions = {}): Promise<User> {
  const suffix = uniqueSuffix();
  const username = overrides.username ?? `user-${suffix}`;
  return testPrisma().user.create({
    data: {
      iamIssuer: overrides.issuer ?? TEST_ISSUER,
      iamSubject: overrides.subject ?? randomUUID(),
      username,
      email: overrides.email === undefined ? `${username}@example.org` : overrides.email,
      displayName: overrides.displayName ?? `Test ${username}`,
      groups: overrides.groups ?? ["users/ai-infn"],
      roles: overrides.roles ?? ["researcher"],
      blocked: overrides.blocked ?? false,
      blockedReason: overrides.blockedReason ?? null,
    },
  });
}

/** An empty database on the test server, for tests that need a blank slate (migrations, readiness). */
export async function createScratchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `ai_hub_scratch_${uniqueSuffix()}`;
  const admin = testPrisma();
  await admin.$executeRawUnsafe(`CREATE DATABASE "${name}"`);
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
