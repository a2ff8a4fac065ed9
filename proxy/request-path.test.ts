import { describe, expect, it } from "vitest";
import { classifyPath } from "./request-path";

describe("classifyPath", () => {
  it.each([
    ["/user/alice/s1/", { kind: "session", username: "alice", sessionName: "s1", rest: 14 }],
    ["/user/alice/s1/api/kernels?x=1", { kind: "session", username: "alice", sessionName: "s1", rest: 14 }],
    ["/user/mario.rossi/lab-2/tree", { kind: "session", username: "mario.rossi", sessionName: "lab-2", rest: 23 }],
    ["/user/%61lice/s1/", { kind: "session", username: "alice", sessionName: "s1", rest: 16 }],
    ["/user/alice/s1", { kind: "add-slash", location: "/user/alice/s1/" }],
    ["/user/alice", { kind: "session-list" }],
    ["/user/", { kind: "session-list" }],
    ["/", { kind: "web" }],
    ["/api/v1/images/harbor.example.org%2Fml%2Ftorch", { kind: "web" }],
    ["/.well-known/openid-configuration", { kind: "web" }],
    ["/users/alice/s1/", { kind: "web" }],
  ])("%s", (url, expected) => {
    expect(classifyPath(url)).toEqual(expected);
  });

  it.each(["/user/alice/s1/../x", "/user/alice/s1/%2e%2E/x", "/user/alice/s1/a%2Fb", "/user/alice/s1/a%5cb", "/user/alice/s1/%E0%A4%A", "/a/../user/bob/s1/", "/user/alice/s1/./x", "/user/alice/s1/%00", "http://evil/user/alice/s1/", "*", "/user/.%2e/s1/"])(
    "refuses %s",
    (url) => {
      expect(classifyPath(url).kind).toBe("bad");
    },
  );
});
