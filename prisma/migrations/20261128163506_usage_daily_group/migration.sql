-- CreateTable
CREATE TABLE "usage_daily_group" (
    "day" DATE NOT NULL,
    "group_charged" TEXT NOT NULL,
    "profile_key" TEXT NOT NULL,
    "source" "UsageSource" NOT NULL,
    "gpu_hours" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "usage_daily_group_pkey" PRIMARY KEY ("day","group_charged","profile_key","source")
);
