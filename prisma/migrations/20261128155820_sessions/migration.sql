-- CreateEnum
CREATE TYPE "ImageKind" AS ENUM ('jupyterlab', 'vscode');

-- CreateEnum
CREATE TYPE "GpuStrategy" AS ENUM ('mig-mixed', 'single', 'whole');

-- CreateEnum
CREATE TYPE "SessionState" AS ENUM ('requested', 'queued', 'starting', 'ready', 'stopping', 'stopped', 'failed');

-- CreateEnum
CREATE TYPE "EventLevel" AS ENUM ('info', 'warning', 'error');

-- CreateTable
CREATE TABLE "images" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "kind" "ImageKind" NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "is_default" BOOLEAN NOT NULL DEFAULT false,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "images_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gpu_profiles" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "gpu_memory_gib" DOUBLE PRECISION,
    "strategy" "GpuStrategy" NOT NULL,
    "resource_name" TEXT NOT NULL,
    "gpu_count" INTEGER NOT NULL DEFAULT 1,
    "node_selector" JSONB NOT NULL DEFAULT '{}',
    "tolerations" JSONB NOT NULL DEFAULT '[]',
    "accounting_weight" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "allowed_groups" TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "cull_exempt" BOOLEAN NOT NULL DEFAULT false,
    "sort_order" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "gpu_profiles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "session_policies" (
    "id" UUID NOT NULL,
    "group" TEXT NOT NULL,
    "max_sessions" INTEGER NOT NULL,
    "max_gpus" INTEGER NOT NULL,
    "max_cpu" DOUBLE PRECISION NOT NULL,
    "max_memory_gib" DOUBLE PRECISION NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "session_policies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "image_id" UUID NOT NULL,
    "profile_id" UUID,
    "gpu_count" INTEGER NOT NULL DEFAULT 0,
    "cpu" DOUBLE PRECISION NOT NULL,
    "memory_gib" DOUBLE PRECISION NOT NULL,
    "state" "SessionState" NOT NULL DEFAULT 'requested',
    "reason" TEXT,
    "progress" INTEGER NOT NULL DEFAULT 0,
    "namespace" TEXT NOT NULL,
    "pod_name" TEXT NOT NULL,
    "pod_ip" TEXT,
    "port" INTEGER NOT NULL DEFAULT 8888,
    "node" TEXT,
    "token" TEXT NOT NULL,
    "idempotency_key" TEXT,
    "stop_requested_at" TIMESTAMPTZ(3),
    "last_activity_at" TIMESTAMPTZ(3),
    "cull_warning_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ready_at" TIMESTAMPTZ(3),
    "stopped_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "session_events" (
    "id" UUID NOT NULL,
    "session_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "progress" INTEGER NOT NULL,
    "message" TEXT NOT NULL,
    "level" "EventLevel" NOT NULL DEFAULT 'info',
    "ready" BOOLEAN NOT NULL DEFAULT false,
    "failed" BOOLEAN NOT NULL DEFAULT false,
    "url" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "session_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "scopes" TEXT[],
    "expires_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "images_name_key" ON "images"("name");

-- CreateIndex
CREATE UNIQUE INDEX "gpu_profiles_key_key" ON "gpu_profiles"("key");

-- CreateIndex
CREATE UNIQUE INDEX "session_policies_group_key" ON "session_policies"("group");

-- CreateIndex
CREATE INDEX "sessions_user_id_state_idx" ON "sessions"("user_id", "state");

-- CreateIndex
CREATE INDEX "sessions_state_idx" ON "sessions"("state");

-- CreateIndex
CREATE UNIQUE INDEX "sessions_user_id_idempotency_key_key" ON "sessions"("user_id", "idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "session_events_session_id_seq_key" ON "session_events"("session_id", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_hash_key" ON "api_tokens"("hash");

-- CreateIndex
CREATE INDEX "api_tokens_user_id_idx" ON "api_tokens"("user_id");

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_image_id_fkey" FOREIGN KEY ("image_id") REFERENCES "images"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_profile_id_fkey" FOREIGN KEY ("profile_id") REFERENCES "gpu_profiles"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "session_events" ADD CONSTRAINT "session_events_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Seed: the default catalogue (lib/catalog/default-catalogue.ts)
INSERT INTO "images" ("id", "name", "reference", "kind", "description", "is_default", "updated_at") VALUES (gen_random_uuid(), 'JupyterLab (SciPy)', 'quay.io/jupyter/scipy-notebook:2025-03-17', 'jupyterlab', 'JupyterLab with Python 3, NumPy, SciPy, pandas, matplotlib.', true, CURRENT_TIMESTAMP);
INSERT INTO "images" ("id", "name", "reference", "kind", "description", "is_default", "updated_at") VALUES (gen_random_uuid(), 'JupyterLab (PyTorch, CUDA 12)', 'quay.io/jupyter/pytorch-notebook:cuda12-2025-03-17', 'jupyterlab', 'JupyterLab with PyTorch built for CUDA 12.', false, CURRENT_TIMESTAMP);
INSERT INTO "images" ("id", "name", "reference", "kind", "description", "is_default", "updated_at") VALUES (gen_random_uuid(), 'VS Code', 'codercom/code-server:4.96.4', 'vscode', 'VS Code in the browser (code-server).', false, CURRENT_TIMESTAMP);
INSERT INTO "gpu_profiles" ("id", "key", "display_name", "gpu_memory_gib", "strategy", "resource_name", "gpu_count", "node_selector", "tolerations", "accounting_weight", "allowed_groups", "cull_exempt", "sort_order", "updated_at") VALUES (gen_random_uuid(), 'mig-1g.10gb', 'A100 MIG 1g.10gb (10 GB)', 10, 'mig-mixed', 'nvidia.com/mig-1g.10gb', 1, '{}'::jsonb, '[{"key":"nvidia.com/gpu","operator":"Exists","effect":"PreferNoSchedule"}]'::jsonb, 0.125, ARRAY['users/ai-infn']::TEXT[], false, 90, CURRENT_TIMESTAMP);
INSERT INTO "gpu_profiles" ("id", "key", "display_name", "gpu_memory_gib", "strategy", "resource_name", "gpu_count", "node_selector", "tolerations", "accounting_weight", "allowed_groups", "cull_exempt", "sort_order", "updated_at") VALUES (gen_random_uuid(), 'mig-2g.20gb', 'A100 MIG 2g.20gb (20 GB)', 20, 'mig-mixed', 'nvidia.com/mig-2g.20gb', 1, '{}'::jsonb, '[{"key":"nvidia.com/gpu","operator":"Exists","effect":"PreferNoSchedule"}]'::jsonb, 0.25, ARRAY['users/ai-infn']::TEXT[], false, 80, CURRENT_TIMESTAMP);
INSERT INTO "gpu_profiles" ("id", "key", "display_name", "gpu_memory_gib", "strategy", "resource_name", "gpu_count", "node_selector", "tolerations", "accounting_weight", "allowed_groups", "cull_exempt", "sort_order", "updated_at") VALUES (gen_random_uuid(), 'mig-3g.40gb', 'A100 MIG 3g.40gb (40 GB)', 40, 'mig-mixed', 'nvidia.com/mig-3g.40gb', 1, '{}'::jsonb, '[{"key":"nvidia.com/gpu","operator":"Exists","effect":"PreferNoSchedule"}]'::jsonb, 0.5, ARRAY['users/ai-infn']::TEXT[], false, 70, CURRENT_TIMESTAMP);
INSERT INTO "gpu_profiles" ("id", "key", "display_name", "gpu_memory_gib", "strategy", "resource_name", "gpu_count", "node_selector", "tolerations", "accounting_weight", "allowed_groups", "cull_exempt", "sort_order", "updated_at") VALUES (gen_random_uuid(), 't4', 'NVIDIA T4 (16 GB)', 16, 'single', 'nvidia.com/gpu', 1, '{"nvidia.com/gpu.product":"Tesla-T4"}'::jsonb, '[{"key":"nvidia.com/gpu","operator":"Exists","effect":"PreferNoSchedule"}]'::jsonb, 0.2, ARRAY['users/ai-infn']::TEXT[], false, 60, CURRENT_TIMESTAMP);
INSERT INTO "gpu_profiles" ("id", "key", "display_name", "gpu_memory_gib", "strategy", "resource_name", "gpu_count", "node_selector", "tolerations", "accounting_weight", "allowed_groups", "cull_exempt", "sort_order", "updated_at") VALUES (gen_random_uuid(), 'rtx5000', 'Quadro RTX 5000 (16 GB)', 16, 'single', 'nvidia.com/gpu', 1, '{"nvidia.com/gpu.product":"Quadro-RTX-5000"}'::jsonb, '[{"key":"nvidia.com/gpu","operator":"Exists","effect":"PreferNoSchedule"}]'::jsonb, 0.2, ARRAY['users/ai-infn']::TEXT[], false, 50, CURRENT_TIMESTAMP);
INSERT INTO "gpu_profiles" ("id", "key", "display_name", "gpu_memory_gib", "strategy", "resource_name", "gpu_count", "node_selector", "tolerations", "accounting_weight", "allowed_groups", "cull_exempt", "sort_order", "updated_at") VALUES (gen_random_uuid(), 'a30', 'NVIDIA A30 (24 GB)', 24, 'single', 'nvidia.com/gpu', 1, '{"nvidia.com/gpu.product":"NVIDIA-A30"}'::jsonb, '[{"key":"nvidia.com/gpu","operator":"Exists","effect":"PreferNoSchedule"}]'::jsonb, 0.3, ARRAY['users/ai-infn']::TEXT[], false, 40, CURRENT_TIMESTAMP);
INSERT INTO "gpu_profiles" ("id", "key", "display_name", "gpu_memory_gib", "strategy", "resource_name", "gpu_count", "node_selector", "tolerations", "accounting_weight", "allowed_groups", "cull_exempt", "sort_order", "updated_at") VALUES (gen_random_uuid(), 'a100', 'NVIDIA A100 80 GB (whole card)', 80, 'single', 'nvidia.com/gpu', 1, '{"nvidia.com/gpu.product":"NVIDIA-A100-80GB-PCIe"}'::jsonb, '[{"key":"nvidia.com/gpu","operator":"Exists","effect":"PreferNoSchedule"}]'::jsonb, 1, ARRAY['admins/ai-infn']::TEXT[], false, 30, CURRENT_TIMESTAMP);
INSERT INTO "session_policies" ("id", "group", "max_sessions", "max_gpus", "max_cpu", "max_memory_gib", "updated_at") VALUES (gen_random_uuid(), 'users/ai-infn', 3, 2, 8, 32, CURRENT_TIMESTAMP);
