import { readFile } from "node:fs/promises";
import { KubernetesObjectApi, loadAllYaml, type KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import { isNotFound, toAppError } from "@/lib/kube/client";

/**
 * Create-or-replace of manifests, like `kubectl apply` without the three-way merge: enough for
 * the objects AI Hub owns (queues, priority classes), which nobody else edits.
 */
export async function applyObjects(kc: KubeConfig, objects: KubernetesObject[]): Promise<string[]> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  const done: string[] = [];
  for (const obj of objects) {
    const id = `${obj.kind}/${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ""}${obj.metadata?.name}`;
    try {
      let existing: KubernetesObject | undefined;
      try {
        existing = await client.read({ apiVersion: obj.apiVersion!, kind: obj.kind!, metadata: { name: obj.metadata!.name!, ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}) } });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      if (existing) await client.replace({ ...obj, metadata: { ...obj.metadata, resourceVersion: existing.metadata?.resourceVersion } });
      else await client.create(obj);
      done.push(id);
    } catch (e) {
      throw toAppError(e, `applying ${id}`);
    }
  }
  return done;
}

export async function applyManifestFiles(kc: KubeConfig, paths: string[]): Promise<string[]> {
  const objects: KubernetesObject[] = [];
  for (const p of paths) objects.push(...(loadAllYaml(await readFile(p, "utf8")) as KubernetesObject[]).filter(Boolean));
  return applyObjects(kc, objects);
}
