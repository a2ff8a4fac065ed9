import type { GpuStrategy } from "@/lib/gpu/gpu-request";

/**
 * The catalogue seeded by the sessions migration and used by `npm run kueue:generate` when no
 * other catalogue is given. It matches the AI_INFN servers (and the simulator's default topology):
 * A100s cut into MIG slices advertised with the *mixed* strategy, whole T4, RTX 5000, A100 and A30
 * cards selected by `nvidia.com/gpu.product`. Admins edit it in the database afterwards.
 */

export interface CatalogueImage {
  name: string;
  reference: string;
  kind: "jupyterlab" | "vscode";
  description: string;
  isDefault: boolean;
}

export interface CatalogueProfile {
  key: string;
  displayName: string;
  gpuMemoryGiB: number;
  strategy: GpuStrategy;
  resourceName: string;
  gpuCount: number;
  nodeSelector: Record<string, string>;
  tolerations: Array<{ key: string; operator: "Exists"; effect: string }>;
  accountingWeight: number;
  allowedGroups: string[];
  cullExempt: boolean;
  sortOrder: number;
}

export const defaultImages: CatalogueImage[] = [
  {
    name: "JupyterLab (SciPy)",
    reference: "quay.io/jupyter/scipy-notebook:2025-03-17",
    kind: "jupyterlab",
    description: "JupyterLab with Python 3, NumPy, SciPy, pandas, matplotlib.",
    isDefault: true,
  },
  {
    name: "JupyterLab (PyTorch, CUDA 12)",
    reference: "quay.io/jupyter/pytorch-notebook:cuda12-2025-03-17",
    kind: "jupyterlab",
    description: "JupyterLab with PyTorch built for CUDA 12.",
    isDefault: false,
  },
  {
    name: "VS Code",
    reference: "codercom/code-server:4.96.4",
    kind: "vscode",
    description: "VS Code in the browser (code-server).",
    isDefault: false,
  },
];

const gpuToleration = [{ key: "nvidia.com/gpu", operator: "Exists" as const, effect: "PreferNoSchedule" }];
const researchers = ["users/ai-infn"];

export const defaultProfiles: CatalogueProfile[] = [
  mig("mig-1g.10gb", "A100 MIG 1g.10gb (10 GB)", 10, 0.125, 90),
  mig("mig-2g.20gb", "A100 MIG 2g.20gb (20 GB)", 20, 0.25, 80),
  mig("mig-3g.40gb", "A100 MIG 3g.40gb (40 GB)", 40, 0.5, 70),
  whole("t4", "NVIDIA T4 (16 GB)", 16, "Tesla-T4", 0.2, researchers, 60),
  whole("rtx5000", "Quadro RTX 5000 (16 GB)", 16, "Quadro-RTX-5000", 0.2, researchers, 50),
  whole("a30", "NVIDIA A30 (24 GB)", 24, "NVIDIA-A30", 0.3, researchers, 40),
  // The one whole A100 is kept for administrators' large jobs.
  whole("a100", "NVIDIA A100 80 GB (whole card)", 80, "NVIDIA-A100-80GB-PCIe", 1, ["admins/ai-infn"], 30),
];

function mig(key: string, displayName: string, gpuMemoryGiB: number, accountingWeight: number, sortOrder: number): CatalogueProfile {
  return {
    key,
    displayName,
    gpuMemoryGiB,
    strategy: "mig-mixed",
    resourceName: `nvidia.com/${key}`,
    gpuCount: 1,
    nodeSelector: {},
    tolerations: gpuToleration,
    accountingWeight,
    allowedGroups: researchers,
    cullExempt: false,
    sortOrder,
  };
}

function whole(key: string, displayName: string, gpuMemoryGiB: number, product: string, accountingWeight: number, allowedGroups: string[], sortOrder: number): CatalogueProfile {
  return {
    key,
    displayName,
    gpuMemoryGiB,
    strategy: "single",
    resourceName: "nvidia.com/gpu",
    gpuCount: 1,
    nodeSelector: { "nvidia.com/gpu.product": product },
    tolerations: gpuToleration,
    accountingWeight,
    allowedGroups,
    cullExempt: false,
    sortOrder,
  };
}

export const defaultPolicies = [{ group: "users/ai-infn", maxSessions: 3, maxGpus: 2, maxCpu: 8, maxMemoryGiB: 32 }];
