/**
 * The database client for Next.js code (pages, layouts, route handlers, server actions).
 * `server-only` makes importing it from a Client Component a build error. Processes outside
 * Next.js (controller, proxy, scripts, tests) import lib/db/prisma.ts; see the note there.
 */
import "server-only";

export { getPrisma, type Db } from "./prisma";
