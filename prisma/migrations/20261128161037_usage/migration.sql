-- CreateEnum
CREATE TYPE "UsageSource" AS ENUM ('session', 'job');

-- CreateTable
CREATE TABLE "usage_records" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "group_charged" TEXT NOT NULL,
    "profile_key" TEXT,
    "gpu_model" TEXT,
    "gpu_count" INTEGER NOT NULL,
    "weight" DOUBLE PRECISION NOT NULL,
    "cpu" DOUBLE PRECISION NOT NULL,
    "memory_gib" DOUBLE PRECISION NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "end_reason" TEXT,
    "source" "UsageSource" NOT NULL,
    "source_id" UUID NOT NULL,
    "pod_name" TEXT,
    "event_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "usage_records_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "usage_monthly" (
    "month" DATE NOT NULL,
    "user_id" UUID NOT NULL,
    "group_charged" TEXT NOT NULL,
    "profile_key" TEXT NOT NULL,
    "source" "UsageSource" NOT NULL,
    "gpu_hours" DOUBLE PRECISION NOT NULL,
    "records" INTEGER NOT NULL,

    CONSTRAINT "usage_monthly_pkey" PRIMARY KEY ("month","user_id","group_charged","profile_key","source")
);

-- CreateTable
CREATE TABLE "budgets" (
    "id" UUID NOT NULL,
    "group" TEXT NOT NULL,
    "profile_key" TEXT NOT NULL DEFAULT '*',
    "monthly_gpu_hours" DECIMAL(12,2) NOT NULL,
    "user_cap" DECIMAL(12,2),
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "budgets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "user_accounting_prefs" (
    "user_id" UUID NOT NULL,
    "default_group" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "user_accounting_prefs_pkey" PRIMARY KEY ("user_id")
);

-- CreateTable
CREATE TABLE "usage_charges" (
    "source" "UsageSource" NOT NULL,
    "source_id" UUID NOT NULL,
    "group_charged" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "usage_charges_pkey" PRIMARY KEY ("source","source_id")
);

-- CreateIndex
CREATE INDEX "usage_records_user_id_started_at_idx" ON "usage_records"("user_id", "started_at");

-- CreateIndex
CREATE INDEX "usage_records_group_charged_started_at_idx" ON "usage_records"("group_charged", "started_at");

-- CreateIndex
CREATE INDEX "usage_records_profile_key_started_at_idx" ON "usage_records"("profile_key", "started_at");

-- CreateIndex
CREATE INDEX "usage_records_ended_at_idx" ON "usage_records"("ended_at");

-- CreateIndex
CREATE UNIQUE INDEX "usage_records_source_source_id_started_at_key" ON "usage_records"("source", "source_id", "started_at");

-- CreateIndex
CREATE INDEX "usage_monthly_group_charged_month_idx" ON "usage_monthly"("group_charged", "month");

-- CreateIndex
CREATE UNIQUE INDEX "budgets_group_profile_key_key" ON "budgets"("group", "profile_key");

-- AddForeignKey
ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_accounting_prefs" ADD CONSTRAINT "user_accounting_prefs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
