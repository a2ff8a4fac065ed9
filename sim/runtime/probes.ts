import { request } from "node:http";
import { connect } from "node:net";
import type { SimClock } from "../store/types";
import type { ContainerSpec, Probe } from "./env";

/** Resolves a named or numeric probe port against the container's ports. */
function portOf(c: ContainerSpec, port: number | string): number {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  return c.ports?.find((p) => p.name === port)?.containerPort ?? NaN;
}

/** One probe attempt against the pod IP: HTTP 200-399 or an accepted TCP connection. exec probes always pass (nothing runs inside). */
export function probeOnce(p: Probe, c: ContainerSpec, podIP: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (p.httpGet) {
      const headers: Record<string, string> = {};
      for (const h of p.httpGet.httpHeaders ?? []) headers[h.name] = h.value;
      const req = request({ host: p.httpGet.host || podIP, port: portOf(c, p.httpGet.port), path: p.httpGet.path || "/", headers, timeout: timeoutMs }, (res) => {
        res.resume();
        resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
      });
      req.on("timeout", () => req.destroy());
      req.on("error", () => resolve(false));
      req.end();
    } else if (p.tcpSocket) {
      const s = connect({ host: p.tcpSocket.host || podIP, port: portOf(c, p.tcpSocket.port), timeout: timeoutMs });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("timeout", () => {
        s.destroy();
        resolve(false);
      });
      s.once("error", () => resolve(false));
    } else resolve(true);
  });
}

/**
 * Runs a readiness probe every periodSeconds after initialDelaySeconds (simulated time until ready,
 * then at least real time), calling onChange when readiness flips (successThreshold successes /
 * failureThreshold failures). Returns stop.
 */
export function startReadinessProbe(p: Probe, c: ContainerSpec, podIP: string, clock: SimClock, onChange: (ready: boolean, detail: string) => void): () => void {
  let stopped = false;
  let ready = false;
  let ok = 0;
  let bad = 0;
  let cancel: () => void = () => {};
  const period = (p.periodSeconds ?? 10) * 1000;
  const tick = async () => {
    if (stopped) return;
    // Real time for the network timeout: a scaled-down timeout would fail a healthy server.
    const success = await probeOnce(p, c, podIP, Math.max(1000, (p.timeoutSeconds ?? 1) * 1000));
    if (stopped) return;
    if (success) {
      bad = 0;
      if (!ready && ++ok >= (p.successThreshold ?? 1)) {
        ready = true;
        onChange(true, "");
      }
    } else {
      ok = 0;
      if (++bad >= (p.failureThreshold ?? 3) && ready) {
        ready = false;
        onChange(false, "Readiness probe failed");
      } else if (!ready) onChange(false, "Readiness probe failed");
    }
    // Until ready, probes follow simulated time (a sped-up clock reaches Ready sooner). Once ready,
    // they run at least every periodSeconds of real time: each is a real connection made by this
    // process, and at time scale 10 a hundred ready pods would otherwise cost 500 probes a second of
    // CPU on the machine the portal runs on, where a real cluster's kubelets probe from their nodes.
    cancel = clock.after(ready ? Math.max(period, period * clock.scale) : period, () => void tick());
  };
  cancel = clock.after((p.initialDelaySeconds ?? 0) * 1000, () => void tick());
  return () => {
    stopped = true;
    cancel();
  };
}
