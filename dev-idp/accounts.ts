/**
 * Demo accounts of the development identity provider. Subjects are fixed UUIDs so that a person
 * keeps the same portal user across IdP restarts, as with INDIGO IAM. Everyone shares one password:
 * this IdP exists for local development and tests only.
 */
export const DEMO_PASSWORD = "aihub-demo";

export interface DemoAccount {
  sub: string;
  username: string;
  givenName: string;
  familyName: string;
  email: string;
  /** Every demo account has DEMO_PASSWORD; kept per account so that tests may use their own. */
  password: string;
  /** IAM group names, without the leading slash (as in IAM's `groups` claim). */
  groups: string[];
  /** What the account is for, printed by the dev supervisor. */
  description: string;
}

export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  {
    sub: "5f0c7a1e-2b3d-4c8e-9f10-a1b2c3d4e501",
    username: "alice",
    givenName: "Alice",
    familyName: "Rossi",
    password: DEMO_PASSWORD,
    email: "alice@example.org",
    groups: ["users/ai-infn"],
    description: "researcher",
  },
  {
    sub: "5f0c7a1e-2b3d-4c8e-9f10-a1b2c3d4e502",
    username: "bob",
    givenName: "Bob",
    familyName: "Bianchi",
    password: DEMO_PASSWORD,
    email: "bob@example.org",
    groups: ["users/ai-infn"],
    description: "second researcher (cross-tenant checks)",
  },
  {
    sub: "5f0c7a1e-2b3d-4c8e-9f10-a1b2c3d4e503",
    username: "admin",
    givenName: "Ada",
    familyName: "Amministratrice",
    password: DEMO_PASSWORD,
    email: "admin@example.org",
    groups: ["admins/ai-infn", "users/ai-infn"],
    description: "administrator",
  },
  {
    sub: "5f0c7a1e-2b3d-4c8e-9f10-a1b2c3d4e504",
    username: "olga",
    givenName: "Olga",
    familyName: "Organizzatrice",
    password: DEMO_PASSWORD,
    email: "olga@example.org",
    groups: ["organisers/ai-infn", "users/ai-infn"],
    description: "hackathon organiser",
  },
  {
    sub: "5f0c7a1e-2b3d-4c8e-9f10-a1b2c3d4e505",
    username: "eve",
    givenName: "Eve",
    familyName: "Esterna",
    password: DEMO_PASSWORD,
    email: "eve@example.org",
    groups: ["users/other-experiment"],
    description: "outside every allowed group (refused)",
  },
];

export function findAccountByUsername(accounts: readonly DemoAccount[], username: string): DemoAccount | undefined {
  return accounts.find((a) => a.username === username.trim());
}

/** Claims exactly as INDIGO IAM issues them; the provider filters them by the granted scopes. */
export function iamClaims(account: DemoAccount): Record<string, unknown> {
  return {
    sub: account.sub,
    preferred_username: account.username,
    name: `${account.givenName} ${account.familyName}`,
    given_name: account.givenName,
    family_name: account.familyName,
    email: account.email,
    email_verified: true,
    organisation_name: "infn-cloud-dev",
    groups: [...account.groups],
    "wlcg.groups": account.groups.map((g) => `/${g}`),
  };
}
