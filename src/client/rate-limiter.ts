// Rate limiters for work-queue retries, and the back-off manager a reflector waits on between
// failed list/watch rounds. Same names, parameters and arithmetic as client-go
// [util/workqueue/default_rate_limiters.go] and apimachinery [pkg/util/wait/backoff.go], with
// durations in virtual milliseconds.

import type { Rng } from "../sim/rng";

/** Anything with the simulation's virtual clock (a Simulation is one). */
export interface Clock {
  readonly now: number;
}

export interface RateLimiter<T> {
  /** How long the item should wait before it is added again (ms). Counts a failure. */
  when(item: T): number;
  /** The item succeeded: stop tracking it (its next failure starts from the base delay). */
  forget(item: T): void;
  /** How many times the item has been requeued. */
  numRequeues(item: T): number;
}

/**
 * Per-item exponential back-off: base · 2^failures, capped at max. With client-go's defaults
 * (5 ms, 1000 s) the first retry waits 5 ms, then 10, 20, 40 ms... and after 18 failures the
 * cap: 5 ms · 2^18 = 1310.72 s > 1000 s.
 */
export class ItemExponentialFailureRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();
  constructor(readonly baseDelay = 5, readonly maxDelay = 1000_000) {}

  when(item: T): number {
    const exp = this.failures.get(item) ?? 0;
    this.failures.set(item, exp + 1);
    // 2^exp overflows a Go int64 past exp 62; client-go returns maxDelay then. Infinity does here.
    const backoff = this.baseDelay * Math.pow(2, exp);
    return backoff > this.maxDelay ? this.maxDelay : backoff;
  }
  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
  forget(item: T): void {
    this.failures.delete(item);
  }
}

/** Fast delay for the first maxFastAttempts failures, slow after (client-go's ItemFastSlowRateLimiter). */
export class ItemFastSlowRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();
  constructor(readonly fastDelay: number, readonly slowDelay: number, readonly maxFastAttempts: number) {}
  when(item: T): number {
    const n = (this.failures.get(item) ?? 0) + 1;
    this.failures.set(item, n);
    return n <= this.maxFastAttempts ? this.fastDelay : this.slowDelay;
  }
  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
  forget(item: T): void {
    this.failures.delete(item);
  }
}

/**
 * An overall token bucket (golang.org/x/time/rate, which client-go's BucketRateLimiter wraps):
 * it starts full with `burst` tokens and refills at `qps` per second; every when() reserves one
 * token, and once the bucket is empty the reservation is in the future: the delay is how long
 * the bucket needs to refill the deficit. It is not per item: numRequeues is 0, forget is a no-op.
 */
export class BucketRateLimiter<T> implements RateLimiter<T> {
  private tokens: number;
  private last: number;
  constructor(private readonly clock: Clock, readonly qps = 10, readonly burst = 100) {
    this.tokens = burst;
    this.last = clock.now;
  }

  when(_item: T): number {
    const now = this.clock.now;
    // advance(): tokens accrued since the last reservation, never above burst.
    const elapsed = Math.max(0, now - this.last);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    // Round to the simulation's microsecond resolution (rate.Limiter truncates to nanoseconds).
    return Math.round((-this.tokens / this.qps) * 1000 * 1000) / 1000;
  }
  numRequeues(_item: T): number {
    return 0;
  }
  forget(_item: T): void {}
}

/**
 * The worst (longest) of several limiters. Every limiter's when() is called, so each keeps
 * counting: client-go does the same, which is why the token bucket drains even while the
 * per-item back-off is the one that decides.
 */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  readonly limiters: RateLimiter<T>[];
  constructor(...limiters: RateLimiter<T>[]) {
    this.limiters = limiters;
  }
  when(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(item));
    return max;
  }
  numRequeues(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
  forget(item: T): void {
    for (const l of this.limiters) l.forget(item);
  }
}

/**
 * client-go's DefaultControllerRateLimiter: per-item exponential 5 ms → 1000 s, and an overall
 * 10 qps / burst 100 bucket, whichever asks for the longer wait.
 */
export function DefaultControllerRateLimiter<T = string>(clock: Clock): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(new ItemExponentialFailureRateLimiter<T>(5, 1000_000), new BucketRateLimiter<T>(clock, 10, 100));
}

/**
 * apimachinery's exponentialBackoffManagerImpl: each backoff() returns the next wait of a
 * wait.Backoff{Duration: initial, Factor: factor, Jitter: jitter, Cap: max}; a step is
 * duration + rand·jitter·duration, so with the reflector's 800 ms, ×2, jitter 1.0, cap 30 s the
 * waits fall in [0.8, 1.6), [1.6, 3.2), ... and end at [30, 60) s. If no backoff was asked for
 * resetAfter (2 min), the server is assumed healthy again and the sequence starts over.
 */
export class ExponentialBackoffManager {
  private duration: number;
  private capped = false;
  private lastBackoffStart: number;

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    readonly initial = 800,
    readonly max = 30_000,
    readonly resetAfter = 120_000,
    readonly factor = 2.0,
    readonly jitter = 1.0,
  ) {
    this.duration = initial;
    this.lastBackoffStart = clock.now;
  }

  /** The next wait, in ms. */
  backoff(): number {
    const now = this.clock.now;
    if (now - this.lastBackoffStart > this.resetAfter) this.reset();
    this.lastBackoffStart = now;
    // wait.Backoff.Step(): use the current duration, then grow it (once capped it stays).
    const d = this.duration;
    if (!this.capped) {
      this.duration = d * this.factor;
      if (this.duration > this.max) {
        this.duration = this.max;
        this.capped = true;
      }
    }
    const jittered = this.jitter > 0 ? d + this.rng.next() * this.jitter * d : d;
    return Math.round(jittered * 1000) / 1000;
  }

  reset(): void {
    this.duration = this.initial;
    this.capped = false;
  }
}
