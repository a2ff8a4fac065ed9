import { getPrisma } from "@/lib/db/client";
import { checkBudget } from "@/lib/budgets/assert-within-budget";

/**
 * A warning when the user's charged group is at ≥ 80 % of a monthly budget (or over it), for the
 * spawn and usage pages. Renders nothing otherwise. Server component:
 * `<BudgetBanner userId={user.id} profileKey={null} />`.
 */
export async function BudgetBanner({ userId, profileKey = null, group = null }: { userId: string; profileKey?: string | null; group?: string | null }) {
  const { decision } = await checkBudget(getPrisma(), { userId, group, profileKey, requestedGpus: 0 });
  if (decision.kind === "allowed") return null;
  const text = decision.message;
  return (
    <div role="status" className="mb-4 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-200">
      Budget: {text.charAt(0).toUpperCase() + text.slice(1)}
    </div>
  );
}
