"use server";

import { revalidatePath } from "next/cache";
import { ZodError } from "zod";
import { requireRole } from "@/lib/auth/session";
import { getPrisma } from "@/lib/db/client";
import { isAppError } from "@/lib/errors/app-error";
import { deleteBudget, saveBudget } from "@/lib/budgets/manage-budgets";

// Server actions are public endpoints: each one checks the admin role itself.

export interface BudgetFormState {
  ok: boolean;
  message: string;
  fields: Record<string, string>;
  /** What was submitted, when refused: React resets the form after an action, so it shows these again. */
  values?: Record<string, string>;
}

export async function saveBudgetAction(_prev: BudgetFormState, form: FormData): Promise<BudgetFormState> {
  const admin = await requireRole("admin");
  const values = Object.fromEntries(["group", "profileKey", "monthlyGpuHours", "userCap"].map((k) => [k, String(form.get(k) ?? "")]));
  try {
    await saveBudget(getPrisma(), admin, {
      group: String(form.get("group") ?? ""),
      profileKey: String(form.get("profileKey") ?? "*") || "*",
      monthlyGpuHours: String(form.get("monthlyGpuHours") ?? ""),
      userCap: String(form.get("userCap") ?? ""),
    });
  } catch (e) {
    if (e instanceof ZodError) return { ok: false, message: "Correct the highlighted fields.", fields: Object.fromEntries(e.issues.map((i) => [String(i.path[0]), i.message])), values };
    if (isAppError(e)) return { ok: false, message: e.message, fields: e.details?.fields ?? {}, values };
    throw e;
  }
  revalidatePath("/admin/budgets");
  return { ok: true, message: "Budget saved.", fields: {} };
}

export async function deleteBudgetAction(form: FormData): Promise<void> {
  const admin = await requireRole("admin");
  await deleteBudget(getPrisma(), admin, String(form.get("id") ?? ""));
  revalidatePath("/admin/budgets");
}
