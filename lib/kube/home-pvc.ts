import type { V1PersistentVolumeClaim } from "@kubernetes/client-node";
import { USER_ID_LABEL, USER_LABEL, homeClaimName, labelValue, managedLabels } from "@/lib/kube/labels";

/**
 * The user's home volume claim, created on first use and kept across sessions. It has no owner
 * reference: deleting a session must never delete a home directory.
 */
export function buildHomePvc(p: {
  namespace: string;
  userId: string;
  username: string;
  size: string;
  storageClassName?: string | undefined;
}): V1PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: homeClaimName(p.userId),
      namespace: p.namespace,
      labels: managedLabels("home", { [USER_LABEL]: labelValue(p.username), [USER_ID_LABEL]: labelValue(p.userId) }),
    },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: p.size } },
      ...(p.storageClassName ? { storageClassName: p.storageClassName } : {}),
    },
  };
}
