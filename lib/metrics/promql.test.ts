import { describe, expect, it } from "vitest";
import { deviceSeries, deviceUtilisation, duration, idleGpuHolders, podSeries, quote, quoteRegex, selector } from "@/lib/metrics/promql";

describe("promql: escaping", () => {
  it.each([
    ["plain", '"plain"'],
    ['say "hi"', '"say \\"hi\\""'],
    ["back\\slash", '"back\\\\slash"'],
    ["line\nbreak", '"line\\nbreak"'],
    ['"} or vector(1) #', '"\\"} or vector(1) #"'],
  ])("quote(%j)", (raw, want) => {
    expect(quote(raw)).toBe(want);
  });

  it("escapes regex metacharacters for =~", () => {
    expect(quoteRegex("session-a.b+")).toBe('"session-a\\\\.b\\\\+"');
  });

  it("builds selectors, skipping undefined, rejecting bad label names", () => {
    expect(selector({ a: "x", b: { re: "y|z" }, c: { not: "" }, d: undefined })).toBe('{a="x",b=~"y|z",c!=""}');
    expect(() => selector({ "bad-name": "x" })).toThrow(/invalid label name/);
  });

  it.each(["30m", "5s", "1h", "250ms"])("accepts duration %s", (d) => expect(duration(d)).toBe(d));
  it.each(["30", "5 m", "1h) or vector(1", ""])("rejects duration %j", (d) => expect(() => duration(d)).toThrow());
});

describe("promql: builders", () => {
  it("uses engine activity for MIG instances and GPU_UTIL for whole GPUs", () => {
    expect(deviceUtilisation()).toBe('DCGM_FI_PROF_GR_ENGINE_ACTIVE{GPU_I_ID!=""} or (DCGM_FI_DEV_GPU_UTIL{GPU_I_ID=""} / 100)');
  });

  it.each([
    ["fbUsed", undefined, "DCGM_FI_DEV_FB_USED{}"],
    ["power", "gpu-a100", 'DCGM_FI_DEV_POWER_USAGE{Hostname="gpu-a100"}'],
    ["temperature", 'x"y', 'DCGM_FI_DEV_GPU_TEMP{Hostname="x\\"y"}'],
  ] as const)("deviceSeries(%s, %s)", (m, node, want) => {
    expect(deviceSeries(m, node ? { node } : {})).toBe(want);
  });

  it("idle holders: below the threshold for the whole window, holding a GPU, running at least the window", () => {
    const q = idleGpuHolders({ window: "30m", threshold: 0.05, namespace: "ai-hub" });
    expect(q).toContain('max_over_time((max by (namespace, pod) (DCGM_FI_PROF_GR_ENGINE_ACTIVE{pod!="",namespace="ai-hub"}');
    expect(q).toContain("[30m:]) < 0.05)");
    expect(q).toContain('kube_pod_container_resource_requests{namespace="ai-hub",resource=~"nvidia_com_gpu|nvidia_com_mig_.+"}');
    expect(q).toContain('kube_pod_status_phase{namespace="ai-hub",phase="Running"} == 1');
    expect(q).toContain(">= 1800)");
    expect(() => idleGpuHolders({ threshold: 5 })).toThrow(/ratio/);
  });

  it("per-pod series escape the pod name", () => {
    const s = podSeries({ namespace: "ns", pod: 'p"}' });
    expect(s.activity).toContain('pod="p\\"}"');
    expect(s.memoryMiB).toBe('sum by (namespace, pod) (DCGM_FI_DEV_FB_USED{namespace="ns",pod="p\\"}"})');
  });
});
