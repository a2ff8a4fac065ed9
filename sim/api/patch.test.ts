import { describe, expect, it } from "vitest";
import { ApiError } from "../store/types";
import { jsonPatch, mergePatch, strategicMergePatch } from "./patch";

const pod = () => ({
  metadata: { labels: { a: "1", b: "2" }, finalizers: ["x"] },
  spec: {
    containers: [
      { name: "main", image: "app:1", env: [{ name: "A", value: "1" }, { name: "B", value: "2" }], volumeMounts: [{ name: "home", mountPath: "/home" }] },
      { name: "side", image: "side:1" },
    ],
    volumes: [{ name: "home", emptyDir: {} }],
    tolerations: [{ key: "t1", operator: "Exists" }],
  },
});

describe("strategic merge patch", () => {
  it("merges lists by key and replaces tolerations", () => {
    const out = strategicMergePatch(pod(), {
      spec: {
        containers: [{ name: "main", env: [{ name: "B", value: "3" }, { name: "C", value: "4" }] }, { name: "new", image: "n:1" }],
        tolerations: [{ key: "t2", operator: "Exists" }],
      },
    }) as ReturnType<typeof pod>;
    expect(out.spec.containers.map((c) => c.name)).toEqual(["main", "side", "new"]);
    expect(out.spec.containers[0]!.image).toBe("app:1");
    expect(out.spec.containers[0]!.env).toEqual([{ name: "A", value: "1" }, { name: "B", value: "3" }, { name: "C", value: "4" }]);
    expect(out.spec.tolerations).toEqual([{ key: "t2", operator: "Exists" }]);
  });

  it("honours $patch: delete, $deleteFromPrimitiveList, $setElementOrder and null", () => {
    const out = strategicMergePatch(pod(), {
      metadata: { labels: { a: null }, "$deleteFromPrimitiveList/finalizers": ["x"] },
      spec: {
        "$setElementOrder/containers": [{ name: "main" }],
        containers: [{ name: "side", $patch: "delete" }],
        volumes: [{ name: "home", $patch: "delete" }],
      },
    }) as ReturnType<typeof pod>;
    expect(out.metadata.labels).toEqual({ b: "2" });
    expect(out.metadata.finalizers).toEqual([]);
    expect(out.spec.containers.map((c) => c.name)).toEqual(["main"]);
    expect(out.spec.volumes).toEqual([]);
  });

  it("unions primitive merge lists", () => {
    expect((strategicMergePatch(pod(), { metadata: { finalizers: ["y", "x"] } }) as ReturnType<typeof pod>).metadata.finalizers).toEqual(["x", "y"]);
  });
});

describe("JSON merge patch", () => {
  it("replaces lists and deletes with null", () => {
    const out = mergePatch(pod(), { metadata: { labels: { b: null, c: "3" } }, spec: { containers: [{ name: "only", image: "o" }] } }) as ReturnType<typeof pod>;
    expect(out.metadata.labels).toEqual({ a: "1", c: "3" });
    expect(out.spec.containers).toEqual([{ name: "only", image: "o" }]);
  });
});

describe("JSON patch", () => {
  it("applies add, replace, remove, move, copy and test", () => {
    const out = jsonPatch(pod(), [
      { op: "test", path: "/spec/containers/0/name", value: "main" },
      { op: "add", path: "/metadata/labels/c", value: "3" },
      { op: "replace", path: "/spec/containers/1/image", value: "side:2" },
      { op: "remove", path: "/metadata/labels/a" },
      { op: "copy", from: "/metadata/labels/b", path: "/metadata/labels/d" },
      { op: "move", from: "/metadata/labels/c", path: "/metadata/labels/e" },
      { op: "add", path: "/spec/tolerations/-", value: { key: "t3" } },
    ]) as ReturnType<typeof pod>;
    expect(out.metadata.labels).toEqual({ b: "2", d: "2", e: "3" });
    expect(out.spec.containers[1]!.image).toBe("side:2");
    expect(out.spec.tolerations).toHaveLength(2);
  });

  it("fails a bad operation with 422 and a non-list body with 400", () => {
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e instanceof ApiError ? e.code : -1;
      }
      return 0;
    };
    expect(codeOf(() => jsonPatch(pod(), [{ op: "replace", path: "/spec/nothing", value: 1 }]))).toBe(422);
    expect(codeOf(() => jsonPatch(pod(), [{ op: "test", path: "/metadata/labels/a", value: "2" }]))).toBe(422);
    expect(codeOf(() => jsonPatch(pod(), { op: "add" }))).toBe(400);
  });
});
