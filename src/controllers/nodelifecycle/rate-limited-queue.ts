// The node lifecycle controller's per-zone queue of nodes waiting for a NoExecute taint, and
// the token bucket that paces it: how --node-eviction-rate becomes "at most one node tainted
// every 10 s per zone". [k/k pkg/controller/nodelifecycle/scheduler/rate_limited_queue.go,
// client-go util/flowcontrol/throttle.go (golang.org/x/time/rate underneath)]

/** A token bucket on the virtual clock: qps tokens a second, at most burst saved; starts full. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(readonly qps: number, readonly burst: number, private readonly now: () => number) {
    this.tokens = burst;
    this.last = now();
  }

  tryAccept(): boolean {
    if (this.qps <= 0) return false; // flowcontrol.NewFakeNeverRateLimiter: never
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}

export interface TimedValue {
  value: string;
  uid: string;
  addedAt: number;
  processAt: number;
}

/**
 * A queue of unique node names ordered by processAt, with a rate limiter in front.
 * Like the real UniqueQueue, a value processed successfully leaves the queue but stays in the
 * set, so adding it again is refused until remove() clears it: a node is tainted once, not at
 * every monitor pass.
 */
export class RateLimitedTimedQueue {
  private queue: TimedValue[] = [];
  private readonly set = new Set<string>();
  private limiter: TokenBucket;

  constructor(qps: number, private readonly now: () => number, readonly burst = 1) {
    this.limiter = new TokenBucket(qps, burst, now);
  }

  get qps(): number {
    return this.limiter.qps;
  }

  /** Adds a value unless it is in the set already; true if added. */
  add(value: string, uid: string): boolean {
    if (this.set.has(value)) return false;
    const t = this.now();
    this.set.add(value);
    this.queue.push({ value, uid, addedAt: t, processAt: t });
    this.sort();
    return true;
  }

  /** Removes a value from the queue and the set; true if it was queued. */
  remove(value: string): boolean {
    this.set.delete(value);
    const before = this.queue.length;
    this.queue = this.queue.filter((v) => v.value !== value);
    return this.queue.length !== before;
  }

  get length(): number {
    return this.queue.length;
  }

  values(): string[] {
    return this.queue.map((v) => v.value);
  }

  /**
   * Processes values in order while the limiter gives tokens and their time has come. fn returns
   * [true] when done, or [false, retryAfterMs]. A token is spent per value looked at, as in the
   * real Try.
   */
  try(fn: (v: TimedValue) => [boolean, number]): void {
    let head = this.queue[0];
    while (head) {
      if (!this.limiter.tryAccept()) break;
      const t = this.now();
      if (t < head.processAt) break;
      const [ok, wait] = fn(head);
      if (!ok) {
        head.processAt = t + wait + 1;
        this.sort();
      } else {
        // Out of the queue, still in the set.
        this.queue = this.queue.filter((v) => v !== head);
      }
      head = this.queue[0];
    }
  }

  /**
   * Replaces the limiter when the zone's state changes (qps 0: never). With burst 1, a limiter that
   * is out of tokens hands its debt on to the new one.
   */
  swapLimiter(qps: number): void {
    if (this.limiter.qps === qps) return;
    const next = new TokenBucket(qps, this.burst, this.now);
    if (qps > 0 && !this.limiter.tryAccept()) next.tryAccept();
    this.limiter = next;
  }

  private sort(): void {
    // Stable: equal processAt keeps insertion order.
    this.queue.sort((a, b) => a.processAt - b.processAt);
  }
}
