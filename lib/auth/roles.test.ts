import { describe, it, expect } from "vitest";
import { accessDecision, hasRole, rolesFromGroups, type GroupPolicy, type Role } from "@/lib/auth/roles";

const policy: GroupPolicy = {
  allowedGroups: ["users/ai-infn"],
  adminGroups: ["admins/ai-infn"],
  organiserGroups: ["organisers/ai-infn"],
};

describe("auth: rolesFromGroups and accessDecision", () => {
  const cases: { name: string; groups: string[]; policy?: GroupPolicy; roles: Role[] }[] = [
    { name: "researcher", groups: ["users/ai-infn"], roles: ["researcher"] },
    { name: "admin in both groups", groups: ["admins/ai-infn", "users/ai-infn"], roles: ["researcher", "admin"] },
    { name: "admin without the allowed group is admitted", groups: ["admins/ai-infn"], roles: ["researcher", "admin"] },
    { name: "organiser", groups: ["organisers/ai-infn", "users/ai-infn"], roles: ["researcher", "organiser"] },
    { name: "organiser only", groups: ["organisers/ai-infn"], roles: ["researcher", "organiser"] },
    { name: "outsider", groups: ["users/other-experiment"], roles: [] },
    { name: "no groups", groups: [], roles: [] },
    { name: "case matters (IAM group names are exact)", groups: ["Users/AI-INFN"], roles: [] },
    { name: "subgroup is not the group", groups: ["users/ai-infn/sub"], roles: [] },
    { name: "configured group with a leading slash", groups: ["users/ai-infn"], policy: { ...policy, allowedGroups: ["/users/ai-infn"] }, roles: ["researcher"] },
    { name: "several allowed groups", groups: ["cms"], policy: { ...policy, allowedGroups: ["users/ai-infn", "cms"] }, roles: ["researcher"] },
    { name: "no organiser groups configured", groups: ["organisers/ai-infn"], policy: { ...policy, organiserGroups: [] }, roles: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = c.policy ?? policy;
      expect(rolesFromGroups(c.groups, p)).toEqual(c.roles);
      const decision = accessDecision(c.groups, p);
      expect(decision.allowed).toBe(c.roles.length > 0);
      if (decision.allowed) expect(decision.roles).toEqual(c.roles);
    });
  }

  it("a refusal names the allowed groups", () => {
    expect(accessDecision(["x"], { ...policy, allowedGroups: ["/users/ai-infn", "cms"] })).toEqual({
      allowed: false,
      requiredGroups: ["users/ai-infn", "cms"],
    });
  });

  it("with no allowed groups, a refusal names the organiser and admin groups", () => {
    expect(accessDecision([], { ...policy, allowedGroups: [] })).toEqual({
      allowed: false,
      requiredGroups: ["organisers/ai-infn", "admins/ai-infn"],
    });
  });
});

describe("auth: hasRole", () => {
  const cases: { roles: string[]; role: Role; want: boolean }[] = [
    { roles: ["researcher"], role: "researcher", want: true },
    { roles: ["researcher"], role: "admin", want: false },
    { roles: ["researcher"], role: "organiser", want: false },
    { roles: ["researcher", "organiser"], role: "organiser", want: true },
    { roles: ["researcher", "admin"], role: "organiser", want: true },
    { roles: ["admin"], role: "researcher", want: true },
    { roles: [], role: "researcher", want: false },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.roles)} has ${c.role}: ${c.want}`, () => expect(hasRole(c.roles, c.role)).toBe(c.want));
  }
});
