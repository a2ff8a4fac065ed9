import { describe, expect, it } from "vitest";
import { parseDuration, submitBody } from "@/cli/cli-args";

describe("ai-hub CLI arguments", () => {
  it.each([
    ["90", 90],
    ["90s", 90],
    ["45m", 2700],
    ["2h", 7200],
    ["1d", 86400],
    ["1h30m", 5400],
  ])("duration %s = %i s", (text, want) => {
    expect(parseDuration(text)).toBe(want);
  });

  it.each(["", "2 hours", "h", "2x"])("rejects duration %j", (text) => {
    expect(() => parseDuration(text)).toThrow(/not a duration/);
  });

  it("builds the submit body", () => {
    expect(submitBody({ session: "thesis", trials: "4", deadline: "2h", priority: "high", offload: true, profile: "none", memory: "8Gi", cpu: "2" }, "echo hi")).toEqual({
      script: "echo hi",
      session: "thesis",
      profile: null,
      cpu: 2,
      memoryGiB: 8,
      trials: 4,
      deadlineSeconds: 7200,
      priority: "high",
      target: "offload",
    });
    expect(submitBody({ image: "VS Code", profile: "mig-1g.10gb" }, "x")).toEqual({ script: "x", image: "VS Code", profile: "mig-1g.10gb", target: "local" });
    expect(() => submitBody({ trials: "many" }, "x")).toThrow(/--trials must be a number/);
  });
});
