/**
 * Load generator, run as its own process so it never shares an event loop with what it measures.
 * argv[2] is a JSON job; prints one JSON result line.
 *   { kind: "http", url, connections, seconds, headers }  → raw keep-alive HTTP/1.1 client (below)
 *   { kind: "http", client: "autocannon", … }            → autocannon, for comparison
 *   { kind: "ws", url, connections, seconds, headers }    → N clients doing send/await-echo loops
 *   reconnectEvery: N (optional, raw HTTP and ws)         → each connection is closed and replaced
 *                                                           after N exchanges (connection churn, soak)
 *
 * The raw client exists because the client shares the machine's two cores with the backend and
 * the proxies: autocannon spends about as much CPU per request as a fast proxy does, so it held
 * back the fastest contender most and compressed every ratio. This one writes one pre-built request
 * buffer per exchange on each of N keep-alive sockets (closed loop, no pipelining), finds the end of
 * each response from its Content-Length or chunked framing without building strings, and records
 * every latency in microseconds (autocannon rounds them to whole milliseconds). Every contender —
 * direct, configurable-http-proxy and AI Hub's proxy — is measured with the same client.
 */
import net from "node:net";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import WebSocket from "ws";
import { percentileOfSorted } from "./stats";

interface Job {
  kind: "http" | "ws";
  client?: "raw" | "autocannon";
  url: string;
  connections: number;
  seconds: number;
  headers: Record<string, string>;
  reconnectEvery?: number;
}

interface HttpResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  total: number;
}

const job = JSON.parse(process.argv[2] ?? "{}") as Job;

async function viaAutocannon(): Promise<HttpResult> {
  const r = await autocannon({ url: job.url, connections: job.connections, duration: job.seconds, headers: job.headers, pipelining: 1 });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, total: r.requests.total };
}

/** Latencies in ms, appended to a growing typed array (no object per sample). */
class Samples {
  private data = new Float64Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  percentile(p: number): number {
    if (this.length === 0) return NaN;
    return percentileOfSorted(this.data.subarray(0, this.length).sort(), p);
  }
}

const CRLFCRLF = Buffer.from("\r\n\r\n");
const CONTENT_LENGTH = Buffer.from("\r\ncontent-length:");
const CONNECTION_CLOSE = Buffer.from("\r\nconnection: close");
const CHUNKED = Buffer.from("\r\ntransfer-encoding: chunked");
const CHUNKED_END = Buffer.from("0\r\n\r\n");

/** Case-insensitive search of `needle` (lower case) in `head`; index or -1. */
function indexOfLower(head: Buffer, needle: Buffer, end: number): number {
  outer: for (let i = 0; i + needle.length <= end; i++) {
    for (let j = 0; j < needle.length; j++) {
      const c = head[i + j]!;
      if ((c >= 65 && c <= 90 ? c + 32 : c) !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

async function viaRawSockets(): Promise<HttpResult> {
  const u = new URL(job.url);
  const host = u.hostname;
  const port = Number(u.port || 80);
  let head = `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n`;
  for (const [k, v] of Object.entries(job.headers)) head += `${k}: ${v}\r\n`;
  const request = Buffer.from(head + "\r\n", "latin1");

  const samples = new Samples();
  let errors = 0;
  let non2xx = 0;
  let measuring = false;
  let stopping = false;
  const sockets = new Set<net.Socket>();

  /** One closed-loop connection: send, read one whole response, send again. */
  function open(): Promise<void> {
    return new Promise((resolve) => {
      const socket = net.connect({ host, port, noDelay: true });
      sockets.add(socket);
      let buf: Buffer | undefined; // unconsumed bytes of the current response
      let sentAt = 0;
      let bodyLeft = -1; // bytes of a sized body still to come; -1 while reading the head
      let chunked = false;
      let status = 0;
      let keepAlive = true;
      let connected = false;
      let failed = false;
      let exchanges = 0;
      const send = () => {
        sentAt = performance.now();
        socket.write(request);
      };
      const done = () => {
        if (measuring) {
          samples.push(performance.now() - sentAt);
          if (status < 200 || status > 299) non2xx++;
        }
        bodyLeft = -1;
        chunked = false;
        if (stopping || !keepAlive || ++exchanges === job.reconnectEvery) socket.destroy(); // on close, a new connection takes its place
        else send();
      };
      socket.on("connect", () => {
        connected = true;
        resolve();
        send();
      });
      socket.on("data", (chunk: Buffer) => {
        let data = buf === undefined ? chunk : Buffer.concat([buf, chunk]);
        buf = undefined;
        while (data.length > 0) {
          if (bodyLeft === -1 && !chunked) {
            const end = data.indexOf(CRLFCRLF);
            if (end === -1) {
              buf = data;
              return;
            }
            status = (data[9]! - 48) * 100 + (data[10]! - 48) * 10 + (data[11]! - 48);
            const cl = indexOfLower(data, CONTENT_LENGTH, end);
            keepAlive = indexOfLower(data, CONNECTION_CLOSE, end) === -1;
            if (cl !== -1) {
              let i = cl + CONTENT_LENGTH.length;
              while (data[i] === 32) i++;
              let n = 0;
              while (data[i]! >= 48 && data[i]! <= 57) n = n * 10 + (data[i++]! - 48);
              bodyLeft = n;
            } else if (indexOfLower(data, CHUNKED, end) !== -1) chunked = true;
            else bodyLeft = 0; // 204/304 or no body announced
            data = data.subarray(end + 4);
          }
          if (chunked) {
            // The bench's backend never sends "0\r\n\r\n" inside a chunk: the first one ends the body.
            const end = data.indexOf(CHUNKED_END);
            if (end === -1) {
              buf = data.length > 4 ? data.subarray(data.length - 4) : data;
              return;
            }
            data = data.subarray(end + CHUNKED_END.length);
            done();
          } else {
            const take = Math.min(bodyLeft, data.length);
            bodyLeft -= take;
            data = data.subarray(take);
            if (bodyLeft === 0) done();
            else return;
          }
        }
      });
      socket.on("error", () => (failed = true));
      socket.on("close", () => {
        sockets.delete(socket);
        resolve();
        if (stopping) return;
        if (failed || bodyLeft !== -1 || chunked || buf !== undefined) errors++; // not a clean keep-alive end
        if (connected) void open(); // a refused connection is not retried in a tight loop
      });
    });
  }

  await Promise.all(Array.from({ length: job.connections }, open));
  // Connections are open and already busy: measure from now on, for `seconds`.
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, job.seconds * 1000));
  const elapsed = (performance.now() - t0) / 1000;
  measuring = false;
  stopping = true;
  for (const s of sockets) s.destroy();
  return { rps: samples.length / elapsed, p50: samples.percentile(50), p99: samples.percentile(99), errors, non2xx, total: samples.length };
}

async function ws(): Promise<object> {
  const deadline = Date.now() + job.seconds * 1000;
  const payload = JSON.stringify({ header: { msg_type: "execute_request" }, content: { code: "1+1" } });
  let roundTrips = 0;
  let errors = 0;
  /** One WebSocket's echo loop; resolves with whether it ended by reconnectEvery (not the deadline or an error). */
  const session = async (): Promise<boolean> => {
    const socket = new WebSocket(job.url, { headers: job.headers });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("open", () => resolve());
        socket.once("error", reject);
      });
    } catch {
      errors++;
      return false;
    }
    let mine = 0;
    const again = await new Promise<boolean>((resolve) => {
      socket.on("message", () => {
        roundTrips++;
        if (Date.now() >= deadline) resolve(false);
        else if (++mine === job.reconnectEvery) resolve(true);
        else socket.send(payload);
      });
      socket.on("error", () => {
        errors++;
        resolve(false);
      });
      socket.send(payload);
    });
    socket.close();
    return again;
  };
  await Promise.all(
    Array.from({ length: job.connections }, async () => {
      while (await session());
    }),
  );
  return { msgs: roundTrips / job.seconds, errors };
}

const result = job.kind === "ws" ? await ws() : job.client === "autocannon" ? await viaAutocannon() : await viaRawSockets();
process.stdout.write(JSON.stringify(result) + "\n");
process.exit(0);
