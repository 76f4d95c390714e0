// The simulation: a virtual clock driven by an event queue. Nothing here reads the wall clock;
// time only moves when the queue says so. runFor / runUntil / step are the three ways a test or
// a notebook cell drives it.

import { Duration, parseDuration } from "./duration";
import { EventQueue, ScheduledEvent } from "./event-queue";
import { Network } from "./network";
import { Rng } from "./rng";
import { Trace } from "./trace";

export interface SimulationOptions {
  /** Seed of the one random generator every component draws from. Default 1. */
  seed?: number | string;
  /** Keep trace rows (default true). Off for long benchmarks and chaos runs. */
  trace?: boolean;
}

/** A handle on a scheduled callback; cancel() stops it (and every later repeat of every()). */
export class Timer {
  cancelled = false;
  /** @internal the currently queued occurrence */
  event: ScheduledEvent | undefined;
  constructor(readonly label: string) {}
  cancel(): void {
    this.cancelled = true;
    if (this.event) this.event.cancelled = true;
  }
}

export class Simulation {
  /** Virtual time in milliseconds since the simulation started. */
  now = 0;
  readonly rng: Rng;
  readonly trace: Trace;
  readonly network: Network;
  /** Events executed so far. */
  eventsRun = 0;
  private readonly queue = new EventQueue();

  constructor(options: SimulationOptions = {}) {
    this.rng = new Rng(options.seed ?? 1);
    this.trace = new Trace(() => this.now, options.trace ?? true);
    this.network = new Network(this);
  }

  /** Runs fn at an absolute virtual time (ms). Times in the past are an error, not a silent "now". */
  at(time: number, fn: () => void, label = ""): Timer {
    time = toMicros(time);
    if (!(time >= this.now)) throw new Error(`sim.at(${time}): that is before now (${this.now} ms)`);
    const timer = new Timer(label);
    timer.event = this.queue.push(time, () => fn(), label);
    return timer;
  }

  /** Runs fn after a delay ("150ms", "30s", or a number of ms). */
  after(delay: Duration, fn: () => void, label = ""): Timer {
    return this.at(this.now + parseDuration(delay), fn, label);
  }

  /** Runs fn every interval, first after one interval, until the timer is cancelled. */
  every(interval: Duration, fn: () => void, label = ""): Timer {
    const ms = parseDuration(interval);
    if (ms <= 0) throw new Error(`sim.every(${JSON.stringify(interval)}): the interval must be greater than zero`);
    const timer = new Timer(label);
    const fire = () => {
      if (timer.cancelled) return;
      // Schedule the next occurrence before running fn, so fn may cancel it.
      timer.event = this.queue.push(toMicros(this.now + ms), fire, label);
      fn();
    };
    timer.event = this.queue.push(toMicros(this.now + ms), fire, label);
    return timer;
  }

  cancel(timer: Timer | undefined): void {
    timer?.cancel();
  }

  /** Number of events waiting (including cancelled ones not yet discarded). */
  get pending(): number {
    return this.queue.size;
  }

  /** Time of the next event that will run, or undefined when the queue is empty. */
  nextEventTime(): number | undefined {
    this.dropCancelled();
    return this.queue.peek()?.time;
  }

  /** Runs the next event, moving the clock to its time. false when there is nothing to run. */
  step(): boolean {
    this.dropCancelled();
    const ev = this.queue.pop();
    if (!ev) return false;
    this.now = ev.time;
    this.eventsRun++;
    ev.fn();
    return true;
  }

  /** Runs every event up to now + d, then leaves the clock at exactly now + d. */
  runFor(d: Duration): this {
    const end = toMicros(this.now + parseDuration(d));
    for (;;) {
      const next = this.nextEventTime();
      if (next === undefined || next > end) break;
      this.step();
    }
    this.now = end;
    return this;
  }

  /**
   * Runs until pred() is true (checked before each event) or virtual time reaches now + limit.
   * Returns whether pred() became true; the clock stops at the event that made it true.
   */
  runUntil(pred: () => boolean, limit: Duration): boolean {
    const end = toMicros(this.now + parseDuration(limit));
    for (;;) {
      if (pred()) return true;
      const next = this.nextEventTime();
      if (next === undefined || next > end) break;
      this.step();
    }
    this.now = end;
    return pred();
  }

  private dropCancelled(): void {
    let top = this.queue.peek();
    while (top && top.cancelled) {
      this.queue.pop();
      top = this.queue.peek();
    }
  }
}

/**
 * Virtual time has a resolution of one microsecond. Rounding every instant keeps sums of
 * fractional delays from drifting (17656.726000000002) and keeps traces readable.
 */
function toMicros(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
