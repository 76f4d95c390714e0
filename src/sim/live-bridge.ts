// LIVE BRIDGE — the one place where the wall clock meets the simulation.
//
// Real clients (kubectl, etcdctl, curl) live in real time; the engine lives in virtual time.
// The bridge paces the simulation to the wall clock: every few milliseconds of real time it runs
// the simulation forward by the real time that passed (times `speed`). Requests from outside
// enter through inject(), which schedules them at the current virtual instant, so the engine
// itself stays synchronous and deterministic given the order of its inputs. Nothing else in
// src/ may read the wall clock or use real timers.

import type { Simulation } from "./simulation";

export interface LiveBridgeOptions {
  /** Virtual milliseconds per real millisecond. Default 1 (real time). */
  speed?: number;
  /** How often the bridge advances the simulation, in real ms. Default 5. */
  intervalMs?: number;
}

export class LiveBridge {
  private timer: NodeJS.Timeout | undefined;
  private lastWall = 0;
  private readonly speed: number;
  private readonly intervalMs: number;

  constructor(private readonly sim: Simulation, options: LiveBridgeOptions = {}) {
    this.speed = options.speed ?? 1;
    this.intervalMs = options.intervalMs ?? 5;
    if (!(this.speed > 0)) throw new Error(`LiveBridge: speed must be a positive number, got ${options.speed}`);
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer) return;
    this.lastWall = wallClockMs();
    this.timer = setInterval(() => this.advance(), this.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Brings virtual time up to date with the wall clock (also called before serving a request). */
  advance(): void {
    const wall = wallClockMs();
    const elapsed = wall - this.lastWall;
    this.lastWall = wall;
    if (elapsed > 0) this.sim.runFor(elapsed * this.speed);
  }

  /**
   * Runs fn inside the simulation at the current virtual instant and returns its result.
   * (An arrow property, so that `bridge.inject` can be handed around as a plain function.)
   */
  inject = <T>(fn: () => T): T => {
    this.advance();
    return fn();
  };

  /**
   * Resolves when pred() holds, checking after every advance; rejects after timeoutMs of real
   * time. For a request handler that waits for, say, a Raft commit.
   */
  waitFor(pred: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const deadline = wallClockMs() + timeoutMs;
      const check = () => {
        this.advance();
        if (pred()) return resolve();
        if (wallClockMs() > deadline) return reject(new Error(`timed out after ${timeoutMs} ms`));
        setTimeout(check, this.intervalMs);
      };
      check();
    });
  }
}

function wallClockMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}
