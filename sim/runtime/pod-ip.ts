/**
 * Pod IPs from the loopback range: Linux routes all of 127.0.0.0/8 to lo, so every pod gets its own
 * 127.x.y.z and many pods can listen on the same port. Starts at 127.16.0.1 (below are the node
 * addresses and 127.0.0.1); addresses are reused only after the range wraps.
 */
export class PodIPPool {
  private next = (16 << 16) + 1;
  private readonly inUse = new Set<number>();

  allocate(): string {
    for (let tries = 0; tries < 1 << 24; tries++) {
      const n = this.next;
      this.next = n + 1 >= 255 << 16 ? (16 << 16) + 1 : n + 1;
      const last = n & 255;
      if (last === 0 || last === 255 || this.inUse.has(n)) continue;
      this.inUse.add(n);
      return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${last}`;
    }
    throw new Error("pod IP range exhausted");
  }

  release(ip: string): void {
    const [, a, b, c] = ip.split(".").map(Number);
    this.inUse.delete(((a ?? 0) << 16) + ((b ?? 0) << 8) + (c ?? 0));
  }
}
