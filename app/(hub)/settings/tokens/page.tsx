import { PageHeader } from "@/components/ui/page-header";
import { ApiTokensPanel } from "@/components/sessions/api-tokens-panel";
import { requireUser } from "@/lib/auth/session";
import { listApiTokens } from "@/lib/tokens/api-tokens";

export const dynamic = "force-dynamic";

export default async function TokensPage() {
  const user = await requireUser();
  const tokens = await listApiTokens({ userId: user.id });
  return (
    <>
      <PageHeader title="API tokens" description="Personal tokens for the AI Hub API (curl, scripts, the ai-hub CLI). Only a hash is stored; a token is shown once." />
      <ApiTokensPanel initial={tokens} />
    </>
  );
}
