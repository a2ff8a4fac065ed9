import type { V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import { isConflict, isNotFound, toAppError, type KubeClients } from "@/lib/kube/client";

/** Create/delete of the objects a session consists of; every error becomes an AppError. */

/**
 * Creates the home claim unless it exists; `created` tells the caller whether to remove it on
 * rollback. Create-first: one API call whether or not the claim exists (409 means it does).
 */
export async function ensureHomePvc(k: KubeClients, pvc: V1PersistentVolumeClaim): Promise<{ created: boolean }> {
  try {
    await k.core.createNamespacedPersistentVolumeClaim({ namespace: k.namespace, body: pvc });
    return { created: true };
  } catch (e) {
    if (isConflict(e)) return { created: false };
    throw toAppError(e, "creating the home volume");
  }
}

export async function createPod(k: KubeClients, pod: V1Pod): Promise<V1Pod> {
  try {
    return await k.core.createNamespacedPod({ namespace: k.namespace, body: pod });
  } catch (e) {
    throw toAppError(e, "creating the session pod");
  }
}

/** Deletes a pod; false when it was already gone. */
export async function deletePod(k: KubeClients, name: string, gracePeriodSeconds?: number): Promise<boolean> {
  try {
    await k.core.deleteNamespacedPod({ name, namespace: k.namespace, ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}) });
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw toAppError(e, "deleting the session pod");
  }
}

export async function deletePvc(k: KubeClients, name: string): Promise<void> {
  try {
    await k.core.deleteNamespacedPersistentVolumeClaim({ name, namespace: k.namespace });
  } catch (e) {
    if (!isNotFound(e)) throw toAppError(e, "removing the home volume");
  }
}

export async function readPodLogTail(k: KubeClients, name: string, lines = 20): Promise<string[]> {
  try {
    const text = await k.core.readNamespacedPodLog({ name, namespace: k.namespace, tailLines: lines });
    return String(text).split("\n").filter((l) => l.length > 0).slice(-lines);
  } catch {
    // Logs are a nicety on a failure message; the failure itself is reported regardless.
    return [];
  }
}
