// LIVE BRIDGE — real sockets and real time. This file is not part of the deterministic engine:
// it talks to a REAL etcd cluster (3.4's v3 JSON API over HTTP) and uses the wall clock for its
// timeouts. Nothing in the simulation depends on it; it is the second KvBackend (backend.ts), for
// an API server that has outgrown the simulated etcd.
//
// RealEtcdClient has EtcdClient's interface and manners (../client/client.ts):
//   - each call is one HTTP POST to one endpoint (/v3/kv/range, /v3/kv/put, ...), preferring the
//     endpoint that is the Raft leader (learned from /v3/maintenance/status), so writes and
//     linearizable reads do not take an extra hop;
//   - a call is retried on another endpoint only where that is safe: any call whose request
//     certainly did not happen (the connection was refused, or etcd answered "no leader"), and
//     reads and other idempotent calls after any failure or after an attempt timed out. A write
//     whose fate is unknown (timed out, connection lost mid-request) is not retried: its caller
//     gets the error, as with clientv3;
//   - every request carries gRPC metadata hasleader=true (the header Grpc-Metadata-Hasleader),
//     clientv3's WithRequireLeader: a member cut off from the leader refuses at once with
//     "etcdserver: no leader" (and closes its watch streams) instead of hanging;
//   - a watch is a streaming POST to /v3/watch (one stream per watch, newline-delimited
//     {"result": WatchResponse}); if its stream breaks or its endpoint stops answering (probed
//     every few seconds), the watch is re-created elsewhere from the next revision not yet seen;
//   - a lease keep-alive is one message on a /v3/lease/keepalive stream.
// Responses are decoded into our types exactly, defaults filled in (codec.ts). Callbacks fire
// asynchronously, in real time; with `inject` (e.g. a LiveBridge) each runs inside a live
// simulation at its current virtual instant.
//
// Not supported: TLS client authentication beyond what `tls` passes to Node's https agent,
// etcd's auth tokens other than through `headers`, and the gRPC API (etcdctl's).

import * as http from "http";
import * as https from "https";
import { performance } from "perf_hooks";
import { parseDuration } from "../../sim/duration";
import type { Duration } from "../../sim/duration";
import type { Callback, Watch } from "../client/client";
import type { Json, JsonObject } from "../mvcc/json-gateway";
import type {
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveRequest,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  TxnRequest,
  TxnResponse,
  WatchCreateRequest,
  WatchResponse,
} from "../mvcc/types";
import { LOGGED, Unavailable } from "../server/protocol";
import type { OpKind, RpcError } from "../server/protocol";
import type { KvBackend } from "./backend";
import * as codec from "./codec";

/** Runs a callback somewhere: a function, or an object with inject() such as a LiveBridge. */
export type Injector = ((fn: () => void) => unknown) | { inject(fn: () => void): unknown };

export interface RealEtcdClientOptions {
  /** Client URLs of the etcd members, e.g. ["http://127.0.0.1:2379"]. */
  endpoints: string[];
  /** A name for errors and traces (default "real-etcd-client"). */
  name?: string;
  /** Deadline of one call, retries included (etcdctl's --command-timeout: 5s). */
  timeout?: Duration;
  /** How long one attempt of an idempotent call may take before trying another endpoint (1s). */
  attemptTimeout?: Duration;
  /** Pause before a retry (50ms). */
  backoff?: Duration;
  /** How often the endpoints serving watches are probed; 0 turns probing off (2s). */
  watchKeepAlive?: Duration;
  /**
   * Where callbacks run. Default: directly, from Node's event loop. For a live simulation pass
   * the LiveBridge itself (`inject: bridge`) or `(fn) => bridge.inject(fn)`.
   */
  inject?: Injector;
  /** The API's path prefix: "/v3" for etcd 3.4 and later ("/v3beta" for 3.3). */
  apiPrefix?: string;
  /** Concurrent connections per endpoint for unary calls (default 32); watches use their own. */
  maxSockets?: number;
  /** Extra request headers, e.g. {authorization: token} for etcd's auth. */
  headers?: Record<string, string>;
  /** Options for https endpoints (ca, cert, key, rejectUnauthorized). */
  tls?: https.AgentOptions;
}

/** The call's deadline passed (gRPC DeadlineExceeded): for a write, the outcome is unknown. */
export const ErrDeadline: RpcError = { code: 4, message: "context deadline exceeded" };
/** The client was closed with the call pending. */
export const ErrClosed: RpcError = { code: 1, message: "kubelab: RealEtcdClient closed" };

type UnaryKind = Extract<
  OpKind,
  "range" | "put" | "deleteRange" | "txn" | "compaction" | "leaseGrant" | "leaseRevoke" | "leaseKeepAlive" | "leaseTimeToLive" | "leaseLeases"
>;

const PATHS: Record<UnaryKind, string> = {
  range: "/kv/range",
  put: "/kv/put",
  deleteRange: "/kv/deleterange",
  txn: "/kv/txn",
  compaction: "/kv/compaction",
  leaseGrant: "/lease/grant",
  leaseRevoke: "/lease/revoke",
  leaseKeepAlive: "/lease/keepalive",
  leaseTimeToLive: "/lease/timetolive",
  leaseLeases: "/lease/leases",
};

/** Connection errors that mean the request never reached a server. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "ERR_INVALID_URL"]);

interface Endpoint {
  url: string;
  transport: typeof http | typeof https;
  hostname: string;
  port: number;
  path: string;
  /** Keep-alive connections for unary calls. */
  agent: http.Agent;
  /** Connections for streams (each watch holds one for its lifetime). */
  streamAgent: http.Agent;
}

type Outcome = { type: "reply"; status: number; text: string } | { type: "failed"; error: NodeJS.ErrnoException; sent: boolean };

interface Call {
  kind: UnaryKind;
  body: string;
  decode: (j: Json) => unknown;
  cb: Callback<any>;
  deadline: number;
  idempotent: boolean;
  attempts: number;
  timer: NodeJS.Timeout | undefined;
  abort: (() => void) | undefined;
  lastFailed: Endpoint | undefined;
  lastError: RpcError | undefined;
  done: boolean;
}

interface WatchState extends Watch {
  request: WatchCreateRequest;
  lastRevision: number;
  member: string | undefined;
  handler: (r: WatchResponse) => void;
  cancelled: boolean;
  /** The revision to resume from (0: from "now"). */
  nextRev: number;
  gen: number;
  ep: Endpoint | undefined;
  failed: Endpoint | undefined;
  abort: (() => void) | undefined;
  retry: NodeJS.Timeout | undefined;
  /** Streams lost in a row (for the back-off). */
  failures: number;
}

const now = () => performance.now();

export class RealEtcdClient implements KvBackend {
  readonly name: string;
  private readonly eps: Endpoint[];
  private readonly timeoutMs: number;
  private readonly attemptMs: number;
  private readonly backoffMs: number;
  private readonly keepAliveMs: number;
  private readonly prefix: string;
  private readonly headers: Record<string, string>;
  private readonly run: (fn: () => void) => void;
  private preferred: Endpoint | undefined;
  private next = 0;
  private discovering = false;
  private lastDiscovery = -Infinity;
  private closed = false;
  private readonly calls = new Set<Call>();
  private readonly watches = new Set<WatchState>();
  private probe: NodeJS.Timeout | undefined;

  constructor(options: RealEtcdClientOptions) {
    if (!options?.endpoints?.length) throw new Error("RealEtcdClient: endpoints must name at least one etcd client URL, e.g. http://127.0.0.1:2379");
    this.name = options.name ?? "real-etcd-client";
    this.timeoutMs = parseDuration(options.timeout ?? "5s");
    this.attemptMs = parseDuration(options.attemptTimeout ?? "1s");
    this.backoffMs = parseDuration(options.backoff ?? "50ms");
    this.keepAliveMs = parseDuration(options.watchKeepAlive ?? "2s");
    this.prefix = (options.apiPrefix ?? "/v3").replace(/\/+$/, "");
    this.headers = { "content-type": "application/json", "grpc-metadata-hasleader": "true", ...(options.headers ?? {}) };
    const inject = options.inject;
    this.run = !inject ? (fn) => fn() : typeof inject === "function" ? (fn) => void inject(fn) : (fn) => void inject.inject(fn);
    const maxSockets = options.maxSockets ?? 32;
    this.eps = options.endpoints.map((raw) => {
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        throw new Error(`RealEtcdClient: endpoint ${JSON.stringify(raw)} is not a URL; write it as http://host:port`);
      }
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`RealEtcdClient: endpoint ${raw} must be http:// or https://`);
      const secure = u.protocol === "https:";
      const agentOptions = { keepAlive: true, maxSockets, ...(secure ? options.tls ?? {} : {}) };
      return {
        url: `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`,
        transport: secure ? https : http,
        hostname: u.hostname.replace(/^\[|\]$/g, ""),
        port: Number(u.port) || (secure ? 443 : 80),
        path: u.pathname.replace(/\/+$/, ""),
        agent: secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions),
        streamAgent: secure ? new https.Agent({ ...(options.tls ?? {}), keepAlive: false }) : new http.Agent({ keepAlive: false }),
      };
    });
    if (this.eps.length === 1) this.preferred = this.eps[0];
  }

  /** The endpoint this client believes is the leader's (calls go there first), if known. */
  get leader(): string | undefined {
    return this.eps.length > 1 ? this.preferred?.url : undefined;
  }

  get endpoints(): string[] {
    return this.eps.map((e) => e.url);
  }

  // ---- KV ----
  range(request: RangeRequest, cb: Callback<RangeResponse>): void {
    this.call("range", () => codec.encodeRange(request), codec.decodeRangeResponse, cb);
  }
  put(request: PutRequest, cb: Callback<PutResponse>): void {
    this.call("put", () => codec.encodePut(request), codec.decodePutResponse, cb);
  }
  deleteRange(request: DeleteRangeRequest, cb: Callback<DeleteRangeResponse>): void {
    this.call("deleteRange", () => codec.encodeDeleteRange(request), codec.decodeDeleteRangeResponse, cb);
  }
  txn(request: TxnRequest, cb: Callback<TxnResponse>): void {
    this.call("txn", () => codec.encodeTxn(request), codec.decodeTxnResponse, cb);
  }
  compact(request: CompactionRequest, cb: Callback<CompactionResponse>): void {
    this.call("compaction", () => codec.encodeCompaction(request), codec.decodeCompactionResponse, cb);
  }

  // ---- Lease ----
  leaseGrant(request: LeaseGrantRequest, cb: Callback<LeaseGrantResponse>): void {
    this.call("leaseGrant", () => codec.encodeLeaseGrant(request), codec.decodeLeaseGrantResponse, cb);
  }
  leaseRevoke(request: LeaseRevokeRequest, cb: Callback<LeaseRevokeResponse>): void {
    this.call("leaseRevoke", () => codec.encodeLeaseId(request), codec.decodeLeaseRevokeResponse, cb);
  }
  leaseKeepAlive(request: LeaseKeepAliveRequest, cb: Callback<LeaseKeepAliveResponse>): void {
    this.call("leaseKeepAlive", () => codec.encodeLeaseId(request), codec.decodeLeaseKeepAliveResponse, cb);
  }
  leaseTimeToLive(request: LeaseTimeToLiveRequest, cb: Callback<LeaseTimeToLiveResponse>): void {
    this.call("leaseTimeToLive", () => codec.encodeLeaseTimeToLive(request), codec.decodeLeaseTimeToLiveResponse, cb);
  }
  leaseLeases(cb: Callback<LeaseLeasesResponse>): void {
    this.call("leaseLeases", () => ({}), codec.decodeLeaseLeasesResponse, cb);
  }

  // ---- Watch ----

  /**
   * Watches a key or range over its own /v3/watch stream. `handler` gets every WatchResponse
   * (created, events, progress, canceled), in order. If the stream breaks, the watch is created
   * again on another endpoint from the revision after the last one seen, so no event is lost or
   * repeated (unless that revision was compacted meanwhile: then etcd's cancellation with
   * compact_revision arrives); the new stream's `created` response is delivered too, as by
   * EtcdClient. Throws CodecError at once for a request that cannot be encoded.
   */
  watch(request: WatchCreateRequest, handler: (r: WatchResponse) => void): Watch {
    codec.encodeWatchCreate(request); // refuse a malformed request now, not on every retry
    const w: WatchState = {
      request: { ...request },
      lastRevision: 0,
      member: undefined,
      handler,
      cancelled: false,
      nextRev: request.start_revision && request.start_revision > 0 ? request.start_revision : 0,
      gen: 0,
      ep: undefined,
      failed: undefined,
      abort: undefined,
      retry: undefined,
      failures: 0,
      cancel: () => this.cancelWatch(w),
    };
    if (this.closed) {
      w.cancelled = true;
      return w;
    }
    this.watches.add(w);
    this.startWatch(w);
    this.ensureProbe();
    return w;
  }

  /** Cancels every watch and pending call (their callbacks get ErrClosed) and closes connections. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.watches]) this.cancelWatch(w);
    for (const c of [...this.calls]) {
      c.abort?.();
      this.finish(c, ErrClosed);
    }
    if (this.probe) clearInterval(this.probe);
    this.probe = undefined;
    for (const ep of this.eps) {
      ep.agent.destroy();
      ep.streamAgent.destroy();
    }
  }

  // ---- unary calls ----

  private call(kind: UnaryKind, encode: () => JsonObject, decode: (j: Json) => unknown, cb: Callback<any>): void {
    let body: string;
    try {
      if (this.closed) throw ErrClosed;
      body = JSON.stringify(encode());
    } catch (err) {
      const e: RpcError = err instanceof codec.CodecError ? { code: err.code, message: err.message } : err === ErrClosed ? ErrClosed : { code: 3, message: String((err as Error).message ?? err) };
      setImmediate(() => this.run(() => cb(e)));
      return;
    }
    const c: Call = {
      kind,
      body,
      decode,
      cb,
      deadline: now() + this.timeoutMs,
      idempotent: !LOGGED.has(kind),
      attempts: 0,
      timer: undefined,
      abort: undefined,
      lastFailed: undefined,
      lastError: undefined,
      done: false,
    };
    this.calls.add(c);
    if (!this.preferred) this.discoverLeader();
    this.attempt(c);
  }

  private attempt(c: Call): void {
    const ep = this.pick(c.lastFailed);
    c.attempts++;
    const wait = Math.max(0, Math.min(c.idempotent ? this.attemptMs : this.timeoutMs, c.deadline - now()));
    c.timer = setTimeout(() => {
      // No answer in time. A read may be tried elsewhere; a write may have happened: give up.
      c.abort?.();
      if (c.done) return;
      if (c.idempotent && this.canRetry(c)) {
        this.forgetLeader(ep);
        return this.retry(c, ep, ErrDeadline);
      }
      this.finish(c, ErrDeadline);
    }, wait);
    c.abort = this.post(ep, PATHS[c.kind], c.body, c.kind === "leaseKeepAlive", this.headers, ep.agent, (o) => {
      clearTimeout(c.timer);
      if (!c.done) this.outcome(c, ep, o);
    });
  }

  private outcome(c: Call, ep: Endpoint, o: Outcome): void {
    if (o.type === "failed") {
      const what = o.error.message;
      const err: RpcError = o.sent
        ? { code: Unavailable, message: `kubelab: ${ep.url}: ${what}${c.idempotent ? "" : " (the request may have been applied)"}` }
        : { code: Unavailable, message: `kubelab: ${ep.url}: ${o.error.code === "ECONNREFUSED" ? "connection refused" : "not reachable"} (${what})` };
      this.forgetLeader(ep);
      if ((!o.sent || c.idempotent) && this.canRetry(c)) return this.retry(c, ep, err);
      return this.finish(c, err, undefined, o.sent ? ep.url : undefined);
    }
    let json: Json | undefined;
    try {
      json = o.text.trim() === "" ? undefined : (JSON.parse(o.text) as Json);
    } catch {
      json = undefined;
    }
    const stream = c.kind === "leaseKeepAlive";
    if (o.status === 200 && json !== undefined) {
      const msg = json as JsonObject;
      if (!stream || msg.result !== undefined) {
        try {
          return this.finish(c, undefined, c.decode(stream ? msg.result : json), ep.url);
        } catch (err) {
          return this.finish(c, { code: 13, message: `kubelab: unexpected response from ${ep.url}${this.prefix}${PATHS[c.kind]}: ${(err as Error).message}` }, undefined, ep.url);
        }
      }
    }
    const rpc = json !== undefined ? codec.decodeError(json) : undefined;
    const err: RpcError = rpc ?? {
      code: grpcCodeFromHttp(o.status),
      message: `kubelab: ${ep.url}${this.prefix}${PATHS[c.kind]} answered HTTP ${o.status}${o.text.trim() ? ": " + o.text.trim().slice(0, 200) : ""}`,
    };
    if (err.code === Unavailable) this.forgetLeader(ep);
    // "no leader": the request never entered the log, so any call may be retried.
    const notHappened = err.code === Unavailable && err.message === "etcdserver: no leader";
    if ((notHappened || (c.idempotent && err.code === Unavailable)) && this.canRetry(c)) return this.retry(c, ep, err);
    this.finish(c, err, undefined, ep.url);
  }

  private canRetry(c: Call): boolean {
    return !this.closed && this.eps.length > 0 && now() + this.backoffMs < c.deadline;
  }

  private retry(c: Call, failed: Endpoint, err: RpcError): void {
    c.lastFailed = failed;
    c.lastError = err;
    c.abort = undefined;
    c.timer = setTimeout(() => {
      if (c.done) return;
      if (now() >= c.deadline) return this.finish(c, c.lastError ?? ErrDeadline);
      this.attempt(c);
    }, this.backoffMs);
  }

  private finish(c: Call, err: RpcError | undefined, response?: unknown, member?: string): void {
    if (c.done) return;
    c.done = true;
    clearTimeout(c.timer);
    this.calls.delete(c);
    this.run(() => c.cb(err, response, member));
  }

  /** The leader's endpoint first; otherwise round robin, avoiding the one that just failed. */
  private pick(avoid?: Endpoint): Endpoint {
    if (this.preferred && this.preferred !== avoid) return this.preferred;
    for (let i = 0; i < this.eps.length; i++) {
      const ep = this.eps[this.next++ % this.eps.length];
      if (ep !== avoid || this.eps.length === 1) return ep;
    }
    return this.eps[0];
  }

  private forgetLeader(ep: Endpoint): void {
    if (this.eps.length === 1 || this.preferred !== ep) return;
    this.preferred = undefined;
    this.discoverLeader();
  }

  /** Asks every endpoint for its status; the one whose member is the leader becomes preferred. */
  private discoverLeader(): void {
    if (this.eps.length === 1 || this.discovering || this.closed || now() - this.lastDiscovery < 1000) return;
    this.discovering = true;
    this.lastDiscovery = now();
    let pending = this.eps.length;
    for (const ep of this.eps) {
      let answered = false;
      const settle = () => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        if (--pending === 0) this.discovering = false;
      };
      const abort = this.post(ep, "/maintenance/status", "{}", false, this.headers, ep.agent, (o) => {
        if (o.type === "reply" && o.status === 200 && !this.closed) {
          try {
            const j = JSON.parse(o.text) as JsonObject;
            const self = (j.header as JsonObject | undefined)?.member_id;
            if (j.leader !== undefined && self !== undefined && String(j.leader) === String(self)) this.preferred = ep;
          } catch {
            // not a status: ignore this endpoint
          }
        }
        settle();
      });
      const timer: NodeJS.Timeout = setTimeout(() => {
        abort();
        settle();
      }, this.attemptMs);
      timer.unref();
    }
  }

  /**
   * One POST. `done` is called once with the reply (for a stream, its first line) or the
   * failure; the returned function aborts the request (after which `done` is not called).
   */
  private post(
    ep: Endpoint,
    path: string,
    body: string,
    firstLine: boolean,
    headers: Record<string, string>,
    agent: http.Agent,
    done: (o: Outcome) => void,
  ): () => void {
    let settled = false;
    const settle = (o: Outcome) => {
      if (settled) return;
      settled = true;
      done(o);
    };
    let req: http.ClientRequest;
    try {
      req = ep.transport.request(
        {
          hostname: ep.hostname,
          port: ep.port,
          path: ep.path + this.prefix + path,
          method: "POST",
          agent,
          headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          const status = res.statusCode ?? 0;
          res.on("data", (chunk: Buffer) => {
            if (settled) return;
            chunks.push(chunk);
            if (firstLine && chunk.includes(10)) {
              const text = Buffer.concat(chunks).toString("utf8");
              settle({ type: "reply", status, text: text.slice(0, text.indexOf("\n")) });
            }
          });
          res.on("end", () => settle({ type: "reply", status, text: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", (error: NodeJS.ErrnoException) => settle({ type: "failed", error, sent: true }));
          res.on("close", () => {
            if (!res.complete) settle({ type: "failed", error: Object.assign(new Error("connection closed mid-response"), { code: "ECONNRESET" }), sent: true });
          });
        },
      );
    } catch (error) {
      // Refused by Node before any I/O (a bad header, say): still answered later, never now.
      setImmediate(() => settle({ type: "failed", error: error as NodeJS.ErrnoException, sent: false }));
      return () => (settled = true);
    }
    req.on("error", (error: NodeJS.ErrnoException) => settle({ type: "failed", error, sent: !NOT_SENT.has(error.code ?? "") }));
    req.end(body);
    return () => {
      settled = true;
      req.destroy();
    };
  }

  // ---- watches ----

  private startWatch(w: WatchState): void {
    if (w.cancelled || this.closed) return;
    const ep = this.pick(w.failed);
    const gen = ++w.gen;
    w.ep = ep;
    w.member = undefined;
    const request: WatchCreateRequest = { ...w.request, start_revision: w.nextRev };
    const body = JSON.stringify(codec.encodeWatchCreate(request));
    const lost = () => this.watchLost(w, ep, gen);
    let req: http.ClientRequest;
    try {
      req = ep.transport.request(
        { hostname: ep.hostname, port: ep.port, path: ep.path + this.prefix + "/watch", method: "POST", agent: ep.streamAgent, headers: this.headers },
        (res) => {
          res.setEncoding("utf8");
          let buf = "";
          if (res.statusCode !== 200) {
            // Refused before the stream began (no leader, a bad request, no such route).
            res.on("data", (chunk: string) => (buf += chunk));
            res.on("end", () => {
              let json: Json | undefined;
              try {
                json = JSON.parse(buf) as Json;
              } catch {
                json = undefined;
              }
              const status = res.statusCode ?? 0;
              const err = (json !== undefined ? codec.decodeError(json) : undefined) ?? {
                code: grpcCodeFromHttp(status),
                message: `kubelab: ${ep.url}${this.prefix}/watch answered HTTP ${status}${buf.trim() ? ": " + buf.trim().slice(0, 200) : ""}`,
              };
              this.watchError(w, ep, gen, err);
            });
            return;
          }
          res.on("data", (chunk: string) => {
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf("\n")) >= 0 && gen === w.gen && !w.cancelled) {
              const line = buf.slice(0, nl).trim();
              buf = buf.slice(nl + 1);
              if (line) this.watchLine(w, ep, gen, line);
            }
          });
          res.on("end", lost);
          res.on("error", lost);
          res.on("close", lost);
        },
      );
    } catch {
      return lost();
    }
    req.on("error", lost);
    req.end(body);
    w.abort = () => req.destroy();
  }

  private watchLine(w: WatchState, ep: Endpoint, gen: number, line: string): void {
    let r: WatchResponse;
    try {
      const msg = JSON.parse(line) as JsonObject;
      if (msg.result === undefined) {
        // {"error": {...}}: the stream failed (e.g. "no leader", under hasleader).
        return this.watchError(w, ep, gen, codec.decodeError(msg) ?? { code: 2, message: line });
      }
      r = codec.decodeWatchResponse(msg.result);
    } catch {
      return this.watchLost(w, ep, gen);
    }
    w.member = ep.url;
    w.failures = 0;
    if (r.created && !r.canceled && w.nextRev === 0) w.nextRev = r.header.revision + 1;
    for (const ev of r.events) {
      w.lastRevision = Math.max(w.lastRevision, ev.kv.mod_revision);
      w.nextRev = Math.max(w.nextRev, ev.kv.mod_revision + 1);
    }
    // A progress notification: everything up to its revision has been seen.
    if (!r.created && !r.canceled && r.events.length === 0 && r.header.revision > 0) w.nextRev = Math.max(w.nextRev, r.header.revision + 1);
    if (r.canceled) this.endWatch(w);
    this.run(() => w.handler(r));
  }

  /**
   * The server refused or ended the stream with an error. Unavailable (no leader, timeouts) and
   * the like: try elsewhere. Anything else will not get better by retrying: the watch ends with
   * a canceled response carrying the error, as etcd reports a watch it refuses.
   */
  private watchError(w: WatchState, ep: Endpoint, gen: number, err: RpcError): void {
    if (gen !== w.gen || w.cancelled || this.closed) return;
    if (err.code === Unavailable || err.code === 4 || err.code === 1 || err.code === 2 || err.code === 13) return this.watchLost(w, ep, gen);
    this.endWatch(w);
    const r: WatchResponse = {
      header: { cluster_id: 0, member_id: 0, revision: 0, raft_term: 0 },
      watch_id: -1,
      created: false,
      canceled: true,
      compact_revision: 0,
      cancel_reason: err.message,
      fragment: false,
      events: [],
    };
    this.run(() => w.handler(r));
  }

  private watchLost(w: WatchState, ep: Endpoint, gen: number): void {
    if (gen !== w.gen || w.cancelled || this.closed) return;
    w.gen++; // ignore anything more from this stream
    w.abort?.();
    w.abort = undefined;
    w.member = undefined;
    w.failed = ep;
    this.forgetLeader(ep);
    clearTimeout(w.retry);
    // Back off exponentially while nothing answers (50 ms, 100 ms, ... up to 2 s).
    const delay = Math.min(2000, this.backoffMs * 2 ** Math.min(w.failures++, 6));
    w.retry = setTimeout(() => this.startWatch(w), delay);
    w.retry.unref?.(); // a retry alone must not keep the process alive
  }

  private endWatch(w: WatchState): void {
    w.cancelled = true;
    w.gen++;
    clearTimeout(w.retry);
    w.abort?.();
    w.abort = undefined;
    this.watches.delete(w);
    if (this.watches.size === 0 && this.probe) {
      clearInterval(this.probe);
      this.probe = undefined;
    }
  }

  private cancelWatch(w: WatchState): void {
    if (w.cancelled) return;
    this.endWatch(w); // closing the stream cancels the watch on the server
  }

  /** Every few seconds, each endpoint serving a watch must answer a status request. */
  private ensureProbe(): void {
    if (this.probe || this.keepAliveMs <= 0) return;
    this.probe = setInterval(() => {
      const serving = new Set<Endpoint>();
      for (const w of this.watches) if (w.ep && w.member) serving.add(w.ep);
      for (const ep of serving) {
        let timer: NodeJS.Timeout | undefined = undefined;
        const fail = () => {
          for (const w of this.watches) if (w.ep === ep) this.watchLost(w, ep, w.gen);
        };
        const abort = this.post(ep, "/maintenance/status", "{}", false, this.headers, ep.agent, (o) => {
          clearTimeout(timer);
          if (o.type === "failed") fail();
        });
        timer = setTimeout(() => {
          abort();
          fail();
        }, this.attemptMs);
        timer.unref();
      }
    }, this.keepAliveMs);
    this.probe.unref();
  }
}

/** grpc-gateway's HTTP status back to a gRPC code, for error bodies that are not etcd's JSON. */
function grpcCodeFromHttp(status: number): number {
  switch (status) {
    case 400:
      return 3;
    case 401:
      return 16;
    case 403:
      return 7;
    case 404:
      return 12; // no such route: the server does not implement this API
    case 408:
      return 1;
    case 409:
      return 10;
    case 412:
      return 9;
    case 429:
      return 8;
    case 501:
      return 12;
    case 502:
    case 503:
      return Unavailable;
    case 504:
      return 4;
    default:
      return 2;
  }
}
