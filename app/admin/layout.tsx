import type { ReactNode } from "react";
import { AppShell } from "@/components/app-shell";
import { requireRole } from "@/lib/auth/session";

/** Admin pages answer 404 to everyone else, so their existence is not advertised. */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const user = await requireRole("admin");
  return <AppShell user={user}>{children}</AppShell>;
}
