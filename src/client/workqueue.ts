// Work queues, with client-go's semantics [util/workqueue/queue.go, delaying_queue.go,
// rate_limiting_queue.go]. A controller's event handlers only add keys ("ns/name"); workers
// take keys out and reconcile. Three sets make the guarantees:
//   queue      — keys waiting, in order; a key appears at most once (de-duplication);
//   dirty      — keys that need processing (queued, or re-added while being processed);
//   processing — keys a worker holds; such a key is never handed to a second worker: a re-add
//                only marks it dirty, and done() puts it back in the queue.
//
// Workers do not block on a condition variable as in Go: get(cb) answers at once when a key is
// waiting, or parks cb and answers it on a later event at the same virtual instant, so a worker
// never runs inside the add() of an event handler.

import type { Simulation, Timer } from "../sim/simulation";
import { Duration, parseDuration } from "../sim/duration";
import { DefaultControllerRateLimiter, RateLimiter } from "./rate-limiter";

export type GetCallback<T> = (item: T | undefined, shutdown: boolean) => void;

export interface QueueOptions {
  /** Shown in the trace (rows of component "workqueue"). No name, no trace rows. */
  name?: string;
}

/** Counters in the spirit of client-go's workqueue metrics (adds_total, retries_total, ...). */
export interface QueueMetrics {
  adds: number;
  retries: number;
  gets: number;
  dones: number;
}

export class WorkQueue<T = string> {
  readonly name: string;
  readonly metrics: QueueMetrics = { adds: 0, retries: 0, gets: 0, dones: 0 };
  private items: T[] = [];
  private head = 0;
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private readonly waiters: GetCallback<T>[] = [];
  private wakeScheduled = false;
  private shuttingDownFlag = false;
  private drainWaiters: (() => void)[] = [];

  constructor(protected readonly sim: Simulation, options: QueueOptions = {}) {
    this.name = options.name ?? "";
  }

  /** Queues item unless it is already waiting; if a worker holds it, marks it for another round. */
  add(item: T): void {
    if (this.shuttingDownFlag) return;
    if (this.dirty.has(item)) return;
    this.metrics.adds++;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.items.push(item);
    this.wake();
  }

  /** Keys waiting (not counting the ones being processed). */
  len(): number {
    return this.items.length - this.head;
  }

  /**
   * Hands the next key to cb, marking it processing until done(key). cb(undefined, true) once
   * the queue is shut down and empty: keys queued before shutDown are still handed out.
   */
  get(cb: GetCallback<T>): void {
    if (this.len() > 0) return cb(this.take(), false);
    if (this.shuttingDownFlag) return cb(undefined, true);
    this.waiters.push(cb);
  }

  /** The worker is finished with item; if it was re-added meanwhile, it is queued again now. */
  done(item: T): void {
    if (!this.processing.delete(item)) return;
    this.metrics.dones++;
    if (this.dirty.has(item)) {
      this.items.push(item);
      this.wake();
    } else if (this.processing.size === 0 && this.drainWaiters.length) {
      const ws = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of ws) w();
    }
  }

  /** Stops accepting adds; waiting get()s are told to stop once what is queued is handed out. */
  shutDown(): void {
    this.shuttingDownFlag = true;
    this.wake();
  }

  /** shutDown, then cb once no key is being processed (client-go's ShutDownWithDrain). */
  shutDownWithDrain(cb: () => void = () => {}): void {
    this.shutDown();
    if (this.processing.size === 0) cb();
    else this.drainWaiters.push(cb);
  }

  shuttingDown(): boolean {
    return this.shuttingDownFlag;
  }

  /** Whether item is held by a worker right now (for tests and charts). */
  isProcessing(item: T): boolean {
    return this.processing.has(item);
  }

  private take(): T {
    const item = this.items[this.head++];
    // Compact now and then so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.processing.add(item);
    this.dirty.delete(item);
    this.metrics.gets++;
    return item;
  }

  private wake(): void {
    if (this.waiters.length === 0 || this.wakeScheduled) return;
    this.wakeScheduled = true;
    this.sim.after(0, () => {
      this.wakeScheduled = false;
      while (this.waiters.length > 0 && (this.len() > 0 || this.shuttingDownFlag)) {
        const w = this.waiters.shift()!;
        if (this.len() > 0) w(this.take(), false);
        else w(undefined, true);
      }
    }, `workqueue ${this.name} wake`);
  }

  protected record(kind: string, fields: Record<string, unknown>): void {
    if (this.name) this.sim.trace.record("workqueue", kind, { queue: this.name, ...fields });
  }
}

interface WaitEntry {
  readyAt: number;
  timer: Timer;
}

/**
 * addAfter on the virtual clock. An item already waiting keeps the earlier of its two ready
 * times (client-go's waitingLoop insert: "update the time only if it would cause the item to be
 * queued sooner"). Items ready at the same instant are added in the order they were scheduled.
 */
export class DelayingQueue<T = string> extends WorkQueue<T> {
  private readonly waiting = new Map<T, WaitEntry>();

  addAfter(item: T, delay: Duration): void {
    if (this.shuttingDown()) return;
    this.metrics.retries++;
    const ms = parseDuration(delay);
    if (ms <= 0) return this.add(item);
    const readyAt = this.sim.now + ms;
    const existing = this.waiting.get(item);
    if (existing && existing.readyAt <= readyAt) return;
    existing?.timer.cancel();
    const timer = this.sim.after(ms, () => {
      if (this.waiting.get(item)?.timer !== timer) return;
      this.waiting.delete(item);
      this.add(item);
    }, `workqueue ${this.name} ready`);
    this.waiting.set(item, { readyAt, timer });
  }

  /** Items waiting for their delay to pass. */
  lenWaiting(): number {
    return this.waiting.size;
  }

  override shutDown(): void {
    // Waiting items are dropped, as the stopped waitingLoop drops them.
    for (const e of this.waiting.values()) e.timer.cancel();
    this.waiting.clear();
    super.shutDown();
  }
}

/** addRateLimited = addAfter(item, rateLimiter.when(item)); forget / numRequeues pass through. */
export class RateLimitingQueue<T = string> extends DelayingQueue<T> {
  readonly rateLimiter: RateLimiter<T>;

  constructor(sim: Simulation, rateLimiter?: RateLimiter<T>, options: QueueOptions = {}) {
    super(sim, options);
    this.rateLimiter = rateLimiter ?? DefaultControllerRateLimiter<T>(sim);
  }

  addRateLimited(item: T): void {
    const delay = this.rateLimiter.when(item);
    this.record("requeue", { key: String(item), delay, requeues: this.rateLimiter.numRequeues(item) });
    this.addAfter(item, delay);
  }

  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }
}

export interface RunWorkersOptions {
  /** Drop a key after this many requeues (Deployment and Endpoints use 15); default: retry forever. */
  maxRetries?: number;
}

export interface Workers {
  /** Workers stop taking keys (the queue is not shut down; shut it down to stop them too). */
  stop(): void;
}

/**
 * n workers, each the loop every client-go controller writes (processNextWorkItem): get a key,
 * process it, then on success forget it (reset its back-off), on error addRateLimited (unless
 * past maxRetries, then forget: dropped), and in both cases done(key). process may answer
 * synchronously or later; a synchronous answer loops without growing the stack.
 */
export function runWorkers<T>(queue: RateLimitingQueue<T>, n: number, process: (key: T, done: (err?: unknown) => void) => void, options: RunWorkersOptions = {}): Workers {
  let stopped = false;
  const finish = (key: T, err: unknown) => {
    if (err === undefined || err === null) queue.forget(key);
    else if (options.maxRetries !== undefined && queue.numRequeues(key) >= options.maxRetries) queue.forget(key);
    else queue.addRateLimited(key);
    queue.done(key);
  };
  const worker = () => {
    for (;;) {
      let inline = true;
      let again = false;
      queue.get((key, shutdown) => {
        if (shutdown) return;
        if (stopped) {
          // Give the key back so nothing is lost: re-added while held, it is queued again by done.
          queue.add(key as T);
          queue.done(key as T);
          return;
        }
        let answered = false;
        process(key as T, (err) => {
          if (answered) return;
          answered = true;
          finish(key as T, err);
          if (stopped) return;
          if (inline) again = true;
          else worker();
        });
      });
      inline = false;
      if (!again) return;
    }
  };
  for (let i = 0; i < n; i++) worker();
  return {
    stop: () => {
      stopped = true;
    },
  };
}
