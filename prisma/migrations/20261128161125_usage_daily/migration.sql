-- CreateTable
CREATE TABLE "usage_daily" (
    "day" DATE NOT NULL,
    "user_id" UUID NOT NULL,
    "group_charged" TEXT NOT NULL,
    "profile_key" TEXT NOT NULL,
    "source" "UsageSource" NOT NULL,
    "gpu_hours" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "usage_daily_pkey" PRIMARY KEY ("day","user_id","group_charged","profile_key","source")
);

-- CreateIndex
CREATE INDEX "usage_daily_user_id_day_idx" ON "usage_daily"("user_id", "day");
