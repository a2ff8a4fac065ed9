/** The development IdP's demo accounts (dev-idp/), shared by every end-to-end test. */
export const password = "aihub-demo";

export const accounts = {
  alice: { username: "alice", groups: ["users/ai-infn"] },
  bob: { username: "bob", groups: ["users/ai-infn"] },
  admin: { username: "admin", groups: ["admins/ai-infn", "users/ai-infn"] },
  olga: { username: "olga", groups: ["organisers/ai-infn", "users/ai-infn"] },
  eve: { username: "eve", groups: ["users/other-experiment"] },
} as const;

export type AccountName = keyof typeof accounts;

export const storageState = (name: AccountName) => `e2e/.auth/${name}.json`;
