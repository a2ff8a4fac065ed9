/**
 * Load generator, run as its own process so it never shares an event loop with what it measures.
 * argv[2] is a JSON job; prints one JSON result line.
 *   { kind: "http", url, connections, seconds, headers }  → autocannon (keep-alive, no pipelining)
 *   { kind: "ws", url, connections, seconds, headers }    → N clients doing send/await-echo loops
 */
import autocannon from "autocannon";
import WebSocket from "ws";

interface Job {
  kind: "http" | "ws";
  url: string;
  connections: number;
  seconds: number;
  headers: Record<string, string>;
}

const job = JSON.parse(process.argv[2] ?? "{}") as Job;

async function http(): Promise<object> {
  const r = await autocannon({ url: job.url, connections: job.connections, duration: job.seconds, headers: job.headers, pipelining: 1 });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, total: r.requests.total };
}

async function ws(): Promise<object> {
  const deadline = Date.now() + job.seconds * 1000;
  const payload = JSON.stringify({ header: { msg_type: "execute_request" }, content: { code: "1+1" } });
  let roundTrips = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: job.connections }, async () => {
      const socket = new WebSocket(job.url, { headers: job.headers });
      await new Promise<void>((resolve, reject) => {
        socket.once("open", () => resolve());
        socket.once("error", reject);
      });
      await new Promise<void>((resolve) => {
        socket.on("message", () => {
          roundTrips++;
          if (Date.now() < deadline) socket.send(payload);
          else resolve();
        });
        socket.on("error", () => {
          errors++;
          resolve();
        });
        socket.send(payload);
      });
      socket.close();
    }),
  );
  return { msgs: roundTrips / job.seconds, errors };
}

process.stdout.write(JSON.stringify(job.kind === "ws" ? await ws() : await http()) + "\n");
