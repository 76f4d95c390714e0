// The simulated network between named endpoints. Messages take latency (with jitter) and can be
// lost, duplicated or reordered; partitions cut links in both directions; endpoints crash and
// restart. Like TCP, a link is FIFO unless reordering is switched on, and a message sent before
// its receiver crashed is never delivered to the restarted process (the connection died with it).

import { Duration, parseDuration } from "./duration";
import type { Simulation } from "./simulation";

export interface LinkOptions {
  latency?: Duration;
  jitter?: Duration;
  /** Probability a message is lost. */
  loss?: number;
  /** Probability a message is delivered twice. */
  duplicate?: number;
  /** Probability a message skips the FIFO order and arrives late. */
  reorder?: number;
}

interface LinkConfig {
  latency: number;
  jitter: number;
  loss: number;
  duplicate: number;
  reorder: number;
}

export interface Envelope<P = unknown> {
  id: number;
  from: string;
  to: string;
  payload: P;
  kind: string;
  sentAt: number;
}

export interface EndpointHandlers {
  deliver(msg: Envelope<any>): void;
  /**
   * A message this endpoint sent reached a host whose process is down (or was restarted since):
   * like TCP's connection refused / reset, the sender learns it one latency later. The message
   * was not processed. (A partition or loss, by contrast, is silence.)
   */
  refused?(msg: Envelope<any>): void;
  crash?(): void;
  restart?(): void;
}

interface Endpoint {
  handlers: EndpointHandlers;
  up: boolean;
  /** Bumped on restart: messages addressed to an older incarnation are dropped. */
  incarnation: number;
}

export class Network {
  private readonly endpoints = new Map<string, Endpoint>();
  private defaults: LinkConfig = { latency: 1, jitter: 0, loss: 0, duplicate: 0, reorder: 0 };
  private readonly links = new Map<string, Partial<LinkConfig>>();
  private readonly cut = new Set<string>();
  private readonly lastArrival = new Map<string, number>();
  private nextId = 1;
  /** Trace every send / deliver / drop (on by default; the trace may still not keep rows). */
  traceMessages = true;

  constructor(private readonly sim: Simulation) {}

  register(name: string, handlers: EndpointHandlers): void {
    if (this.endpoints.has(name)) throw new Error(`network: endpoint "${name}" is already registered`);
    this.endpoints.set(name, { handlers, up: true, incarnation: 0 });
  }

  get names(): string[] {
    return [...this.endpoints.keys()];
  }

  /** Sets the options for every link that has none of its own. */
  configure(options: LinkOptions): void {
    this.defaults = { ...this.defaults, ...toConfig(options) };
  }

  /** Sets options for one direction of one link (from → to). */
  link(from: string, to: string, options: LinkOptions): void {
    this.endpoint(from);
    this.endpoint(to);
    this.links.set(key(from, to), { ...this.links.get(key(from, to)), ...toConfig(options) });
  }

  /** Cuts every link between group a and group b (default: everyone else), both directions. */
  partition(a: string[], b?: string[]): void {
    for (const n of a) this.endpoint(n);
    const other = b ?? this.names.filter((n) => !a.includes(n));
    for (const n of other) this.endpoint(n);
    for (const x of a) for (const y of other) if (x !== y) {
      this.cut.add(key(x, y));
      this.cut.add(key(y, x));
    }
    this.sim.trace.record("network", "partition", { a: a.join(","), b: other.join(",") });
  }

  /** Cuts one endpoint off from all others. */
  isolate(name: string): void {
    this.partition([name]);
  }

  /** Restores every cut link. */
  heal(): void {
    this.cut.clear();
    this.sim.trace.record("network", "heal", {});
  }

  canReach(from: string, to: string): boolean {
    this.endpoint(from);
    this.endpoint(to);
    return !this.cut.has(key(from, to));
  }

  isUp(name: string): boolean {
    return this.endpoint(name).up;
  }

  /** Crash: the endpoint stops; messages in flight to it are lost. Its component is told. */
  crash(name: string): void {
    const ep = this.endpoint(name);
    if (!ep.up) return;
    ep.up = false;
    this.sim.trace.record("network", "crash", { endpoint: name });
    ep.handlers.crash?.();
  }

  restart(name: string): void {
    const ep = this.endpoint(name);
    if (ep.up) return;
    ep.up = true;
    ep.incarnation++;
    this.sim.trace.record("network", "restart", { endpoint: name });
    ep.handlers.restart?.();
  }

  /** Sends payload from → to. Returns the message id (also for messages that will be dropped). */
  send<P>(from: string, to: string, payload: P, opts: { kind?: string } = {}): number {
    const src = this.endpoint(from);
    const dst = this.endpoint(to);
    const kind = opts.kind ?? kindOf(payload);
    const msg: Envelope<P> = { id: this.nextId++, from, to, payload, kind, sentAt: this.sim.now };
    if (!src.up) return this.drop(msg, "sender down");
    const cfg = this.config(from, to);
    const rng = this.sim.rng;
    if (this.traceMessages) this.sim.trace.record("network", "send", { from, to, msg: kind, id: msg.id });
    if (cfg.loss > 0 && rng.bool(cfg.loss)) return this.drop(msg, "lost");
    const copies = cfg.duplicate > 0 && rng.bool(cfg.duplicate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      let delay = cfg.latency + (cfg.jitter > 0 ? rng.range(-cfg.jitter, cfg.jitter) : 0);
      delay = Math.max(0, delay);
      let arrival = this.sim.now + delay;
      const lk = key(from, to);
      if (cfg.reorder > 0 && rng.bool(cfg.reorder)) {
        // Held back: arrives after messages sent later on the same link.
        arrival += rng.range(0, 4 * (cfg.latency + cfg.jitter) + 1);
      } else {
        arrival = Math.max(arrival, this.lastArrival.get(lk) ?? 0); // FIFO
        this.lastArrival.set(lk, arrival);
      }
      // Whole microseconds: keeps times readable and free of float noise in traces and tables.
      arrival = Math.max(this.sim.now, Math.round(arrival * 1000) / 1000);
      const incarnation = dst.incarnation;
      this.sim.at(arrival, () => this.arrive(msg, incarnation), "deliver");
    }
    return msg.id;
  }

  private arrive(msg: Envelope, incarnation: number): void {
    const dst = this.endpoints.get(msg.to)!;
    if (!dst.up) return this.refuse(msg, "receiver down");
    if (dst.incarnation !== incarnation) return this.refuse(msg, "receiver restarted");
    if (this.cut.has(key(msg.from, msg.to))) return void this.drop(msg, "partitioned");
    if (this.traceMessages) {
      this.sim.trace.record("network", "deliver", { from: msg.from, to: msg.to, msg: msg.kind, id: msg.id, latency: this.sim.now - msg.sentAt });
    }
    dst.handlers.deliver(msg);
  }

  private refuse(msg: Envelope, reason: string): void {
    this.drop(msg, reason);
    const src = this.endpoints.get(msg.from)!;
    if (!src.handlers.refused || this.cut.has(key(msg.to, msg.from))) return;
    const back = this.config(msg.to, msg.from).latency;
    this.sim.after(back, () => {
      if (src.up) src.handlers.refused!(msg);
    }, "refused");
  }

  private drop(msg: Envelope, reason: string): number {
    if (this.traceMessages) this.sim.trace.record("network", "drop", { from: msg.from, to: msg.to, msg: msg.kind, id: msg.id, reason });
    return msg.id;
  }

  private config(from: string, to: string): LinkConfig {
    const own = this.links.get(key(from, to));
    return own ? { ...this.defaults, ...own } : this.defaults;
  }

  private endpoint(name: string): Endpoint {
    const ep = this.endpoints.get(name);
    if (!ep) {
      const known = this.names.length ? this.names.map((n) => `"${n}"`).join(", ") : "none registered yet";
      throw new Error(`network: unknown endpoint "${name}"; known endpoints: ${known}`);
    }
    return ep;
  }
}

function key(from: string, to: string): string {
  return `${from}\u2192${to}`;
}

function kindOf(payload: unknown): string {
  if (payload && typeof payload === "object" && typeof (payload as { type?: unknown }).type === "string") return (payload as { type: string }).type;
  return typeof payload;
}

function toConfig(o: LinkOptions): Partial<LinkConfig> {
  const out: Partial<LinkConfig> = {};
  if (o.latency !== undefined) out.latency = parseDuration(o.latency);
  if (o.jitter !== undefined) out.jitter = parseDuration(o.jitter);
  for (const p of ["loss", "duplicate", "reorder"] as const) {
    const v = o[p];
    if (v === undefined) continue;
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new Error(`network: ${p} must be a probability between 0 and 1, got ${JSON.stringify(v)}`);
    out[p] = v;
  }
  const known = ["latency", "jitter", "loss", "duplicate", "reorder"];
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new Error(`network: unknown link option "${k}"; accepted: ${known.join(", ")}`);
  return out;
}
