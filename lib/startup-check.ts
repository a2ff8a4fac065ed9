import { env, EnvError } from "@/lib/env";

/** A broken configuration stops the process here, with every bad variable listed. */
export function checkConfigurationOrExit(): void {
  try {
    env();
  } catch (e) {
    if (e instanceof EnvError) {
      console.error(`AI Hub cannot start.\n${e.message}`);
      process.exit(1);
    }
    throw e;
  }
}
