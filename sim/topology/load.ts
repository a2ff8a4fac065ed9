import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { parseQuantity } from "../runtime/quantity";
import { migFamily, modelInfo, namedLayout } from "./gpu-models";
import type { GpuSpec, ImageSpec, MigStrategy, NodeSpec, Topology } from "./types";

/** A topology file with errors: every problem, each prefixed with its path in the file. */
export class TopologyError extends Error {
  constructor(public readonly errors: string[], source?: string) {
    super(`invalid topology${source ? ` ${source}` : ""}:\n  ${errors.join("\n  ")}`);
    this.name = "TopologyError";
  }
}

export const defaultTopologyPath = fileURLToPath(new URL("./default.yaml", import.meta.url));

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const dns1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelKey = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
export const interlinkTaintKey = "virtual-node.interlink/no-schedule";

/** Reads a topology from a file path or YAML text (default: sim/topology/default.yaml). */
export function loadTopology(pathOrYaml?: string): Topology {
  let text: string;
  let source: string | undefined;
  if (pathOrYaml === undefined || (!pathOrYaml.includes("\n") && existsSync(pathOrYaml))) {
    source = pathOrYaml ?? defaultTopologyPath;
    text = readFileSync(source, "utf8");
  } else if (pathOrYaml.includes("\n") || pathOrYaml.includes(":")) {
    text = pathOrYaml;
  } else {
    throw new TopologyError([`cannot read topology file "${pathOrYaml}"`]);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new TopologyError([`YAML syntax: ${(e as Error).message}`], source);
  }
  const errors: string[] = [];
  const topo = validate(doc, errors);
  if (errors.length) throw new TopologyError(errors, source);
  return topo;
}

function validate(doc: unknown, errors: string[]): Topology {
  const err = (path: string, msg: string) => errors.push(`${path}: ${msg}`);
  if (!isObj(doc)) {
    err("(root)", "must be a mapping with nodes, images and defaultPullMs");
    return { nodes: [], images: [], defaultPullMs: 0 };
  }
  for (const k of Object.keys(doc)) if (!["nodes", "images", "defaultPullMs"].includes(k)) err(k, "unknown field");
  const defaultPullMs = doc.defaultPullMs ?? 1000;
  if (typeof defaultPullMs !== "number" || defaultPullMs < 0) err("defaultPullMs", "must be a non-negative number of milliseconds");
  const nodes: NodeSpec[] = [];
  if (!Array.isArray(doc.nodes) || doc.nodes.length === 0) err("nodes", "must be a non-empty list");
  else {
    const seen = new Set<string>();
    doc.nodes.forEach((n, i) => {
      const node = validateNode(n, `nodes[${i}]`, err);
      if (!node) return;
      if (seen.has(node.name)) err(`nodes[${i}].name`, `duplicate node name "${node.name}"`);
      seen.add(node.name);
      nodes.push(node);
    });
  }
  const images: ImageSpec[] = [];
  if (doc.images !== undefined && !Array.isArray(doc.images)) err("images", "must be a list");
  (Array.isArray(doc.images) ? doc.images : []).forEach((im, i) => {
    const img = validateImage(im, `images[${i}]`, err);
    if (img) images.push(img);
  });
  return { nodes, images, defaultPullMs: typeof defaultPullMs === "number" ? defaultPullMs : 0 };
}

function validateImage(v: unknown, path: string, err: (p: string, m: string) => void): ImageSpec | undefined {
  if (!isObj(v)) return void err(path, "must be a mapping");
  for (const k of Object.keys(v)) if (!["match", "pullMs", "missing", "program"].includes(k)) err(`${path}.${k}`, "unknown field");
  if (typeof v.match !== "string" || !v.match) err(`${path}.match`, "required: an image reference, or a prefix ending in *");
  if (v.pullMs !== undefined && (typeof v.pullMs !== "number" || v.pullMs < 0)) err(`${path}.pullMs`, "must be a non-negative number");
  if (v.missing !== undefined && typeof v.missing !== "boolean") err(`${path}.missing`, "must be true or false");
  let program: ImageSpec["program"];
  if (v.program !== undefined) {
    const pr = v.program;
    if (!isObj(pr)) err(`${path}.program`, "must be a mapping with command");
    else {
      for (const k of Object.keys(pr)) if (!["command", "env", "useContainerCommand"].includes(k)) err(`${path}.program.${k}`, "unknown field");
      const cmdOk = Array.isArray(pr.command) && pr.command.length > 0 && pr.command.every((c) => typeof c === "string");
      if (!cmdOk && pr.useContainerCommand !== true) err(`${path}.program.command`, "required: a non-empty list of strings (argv, no shell)");
      const envOk = pr.env === undefined || (isObj(pr.env) && Object.values(pr.env).every((x) => typeof x === "string"));
      if (!envOk) err(`${path}.program.env`, "must map names to strings");
      program = { command: cmdOk ? (pr.command as string[]) : [], env: pr.env as Record<string, string> | undefined, useContainerCommand: pr.useContainerCommand === true };
    }
  }
  return { match: String(v.match ?? ""), pullMs: v.pullMs as number | undefined, missing: v.missing === true, program };
}

const nodeFields = ["name", "labels", "taints", "cpu", "memory", "pods", "gpus", "migStrategy", "virtual"];

function validateNode(v: unknown, path: string, err: (p: string, m: string) => void): NodeSpec | undefined {
  if (!isObj(v)) return void err(path, "must be a mapping");
  for (const k of Object.keys(v)) if (!nodeFields.includes(k)) err(`${path}.${k}`, "unknown field");
  const name = typeof v.name === "string" ? v.name : "";
  if (!name || name.length > 253 || !dns1123.test(name)) err(`${path}.name`, `must be a DNS-1123 subdomain, got ${JSON.stringify(v.name)}`);
  const labels: Record<string, string> = {};
  if (v.labels !== undefined && !isObj(v.labels)) err(`${path}.labels`, "must be a mapping");
  for (const [k, val] of Object.entries(isObj(v.labels) ? v.labels : {})) {
    if (!labelKey.test(k)) err(`${path}.labels.${k}`, "invalid label key");
    const s = String(val);
    if (s.length > 63 || !labelValue.test(s)) err(`${path}.labels.${k}`, `invalid label value ${JSON.stringify(s)}`);
    labels[k] = s;
  }
  const taints: NodeSpec["taints"] = [];
  if (v.taints !== undefined && !Array.isArray(v.taints)) err(`${path}.taints`, "must be a list");
  (Array.isArray(v.taints) ? v.taints : []).forEach((t, j) => {
    const tp = `${path}.taints[${j}]`;
    if (!isObj(t)) return err(tp, "must be a mapping with key, value, effect");
    if (typeof t.key !== "string" || !labelKey.test(t.key)) err(`${tp}.key`, "must be a valid label key");
    if (!effects.includes(String(t.effect))) err(`${tp}.effect`, `must be one of ${effects.join(", ")}`);
    taints.push({ key: String(t.key), value: t.value === undefined ? undefined : String(t.value), effect: t.effect as NodeSpec["taints"][number]["effect"] });
  });
  const quantity = (f: "cpu" | "memory") => {
    const q = v[f];
    if (q === undefined) return void err(`${path}.${f}`, "required");
    if ((typeof q !== "string" && typeof q !== "number") || !(parseQuantity(String(q)) > 0)) return void err(`${path}.${f}`, `invalid quantity ${JSON.stringify(q)}`);
    return String(q);
  };
  const cpu = quantity("cpu") ?? "0";
  const memory = quantity("memory") ?? "0";
  if (v.pods !== undefined && (!Number.isInteger(v.pods) || (v.pods as number) < 1)) err(`${path}.pods`, "must be a positive integer");
  const migStrategy = (v.migStrategy ?? "none") as MigStrategy;
  if (!["none", "single", "mixed"].includes(migStrategy)) err(`${path}.migStrategy`, `must be none, single or mixed, got ${JSON.stringify(v.migStrategy)}`);
  let virtual: NodeSpec["virtual"];
  if (v.virtual !== undefined) {
    const vl = isObj(v.virtual) ? v.virtual.startLatencyMs ?? 0 : undefined;
    if (typeof vl !== "number" || vl < 0) err(`${path}.virtual.startLatencyMs`, "must be a non-negative number of milliseconds");
    else virtual = { startLatencyMs: vl };
  }
  const gpus: GpuSpec[] = [];
  if (v.gpus !== undefined && !Array.isArray(v.gpus)) err(`${path}.gpus`, "must be a list");
  (Array.isArray(v.gpus) ? v.gpus : []).forEach((g, j) => {
    const gpu = validateGpu(g, `${path}.gpus[${j}]`, err, migStrategy, !!virtual);
    if (gpu) gpus.push(gpu);
  });
  if (migStrategy === "single") checkSingle(gpus, path, err);
  return { name, labels, taints, cpu, memory, pods: (v.pods as number | undefined) ?? 110, gpus, migStrategy, virtual };
}

function validateGpu(v: unknown, path: string, err: (p: string, m: string) => void, strategy: MigStrategy, isVirtual: boolean): GpuSpec | undefined {
  if (!isObj(v)) return void err(path, "must be a mapping with model and count");
  for (const k of Object.keys(v)) if (!["model", "count", "memoryMiB", "mig"].includes(k)) err(`${path}.${k}`, "unknown field");
  const model = typeof v.model === "string" ? v.model.replace(/ /g, "-") : "";
  if (!model) err(`${path}.model`, "required: the GFD product name, e.g. Tesla-T4");
  const count = v.count;
  if (!Number.isInteger(count) || (count as number) < 1) err(`${path}.count`, "must be a positive integer");
  const memoryMiB = (v.memoryMiB as number | undefined) ?? modelInfo(model)?.memoryMiB;
  if (typeof memoryMiB !== "number" || memoryMiB <= 0) err(`${path}.memoryMiB`, `required for a model the simulator does not know (${model})`);
  if (v.mig === undefined) return { model, count: count as number, memoryMiB: memoryMiB ?? 0 };
  if (isVirtual) err(`${path}.mig`, "virtual nodes advertise whole GPUs only");
  if (strategy === "none") err(`${path}.mig`, "a MIG layout needs migStrategy single or mixed on the node");
  const family = migFamily(model);
  if (!family) return void err(`${path}.mig`, `${model} does not support MIG`);
  if (!Array.isArray(v.mig)) return void err(`${path}.mig`, "must be a list with one layout per GPU");
  if (Number.isInteger(count) && v.mig.length !== count) err(`${path}.mig`, `has ${v.mig.length} layouts for ${String(count)} GPUs`);
  const mig: string[][] = [];
  v.mig.forEach((layout, k) => {
    const lp = `${path}.mig[${k}]`;
    let profiles: string[] | undefined;
    if (typeof layout === "string") {
      profiles = namedLayout(family, layout);
      if (!profiles) return err(lp, `unknown MIG config "${layout}" for ${model} (use all-<profile>, all-balanced or a list)`);
    } else if (Array.isArray(layout)) {
      profiles = layout.map(String);
    } else return err(lp, "must be a list of MIG profiles or a mig-parted config name");
    let compute = 0;
    let memory = 0;
    const counts = new Map<string, number>();
    profiles.forEach((pn, m) => {
      const prof = family.profiles.find((x) => x.name === pn);
      if (!prof) return err(typeof layout === "string" ? lp : `${lp}[${m}]`, `unknown MIG profile "${pn}" for ${model}`);
      compute += prof.computeSlices;
      memory += prof.memorySlices;
      counts.set(pn, (counts.get(pn) ?? 0) + 1);
      if (counts.get(pn) === prof.maxInstances + 1) err(lp, `more than ${prof.maxInstances} instance(s) of ${pn}`);
    });
    if (compute > family.computeSlices || memory > family.memorySlices)
      err(lp, `layout needs ${compute}/${family.computeSlices} compute and ${memory}/${family.memorySlices} memory slices of ${model}`);
    mig.push(profiles);
  });
  return { model, count: count as number, memoryMiB: memoryMiB ?? 0, mig };
}

/** The device plugin's single strategy requires every GPU on the node to be cut into identical slices. */
function checkSingle(gpus: GpuSpec[], path: string, err: (p: string, m: string) => void) {
  const sliced = gpus.filter((g) => g.mig && g.mig.length);
  if (!sliced.length) return;
  const all = new Set(sliced.flatMap((g) => g.mig!.flat()));
  if (sliced.length !== gpus.length || gpus.some((g) => g.mig!.some((l) => l.length === 0)))
    err(`${path}.migStrategy`, "single strategy needs every GPU on the node MIG-enabled");
  if (all.size > 1) err(`${path}.migStrategy`, `single strategy needs one MIG profile on the node, found ${[...all].join(", ")} (use mixed)`);
}
