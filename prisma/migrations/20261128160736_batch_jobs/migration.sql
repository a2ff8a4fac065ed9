-- CreateEnum
CREATE TYPE "BatchJobState" AS ENUM ('submitted', 'queued', 'admitted', 'running', 'preempted', 'succeeded', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "BatchTarget" AS ENUM ('local', 'offload');

-- CreateTable
CREATE TABLE "batch_jobs" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "session_id" UUID,
    "name" TEXT NOT NULL,
    "k8s_name" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "image" TEXT NOT NULL,
    "profile_key" TEXT,
    "gpu_count" INTEGER NOT NULL DEFAULT 0,
    "cpu" DOUBLE PRECISION NOT NULL,
    "memory_gib" DOUBLE PRECISION NOT NULL,
    "trials" INTEGER NOT NULL,
    "deadline_seconds" INTEGER NOT NULL,
    "priority" TEXT NOT NULL,
    "target" "BatchTarget" NOT NULL DEFAULT 'local',
    "state" "BatchJobState" NOT NULL DEFAULT 'submitted',
    "state_reason" TEXT,
    "state_message" TEXT,
    "state_detail" TEXT,
    "exit_code" INTEGER,
    "queue_position" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "admitted_at" TIMESTAMPTZ(3),
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "cancelled_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "batch_jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "batch_job_events" (
    "id" UUID NOT NULL,
    "job_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "state" "BatchJobState" NOT NULL,
    "reason" TEXT,
    "message" TEXT NOT NULL,
    "detail" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "batch_job_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "batch_job_trials" (
    "job_id" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "pod_name" TEXT,
    "node" TEXT,
    "phase" TEXT NOT NULL,
    "exit_code" INTEGER,
    "log_tail" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "batch_job_trials_pkey" PRIMARY KEY ("job_id","index")
);

-- CreateTable
CREATE TABLE "batch_job_intervals" (
    "id" UUID NOT NULL,
    "job_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "flavor" TEXT NOT NULL,
    "resource_name" TEXT,
    "gpu_count" INTEGER NOT NULL,
    "cpu" DOUBLE PRECISION NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),
    "end_reason" TEXT,

    CONSTRAINT "batch_job_intervals_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "batch_jobs_user_id_created_at_idx" ON "batch_jobs"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "batch_jobs_state_idx" ON "batch_jobs"("state");

-- CreateIndex
CREATE UNIQUE INDEX "batch_jobs_namespace_k8s_name_key" ON "batch_jobs"("namespace", "k8s_name");

-- CreateIndex
CREATE UNIQUE INDEX "batch_job_events_job_id_seq_key" ON "batch_job_events"("job_id", "seq");

-- CreateIndex
CREATE INDEX "batch_job_intervals_job_id_idx" ON "batch_job_intervals"("job_id");

-- CreateIndex
CREATE INDEX "batch_job_intervals_user_id_started_at_idx" ON "batch_job_intervals"("user_id", "started_at");

-- CreateIndex
CREATE INDEX "batch_job_intervals_ended_at_idx" ON "batch_job_intervals"("ended_at");

-- AddForeignKey
ALTER TABLE "batch_jobs" ADD CONSTRAINT "batch_jobs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch_jobs" ADD CONSTRAINT "batch_jobs_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch_job_events" ADD CONSTRAINT "batch_job_events_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "batch_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch_job_trials" ADD CONSTRAINT "batch_job_trials_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "batch_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch_job_intervals" ADD CONSTRAINT "batch_job_intervals_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "batch_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
