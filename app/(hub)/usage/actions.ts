"use server";

import { revalidatePath } from "next/cache";
import { requireUser } from "@/lib/auth/session";
import { getPrisma } from "@/lib/db/client";
import { isAppError } from "@/lib/errors/app-error";
import { setDefaultChargeGroup } from "@/lib/accounting/charge-group";

// A public endpoint: it acts only on the signed-in user's own preference.

export interface DefaultGroupState {
  ok: boolean;
  message: string;
}

export async function setDefaultGroupAction(_prev: DefaultGroupState, form: FormData): Promise<DefaultGroupState> {
  const user = await requireUser();
  try {
    await setDefaultChargeGroup(getPrisma(), user, String(form.get("group") ?? ""));
  } catch (e) {
    if (isAppError(e)) return { ok: false, message: e.message };
    throw e;
  }
  revalidatePath("/usage");
  return { ok: true, message: "Saved: new sessions and jobs are charged to this group." };
}
