// ApiServer: the front door. Every request goes through the same stages, each recorded in the
// trace (component "apiserver", kind = the stage, with the request id): authn → authz →
// decode (+ defaults) → admission (mutating, per plugin) → validation → admission (validating,
// per plugin) → storage. It is the only component that talks to etcd. It answers in-simulation
// clients on its network endpoint and the HTTP front through serve().

import { Duration, parseDuration, Simulation } from "../../sim/index";
import type { Rng } from "../../sim/rng";
import { DEFAULT_PLUGINS, AdmissionAttributes, AdmissionLookups, AdmissionPlugin } from "../admission/plugins";
import type { RestRequest, RestResponder, RestStream } from "../rest";
import { applyDefaults, qosClass } from "../registry/defaults";
import { Errors, Status, StatusError, successStatus, toStatus } from "../registry/errors";
import { field, FieldError } from "../registry/field-errors";
import { clone, isPlainObject, KubeObject, timestamp } from "../registry/object";
import { PATCH_TYPES, PatchError } from "../registry/patch";
import { findByKind, groupVersion, RESOURCES, ResourceInfo } from "../registry/resources";
import { labelSelectorString, objectFields, parseFieldSelector, parseLabelSelector } from "../registry/selectors";
import { validateCreate, validateUpdate } from "../registry/validation";
import type { KvStore } from "../storage/kv";
import { ObjectStore, UpdateDecision } from "../storage/store";
import { StaticToken, TokenAuthenticator, UserInfo } from "./authn";
import { bootstrapObjects } from "./bootstrap";
import { ObjectCache } from "./cache";
import { QuotaAdmission } from "./quota";
import { EvictionREST } from "./eviction";
import { decodeAs, decodeObject, parseBody } from "./decode";
import type { ClientBoundMsg, ServerBound } from "./protocol";
import { forbiddenReason, RbacAuthorizer, Attributes } from "./rbac";
import { parseRequest, query, RequestInfo } from "./request-info";
import { listParams } from "./list-options";
import { CREATE_ON_UPDATE, DeleteOptions, planDelete, prepareForCreate, prepareForUpdate, readyToRemove, validateFinalizerNames } from "./strategy";

export interface ApiServerOptions {
  /** The etcd client: the simulated cluster's EtcdClient or a real etcd's client. */
  etcd: KvStore;
  /** The network endpoint in-simulation clients send to (default "apiserver"). */
  name?: string;
  /** Static bearer tokens (--token-auth-file). */
  tokens?: StaticToken[];
  /** Admission plugins in order (default: NamespaceLifecycle, ServiceAccount, DefaultTolerationSeconds). */
  admission?: AdmissionPlugin[];
  /** How often a watch that asked for bookmarks gets one (default 1m). */
  bookmarkInterval?: Duration;
  /** Create the system namespaces, default RBAC and the kubernetes Service (default true). */
  bootstrap?: boolean;
  /**
   * How often the server compacts etcd (--etcd-compaction-interval, default 5m; 0 = never). Each
   * time it compacts to the revision it saw one interval earlier, so about one interval of
   * history stays watchable; older resourceVersions get 410 Gone.
   */
  compactionInterval?: Duration;
  /** How long Events live after their last write (--event-ttl, default 1h). */
  eventTTL?: Duration;
}

const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

interface Ctx {
  id: string;
  req: RestRequest;
  res: RestResponder;
  user?: UserInfo;
  ri?: RequestInfo;
  t0: number;
  /** When the previous stage ended: each trace row's `ms` is the virtual time since then. */
  tLast?: number;
  /** Warnings for the client, sent as `Warning: 299 - "<text>"` headers (unknown fields, ...). */
  warnings: string[];
}

export class ApiServer {
  readonly name: string;
  readonly store: ObjectStore;
  readonly authn: TokenAuthenticator;
  readonly authz: RbacAuthorizer;
  /** True once bootstrap objects exist and the caches have their first list. */
  ready = false;
  private readonly sim: Simulation;
  private readonly plugins: AdmissionPlugin[];
  private readonly uidRng: Rng;
  private readonly nameRng: Rng;
  private readonly bookmarkMs: number;
  private readonly caches = new Map<string, ObjectCache>();
  private readonly quota: QuotaAdmission;
  private seq = 0;
  /** Open watch streams of network clients, by request id, to close on api.cancel. */
  private readonly clientStreams = new Map<string, () => void>();
  private readonly readyWaiters: (() => void)[] = [];

  constructor(sim: Simulation, options: ApiServerOptions) {
    this.sim = sim;
    this.name = options.name ?? "apiserver";
    const eventTtlSeconds = Math.ceil(parseDuration(options.eventTTL ?? "1h") / 1000);
    // Events are stored with a lease, so etcd drops them an hour after their last write.
    this.store = new ObjectStore(options.etcd, { now: () => sim.now, ttlSeconds: (info) => (info.kind === "Event" ? eventTtlSeconds : undefined) });
    this.plugins = options.admission ?? DEFAULT_PLUGINS;
    this.uidRng = sim.rng.fork(`${this.name}/uid`);
    this.nameRng = sim.rng.fork(`${this.name}/names`);
    this.bookmarkMs = parseDuration(options.bookmarkInterval ?? "1m");
    for (const r of ["namespaces", "serviceaccounts", "services", "roles", "clusterroles", "rolebindings", "clusterrolebindings", "priorityclasses", "limitranges", "resourcequotas"]) {
      const info = RESOURCES.find((x) => x.resource === r)!;
      const c = new ObjectCache(this.store, info);
      this.caches.set(r, c);
      c.start();
    }
    const cache = (r: string) => this.caches.get(r)!;
    this.quota = new QuotaAdmission(this.store, (ns) => cache("resourcequotas").list(ns));
    this.authn = new TokenAuthenticator(options.tokens ?? [], sim.rng.fork(`${this.name}/tokens`), (ns, n) => !!cache("serviceaccounts").get(ns, n));
    this.authz = new RbacAuthorizer({
      roles: (ns) => cache("roles").list(ns),
      clusterRoles: () => cache("clusterroles").list(),
      roleBindings: (ns) => cache("rolebindings").list(ns),
      clusterRoleBindings: () => cache("clusterrolebindings").list(),
    });
    sim.network.register(this.name, { deliver: (env) => this.receive(env.from, env.payload as ServerBound) });
    if (options.bootstrap ?? true) this.bootstrap();
    else this.ready = true;
    const compactMs = parseDuration(options.compactionInterval ?? "5m");
    if (compactMs > 0) this.startCompaction(compactMs);
  }

  private startCompaction(intervalMs: number): void {
    let previous = 0;
    this.sim.every(intervalMs, () => {
      this.store.revision((err, rev) => {
        if (err || rev === undefined) return;
        const target = previous;
        previous = rev;
        if (target <= 0) return;
        this.store.compact(target, (cerr) => this.sim.trace.record("apiserver", "compact", { revision: target, outcome: cerr ? cerr.message : "ok" }));
      });
    }, "apiserver compaction");
  }

  /** Calls fn once the server is ready (at once if it is). */
  onReady(fn: () => void): void {
    if (this.ready) fn();
    else this.readyWaiters.push(fn);
  }

  addToken(t: StaticToken): void {
    this.authn.addToken(t);
  }

  /** A bearer token for a ServiceAccount (valid while the account exists). */
  mintServiceAccountToken(namespace: string, name: string): string {
    const sa = this.caches.get("serviceaccounts")!.get(namespace, name);
    return this.authn.mintServiceAccountToken(namespace, name, sa?.metadata.uid ?? "");
  }

  // ---- entry points ----

  /** Serves one request; the answer goes to res (once), or res.stream() for a watch. */
  serve(req: RestRequest, res: RestResponder): void {
    const ctx: Ctx = { id: `req-${++this.seq}`, req, res, t0: this.sim.now, warnings: [] };
    try {
      this.handle(ctx);
    } catch (e) {
      this.fail(ctx, e);
    }
  }

  private receive(from: string, msg: ServerBound): void {
    if (msg.type === "api.cancel") {
      this.clientStreams.get(`${from}/${msg.id}`)?.();
      return;
    }
    if (msg.type !== "api.request") return;
    const send = (m: ClientBoundMsg) => this.sim.network.send(this.name, from, m, { kind: m.type });
    const key = `${from}/${msg.id}`;
    let answered = false;
    this.serve(msg.request, {
      send: (status, body, headers) => {
        if (answered) return;
        answered = true;
        send({ type: "api.response", id: msg.id, status, body, headers });
      },
      stream: (status) => {
        answered = true;
        send({ type: "api.stream", id: msg.id, status });
        const closers: (() => void)[] = [];
        let open = true;
        const close = () => {
          if (!open) return;
          open = false;
          this.clientStreams.delete(key);
          for (const c of closers) c();
        };
        this.clientStreams.set(key, close);
        const s: RestStream = {
          event: (value) => {
            if (open) send({ type: "api.event", id: msg.id, event: value });
          },
          end: () => {
            if (!open) return;
            send({ type: "api.end", id: msg.id });
            close();
          },
          onClose: (fn) => closers.push(fn),
        };
        return s;
      },
    });
  }

  // ---- the pipeline ----

  /**
   * One row per stage: request id, verb, resource, user, outcome, and `ms`, the virtual time the
   * stage took (since the previous row of the request) — what a "where time goes" chart plots.
   * In-memory stages take no virtual time; storage takes an etcd (Raft) round trip.
   */
  private trace(ctx: Ctx, stage: string, outcome: string, extra: Record<string, unknown> = {}): void {
    const ri = ctx.ri;
    const ms = this.sim.now - (ctx.tLast ?? ctx.t0);
    ctx.tLast = this.sim.now;
    this.sim.trace.record("apiserver", stage, {
      request: ctx.id,
      ms,
      verb: ri?.verb ?? ctx.req.method,
      resource: ri ? (ri.subresource ? `${ri.resource}/${ri.subresource}` : ri.resource) : ctx.req.path,
      namespace: ri?.namespace,
      name: ri?.name || undefined,
      user: ctx.user?.name,
      outcome,
      ...extra,
    });
  }

  private fail(ctx: Ctx, e: unknown): void {
    if (!(e instanceof StatusError) && !(e instanceof PatchError)) {
      // A bug in the server, not bad input: answer 500 and say so in the trace.
      this.sim.trace.record("apiserver", "panic", { request: ctx.id, error: e instanceof Error ? e.stack ?? e.message : String(e) });
    }
    const status = e instanceof PatchError ? patchStatus(e) : toStatus(e);
    this.respond(ctx, status.code, status);
  }

  private respond(ctx: Ctx, code: number, body: unknown): void {
    this.trace(ctx, "response", code < 400 ? "ok" : "error", { code, latency: this.sim.now - ctx.t0, reason: code >= 400 ? (body as { reason?: string }).reason : undefined });
    const headers: Record<string, string> = { "content-type": "application/json" };
    // RFC 7234 warn-code 299, agent "-", the text as a quoted string [apiserver@1.32 pkg/warning].
    if (ctx.warnings.length) headers.warning = ctx.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(", ");
    ctx.res.send(code, body, headers);
  }

  private handle(ctx: Ctx): void {
    const { req } = ctx;
    // The request's attributes come first (as the real RequestInfo filter does), but a path the
    // server cannot serve is only reported to an authenticated caller.
    let parseError: unknown;
    try {
      ctx.ri = parseRequest(req);
    } catch (e) {
      parseError = e;
    }
    // 1. authentication
    const user = this.authn.authenticate(req.headers["authorization"]);
    if (!user) {
      this.trace(ctx, "authn", "denied");
      throw Errors.unauthorized();
    }
    ctx.user = user;
    this.trace(ctx, "authn", "ok");
    if (parseError || !ctx.ri) throw parseError;
    const ri = ctx.ri;
    // 2. authorization
    const attrs: Attributes = { user, verb: ri.verb, group: ri.group, resource: ri.resource, subresource: ri.subresource, namespace: ri.namespace, name: ri.name };
    const decision = this.authz.authorize(attrs);
    this.trace(ctx, "authz", decision.allowed ? "allowed" : "forbidden");
    if (!decision.allowed) throw Errors.forbidden(ri.info, ri.name, forbiddenReason(attrs));
    this.dispatch(ctx, ri);
  }

  private dispatch(ctx: Ctx, ri: RequestInfo): void {
    const info = ri.info;
    const sub = ri.subresource;
    const subInfo = sub ? info.subresources.find((s) => s.name === sub) : undefined;
    if (sub && !subInfo) throw Errors.pathNotFound();
    // namespaces/finalize answers PUT only [k/k pkg/registry/core/namespace/storage FinalizeREST].
    if (sub === "finalize" && ri.verb !== "update") throw Errors.methodNotAllowed(ri.verb, info);
    if (!sub && !info.verbs.includes(ri.verb)) throw Errors.methodNotAllowed(ri.verb, info);
    if (info.kind === "SelfSubjectAccessReview") return this.selfSubjectAccessReview(ctx, ri);
    if (info.kind === "SelfSubjectReview") return this.selfSubjectReview(ctx, ri);
    if (sub === "log") throw Errors.badRequest(`pod logs are served by the kubelet, which this cluster does not run yet`);
    if (sub === "binding" || info.kind === "Binding") return this.bind(ctx, ri);
    if (sub === "scale") return this.scale(ctx, ri);
    if (sub === "eviction") return this.evict(ctx, ri);
    switch (ri.verb) {
      case "get":
        return this.get(ctx, ri);
      case "list":
        return this.list(ctx, ri);
      case "watch":
        return this.watch(ctx, ri);
      case "create":
        if (sub) throw Errors.methodNotAllowed("create", info);
        return this.create(ctx, ri);
      case "update":
        return this.update(ctx, ri);
      case "patch":
        return this.patch(ctx, ri);
      case "delete":
        return this.delete(ctx, ri);
      case "deletecollection":
        return this.deleteCollection(ctx, ri);
    }
    throw Errors.methodNotAllowed(ri.verb, info);
  }

  // ---- admission ----

  private lookups(): AdmissionLookups {
    return {
      namespace: (n) => this.caches.get("namespaces")!.get(undefined, n),
      serviceAccount: (ns, n) => this.caches.get("serviceaccounts")!.get(ns, n),
      priorityClasses: () => this.caches.get("priorityclasses")!.list(),
      limitRanges: (ns) => this.caches.get("limitranges")!.list(ns),
      randomSuffix: () => this.randomSuffix(),
    };
  }

  private randomSuffix(): string {
    let s = "";
    for (let i = 0; i < 5; i++) s += NAME_ALPHABET[this.nameRng.int(NAME_ALPHABET.length)];
    return s;
  }

  /** A UUID v4 from the seeded generator: real uids look like this. */
  private newUid(): string {
    const b = this.uidRng.bytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  private admit(ctx: Ctx, phase: "mutating" | "validating", a: AdmissionAttributes): void {
    const lookups = this.lookups();
    for (const p of this.plugins) {
      const fn = phase === "mutating" ? p.mutate : p.validate;
      if (!fn) continue;
      try {
        fn.call(p, a, lookups);
      } catch (e) {
        this.trace(ctx, "admission", "denied", { phase, plugin: p.name });
        throw e;
      }
      this.trace(ctx, "admission", "ok", { phase, plugin: p.name });
    }
  }

  private validate(ctx: Ctx, info: ResourceInfo, obj: KubeObject, old?: KubeObject): void {
    const errs = old ? validateUpdate(obj, old, info) : validateCreate(obj, info);
    this.trace(ctx, "validation", errs.length ? "invalid" : "ok", errs.length ? { errors: errs.length } : {});
    if (errs.length) throw Errors.invalid(info, obj.metadata.name || obj.metadata.generateName || "", errs);
  }

  /** Decode, defaults, mutating admission, validation, validating admission: a create's object. */
  private admitCreate(ctx: Ctx, ri: RequestInfo, obj: KubeObject): KubeObject {
    const info = ri.info;
    if (info.namespaced) {
      if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== "" && obj.metadata.namespace !== ri.namespace)
        throw Errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
      if (ri.namespace === undefined) throw Errors.pathNotFound();
      obj.metadata.namespace = ri.namespace;
    } else delete obj.metadata.namespace;
    if (!obj.metadata.name && obj.metadata.generateName && typeof obj.metadata.generateName === "string") {
      obj.metadata.name = obj.metadata.generateName.slice(0, 58) + this.randomSuffix();
    }
    prepareForCreate(obj, info, this.newUid(), this.sim.now);
    applyDefaults(obj);
    this.trace(ctx, "decode", "ok");
    const a: AdmissionAttributes = { operation: "CREATE", info, subresource: "", namespace: ri.namespace, name: obj.metadata.name ?? "", user: ctx.user!, object: obj, oldObject: undefined };
    this.admit(ctx, "mutating", a);
    // PrepareForCreate runs after mutating admission: the QoS class sees LimitRanger's defaults.
    if (obj.kind === "Pod" && obj.status && typeof obj.status === "object") obj.status.qosClass = qosClass(obj.spec);
    this.validate(ctx, info, obj);
    this.admit(ctx, "validating", a);
    return obj;
  }

  private admitUpdate(ctx: Ctx, ri: RequestInfo, obj: KubeObject, cur: KubeObject, statusOnly: boolean): UpdateDecision {
    const info = ri.info;
    const next = prepareForUpdate(obj, cur, info, statusOnly);
    applyDefaults(next);
    // A Service that became NodePort (or lost a port's nodePort) gets one now, as on create.
    if (info.kind === "Service" && !statusOnly) this.allocate(next);
    const a: AdmissionAttributes = { operation: "UPDATE", info, subresource: ri.subresource, namespace: ri.namespace, name: ri.name, user: ctx.user!, object: next, oldObject: cur };
    this.admit(ctx, "mutating", a);
    this.validate(ctx, info, next, cur);
    this.admit(ctx, "validating", a);
    if (readyToRemove(next)) return { type: "delete", object: next };
    return { type: "update", object: next };
  }

  // ---- verbs ----

  private get(ctx: Ctx, ri: RequestInfo): void {
    this.store.get(ri.info, ri.namespace, ri.name, (err, obj) => {
      this.trace(ctx, "storage", err ? "error" : "ok", { op: "get" });
      if (err) return this.fail(ctx, err);
      this.respond(ctx, 200, obj);
    });
  }

  private selectors(ri: RequestInfo, req: RestRequest): (obj: KubeObject) => boolean {
    const ls = parseLabelSelector(query(req, "labelSelector") ?? "");
    if (ls.ok !== true) throw Errors.badRequest(`unable to parse requirement: ${(ls as { error: string }).error}`);
    const fs = parseFieldSelector(query(req, "fieldSelector") ?? "", ri.info.kind, groupVersion(ri.info));
    if (fs.ok !== true) throw Errors.badRequest((fs as { error: string }).error);
    const lsel = ls.selector;
    const fsel = fs.selector;
    return (obj) => (lsel.empty || lsel.matches(obj.metadata.labels ?? {})) && (fsel.empty || fsel.matches(fieldsOf(obj)));
  }

  private list(ctx: Ctx, ri: RequestInfo): void {
    const req = ctx.req;
    const filter = this.selectors(ri, req);
    const lp = listParams(req, false);
    const limitText = query(req, "limit");
    const limit = limitText ? Number(limitText) : 0;
    if (!Number.isInteger(limit) || limit < 0) throw Errors.badRequest(`limit: Invalid value: "${limitText}": must be a non-negative integer`);
    const ts = query(req, "timeoutSeconds");
    if (ts !== undefined && !/^\d+$/.test(ts)) throw Errors.badRequest(`timeoutSeconds: Invalid value: "${ts}": must be a non-negative integer`);
    this.store.list(ri.info, ri.namespace, { resourceVersion: lp.resourceVersion, resourceVersionMatch: lp.resourceVersionMatch, limit, continue: lp.continue, filter }, (err, result) => {
      this.trace(ctx, "storage", err ? "error" : "ok", { op: "list", items: result?.items.length });
      if (err || !result) return this.fail(ctx, err);
      const metadata: Record<string, unknown> = { resourceVersion: result.resourceVersion };
      if (result.continue) metadata.continue = result.continue;
      this.respond(ctx, 200, { kind: `${ri.info.kind}List`, apiVersion: groupVersion(ri.info), metadata, items: result.items });
    });
  }

  private watch(ctx: Ctx, ri: RequestInfo): void {
    const req = ctx.req;
    const filter = this.selectors(ri, req);
    const lp = listParams(req, true);
    const rv = lp.resourceVersion;
    const bookmarks = query(req, "allowWatchBookmarks") === "true";
    const timeoutText = query(req, "timeoutSeconds");
    if (timeoutText !== undefined && !/^\d+$/.test(timeoutText)) throw Errors.badRequest(`timeoutSeconds: Invalid value: "${timeoutText}": must be a non-negative integer`);
    // Without timeoutSeconds the real server ends a watch after 30 min × a random factor in [1, 2).
    // timeoutSeconds=0 means the default too [apiserver@1.32 pkg/endpoints/handlers/get.go ListResource].
    const timeoutMs = timeoutText !== undefined && Number(timeoutText) > 0 ? Number(timeoutText) * 1000 : 1800_000 * (1 + this.nameRng.next());
    const pinnedName = parseFieldSelector(query(req, "fieldSelector") ?? "", ri.info.kind, "");
    const name = pinnedName.ok === true && (ri.namespace || !ri.info.namespaced) ? pinnedName.selector.pinned("metadata.name") : undefined;
    this.trace(ctx, "storage", "watch", { op: "watch", from: rv || "now", ...(lp.sendInitialEvents !== undefined ? { sendInitialEvents: lp.sendInitialEvents } : {}) });
    const stream = ctx.res.stream(200, { "content-type": "application/json" });
    let lastRV = rv && rv !== "0" ? Number(rv) : 0;
    let closed = false;
    const bookmark = (annotations?: Record<string, string>) => {
      const metadata: Record<string, unknown> = { resourceVersion: String(lastRV) };
      if (annotations) metadata.annotations = annotations;
      stream.event({ type: "BOOKMARK", object: { kind: ri.info.kind, apiVersion: groupVersion(ri.info), metadata } });
    };
    const handle = this.store.watch(ri.info, ri.namespace, { resourceVersion: rv, filter, name, initialEvents: lp.sendInitialEvents }, {
      event: (type, obj, rev) => {
        lastRV = Math.max(lastRV, rev);
        stream.event({ type, object: obj });
      },
      progress: (rev) => {
        lastRV = Math.max(lastRV, rev);
      },
      error: (e) => {
        stream.event({ type: "ERROR", object: e.status });
        stop();
        stream.end();
      },
      // WatchList (sendInitialEvents=true, beta and on in 1.32): the end of the initial state is
      // a bookmark annotated k8s.io/initial-events-end, sent to clients that take bookmarks
      // [apiserver@1.32 pkg/storage/cacher/cache_watcher.go; docs api-concepts#streaming-lists].
      initialEventsEnd: (rev) => {
        lastRV = Math.max(lastRV, rev);
        if (lp.sendInitialEvents === true && bookmarks) bookmark({ "k8s.io/initial-events-end": "true" });
      },
    });
    const bookmarkTimer = bookmarks
      ? this.sim.every(this.bookmarkMs, () => {
          if (lastRV > 0) bookmark();
        }, "apiserver bookmark")
      : undefined;
    const timeout = this.sim.after(timeoutMs, () => {
      stop();
      stream.end();
    }, "apiserver watch timeout");
    const stop = () => {
      if (closed) return;
      closed = true;
      handle.stop();
      bookmarkTimer?.cancel();
      timeout.cancel();
      this.trace(ctx, "response", "watch closed", { code: 200, latency: this.sim.now - ctx.t0 });
    };
    stream.onClose(stop);
  }

  /**
   * CreateOptions / UpdateOptions / PatchOptions / DeleteOptions from the query: dryRun must be
   * "All", fieldManager at most 128 printable characters, fieldValidation Ignore|Warn|Strict.
   * Returns whether this is a dry run (validated and admitted, never stored).
   */
  private writeOptions(ctx: Ctx, kind: string): boolean {
    const errs: FieldError[] = [];
    const raw = ctx.req.query["dryRun"];
    const dry = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    for (const d of dry) if (d !== "All") errs.push(field.notSupported("dryRun", d, ["All"]));
    const fm = query(ctx.req, "fieldManager");
    if (fm !== undefined && fm.length > 128) errs.push(field.tooLong("fieldManager", 128));
    else if (fm !== undefined && /[^\x20-\x7e]/.test(fm)) errs.push(field.invalid("fieldManager", fm, "must only contain printable characters"));
    const fv = query(ctx.req, "fieldValidation");
    if (fv !== undefined && !["", "Ignore", "Warn", "Strict"].includes(fv)) errs.push(field.notSupported("fieldValidation", fv, ["Ignore", "Warn", "Strict"]));
    if (errs.length) throw Errors.invalid({ group: "meta.k8s.io", kind }, "", errs);
    return dry.length > 0;
  }

  private decodeBody(ctx: Ctx, ri: RequestInfo, info: { group: string; version: string; kind: string } = ri.info): KubeObject {
    const raw = parseBody(ctx.req.body, ctx.req.headers["content-type"]);
    return decodeObject(raw, info, query(ctx.req, "fieldValidation") ?? "", ctx.warnings);
  }

  private create(ctx: Ctx, ri: RequestInfo): void {
    const info = ri.info;
    const dryRun = this.writeOptions(ctx, "CreateOptions");
    const decoded = this.decodeBody(ctx, ri);
    const generated = !decoded.metadata.name && typeof decoded.metadata.generateName === "string" && decoded.metadata.generateName !== "";
    const obj = this.admitCreate(ctx, ri, decoded);
    this.allocate(obj);
    // A dry run stops short of the write, but not of the storage's AlreadyExists
    // [apiserver@1.32 pkg/registry/generic/registry/dryrun.go Create].
    if (dryRun)
      return this.store.get(info, obj.metadata.namespace, obj.metadata.name!, (err) => {
        this.trace(ctx, "storage", err && err.code !== 404 ? "error" : "ok", { op: "dry-run" });
        if (!err) return this.fail(ctx, Errors.alreadyExists(info, obj.metadata.name!));
        if (err.code !== 404) return this.fail(ctx, err);
        this.respond(ctx, 201, obj);
      });
    // ResourceQuota: charge the namespace's quotas (a CAS on their status) before storing.
    this.quota.charge(info, obj, (qerr) => {
      this.trace(ctx, "admission", qerr ? "denied" : "ok", { phase: "validating", plugin: "ResourceQuota" });
      if (qerr) return this.fail(ctx, qerr);
      // A generated name that is taken gets a fresh suffix, up to 8 attempts in all
      // (RetryGenerateName, GA in 1.31) [apiserver@1.32 pkg/registry/generic/registry/store.go Create].
      const attempt = (n: number) =>
        this.store.create(info, obj, (err, created) => {
          this.trace(ctx, "storage", err ? "error" : "ok", { op: "create", ...(n > 1 ? { attempt: n } : {}) });
          if (err && err.reason === "AlreadyExists" && generated) {
            if (n >= 8) return this.fail(ctx, Errors.generateNameConflict(info, obj.metadata.name!));
            obj.metadata.name = obj.metadata.generateName!.slice(0, 58) + this.randomSuffix();
            return attempt(n + 1);
          }
          if (err || !created) return this.fail(ctx, err);
          this.observe(info, created);
          this.respond(ctx, 201, created);
        });
      attempt(1);
    });
  }

  /** ClusterIPs and NodePorts for Services (the real registry's allocators), from the seeded rng. */
  private allocate(obj: KubeObject): void {
    if (obj.kind !== "Service" || obj.spec?.type === "ExternalName") return;
    const services = this.caches.get("services")!.list();
    if (!obj.spec.clusterIP) {
      const used = new Set(services.map((s) => s.spec?.clusterIP));
      // 10.96.0.0/12, skipping .0 and 10.96.0.1 (the kubernetes Service).
      let ip = "";
      for (let i = 0; i < 1000 && (!ip || used.has(ip)); i++) {
        const n = 2 + this.nameRng.int((1 << 20) - 3);
        ip = `10.${96 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
      }
      obj.spec.clusterIP = ip;
    }
    if (obj.spec.clusterIP !== "None") obj.spec.clusterIPs = [obj.spec.clusterIP];
    else obj.spec.clusterIPs = ["None"];
    if (obj.spec.type === "NodePort" || obj.spec.type === "LoadBalancer") {
      const used = new Set(services.flatMap((s) => (s.spec?.ports ?? []).map((p: any) => p.nodePort)));
      for (const p of obj.spec.ports ?? []) {
        if (p.nodePort) continue;
        let port = 0;
        for (let i = 0; i < 3000 && (!port || used.has(port)); i++) port = 30000 + this.nameRng.int(2768);
        p.nodePort = port;
        used.add(port);
      }
    }
  }

  /** Feeds the server's own caches with its writes at once (read-your-writes for admission). */
  private observe(info: ResourceInfo, obj: KubeObject, deleted = false): void {
    this.caches.get(info.resource)?.observe(obj, deleted);
  }

  private checkName(obj: KubeObject, ri: RequestInfo): void {
    if (obj.metadata.name !== undefined && obj.metadata.name !== ri.name)
      throw Errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${ri.name})`);
    obj.metadata.name = ri.name;
    if (ri.info.namespaced) {
      if (obj.metadata.namespace && obj.metadata.namespace !== ri.namespace) throw Errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
      obj.metadata.namespace = ri.namespace;
    }
  }

  private update(ctx: Ctx, ri: RequestInfo): void {
    const info = ri.info;
    const dryRun = this.writeOptions(ctx, "UpdateOptions");
    const obj = this.decodeBody(ctx, ri);
    this.checkName(obj, ri);
    this.trace(ctx, "decode", "ok");
    const statusOnly = ri.subresource === "status";
    const finalize = ri.subresource === "finalize";
    const wantRV = obj.metadata.resourceVersion;
    let created = false;
    this.store.update(info, ri.namespace, ri.name, (cur) => {
      if (!cur) {
        if (!CREATE_ON_UPDATE.has(info.kind) || ri.subresource) return { type: "error", error: Errors.notFound(info, ri.name) };
        created = true;
        return { type: "update", object: this.admitCreate(ctx, ri, clone(obj)) };
      }
      // A uid in the body is a precondition: a stale copy of a re-created object does not
      // overwrite the new one [apiserver@1.32 pkg/registry/rest/update.go defaultUpdatedObjectInfo.Preconditions].
      const stale = Errors.precondition(info, ri.name, { uid: obj.metadata.uid }, cur.metadata);
      if (stale) return { type: "error", error: stale };
      if (wantRV && wantRV !== cur.metadata.resourceVersion) return { type: "error", error: Errors.conflict(info, ri.name) };
      if (finalize) {
        // finalizeNamespaceStrategy: only spec.finalizers changes; metadata and status stay.
        const finalizers: string[] = obj.spec?.finalizers ?? [];
        const errs = validateFinalizerNames(finalizers);
        this.trace(ctx, "validation", errs.length ? "invalid" : "ok");
        if (errs.length) return { type: "error", error: Errors.invalid(info, ri.name, errs) };
        const next = clone(cur);
        next.spec = { ...(next.spec ?? {}), finalizers };
        // omitempty: an empty list is not written.
        if (finalizers.length === 0) delete next.spec.finalizers;
        // ShouldDeleteNamespaceDuringUpdate: a terminating namespace with nothing left to finalize goes.
        return readyToRemove(next) ? { type: "delete", object: next } : { type: "update", object: next };
      }
      return this.admitUpdate(ctx, ri, clone(obj), cur, statusOnly);
    }, (err, out) => this.written(ctx, ri, err, out, created ? 201 : 200, dryRun), { dryRun });
  }

  private written(ctx: Ctx, ri: RequestInfo, err: StatusError | undefined, out: KubeObject | undefined, code: number, dryRun: boolean): void {
    this.trace(ctx, "storage", err ? "error" : "ok", { op: dryRun ? "dry-run" : "update" });
    if (err || !out) return this.fail(ctx, err);
    if (!dryRun) this.observe(ri.info, out);
    this.respond(ctx, code, out);
  }

  private patchFn(ctx: Ctx): (target: unknown) => unknown {
    const ct = (ctx.req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    const apply = PATCH_TYPES[ct];
    if (!apply) throw Errors.unsupportedMediaType(ct);
    const body = ctx.req.body ?? "";
    if (Buffer.byteLength(body, "utf8") > 3 * 1024 * 1024) throw Errors.tooLarge(3 * 1024 * 1024);
    let patch: unknown;
    try {
      patch = JSON.parse(body);
    } catch (e) {
      throw Errors.badRequest(`error decoding patch: ${(e as Error).message}`);
    }
    if (ct !== "application/json-patch+json" && !isPlainObject(patch)) throw Errors.badRequest("json: cannot unmarshal into Go value of type map[string]interface {}: the patch is not a JSON object");
    return (target) => {
      try {
        return apply(target, patch);
      } catch (e) {
        if (e instanceof PatchError) throw new StatusError(patchStatus(e));
        throw e;
      }
    };
  }

  private patch(ctx: Ctx, ri: RequestInfo): void {
    const info = ri.info;
    const dryRun = this.writeOptions(ctx, "PatchOptions");
    const apply = this.patchFn(ctx);
    this.trace(ctx, "decode", "ok");
    const statusOnly = ri.subresource === "status";
    this.store.update(info, ri.namespace, ri.name, (cur) => {
      if (!cur) return { type: "error", error: Errors.notFound(info, ri.name) };
      const patched = apply(clone(cur));
      const obj = decodeObject(patched, info, query(ctx.req, "fieldValidation") ?? "", ctx.warnings);
      if (obj.metadata.name !== cur.metadata.name || (info.namespaced && obj.metadata.namespace !== cur.metadata.namespace))
        return { type: "error", error: Errors.badRequest("metadata.name and metadata.namespace may not be changed by a patch") };
      // A resourceVersion in the patch is a precondition, as in Kubernetes.
      if (obj.metadata.resourceVersion !== cur.metadata.resourceVersion) return { type: "error", error: Errors.conflict(info, ri.name) };
      return this.admitUpdate(ctx, ri, obj, cur, statusOnly);
    }, (err, out) => this.written(ctx, ri, err, out, 200, dryRun), { dryRun });
  }

  private deleteOptions(ctx: Ctx): DeleteOptions {
    const raw = ctx.req.body && ctx.req.body.trim() !== "" ? parseBody(ctx.req.body, ctx.req.headers["content-type"]) : undefined;
    return this.checkDeleteOptions(ctx, raw);
  }

  /** DeleteOptions from a body (a DELETE's, or an Eviction's deleteOptions) plus the query. */
  private checkDeleteOptions(ctx: Ctx, raw: unknown): DeleteOptions {
    const opts: DeleteOptions = {};
    if (raw !== undefined && raw !== null) {
      if (!isPlainObject(raw)) throw Errors.badRequest("DeleteOptions: the body is not an object");
      Object.assign(opts, raw);
    }
    const g = query(ctx.req, "gracePeriodSeconds");
    if (g !== undefined) opts.gracePeriodSeconds = Number(g);
    const p = query(ctx.req, "propagationPolicy");
    if (p !== undefined) opts.propagationPolicy = p as DeleteOptions["propagationPolicy"];
    const o = query(ctx.req, "orphanDependents");
    if (o === "true" || o === "false") opts.orphanDependents = o === "true";
    if (opts.gracePeriodSeconds !== undefined && (!Number.isInteger(opts.gracePeriodSeconds) || opts.gracePeriodSeconds < 0)) {
      if (opts.gracePeriodSeconds !== undefined && Number.isInteger(opts.gracePeriodSeconds) && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 1;
      else throw Errors.badRequest(`gracePeriodSeconds: Invalid value: ${JSON.stringify(opts.gracePeriodSeconds)}: must be an integer`);
    }
    if (opts.propagationPolicy !== undefined && !["Background", "Foreground", "Orphan"].includes(opts.propagationPolicy))
      throw Errors.invalid({ group: "meta.k8s.io", kind: "DeleteOptions" }, "", [field.notSupported("propagationPolicy", opts.propagationPolicy, ["Foreground", "Background", "Orphan", "nil"])]);
    // The deprecated orphanDependents and propagationPolicy exclude each other [apiserver@1.32 pkg/apis/meta/v1/validation ValidateDeleteOptions].
    if (opts.orphanDependents !== undefined && opts.orphanDependents !== null && opts.propagationPolicy !== undefined)
      throw Errors.invalid({ group: "meta.k8s.io", kind: "DeleteOptions" }, "", [field.invalid("propagationPolicy", opts.propagationPolicy, "orphanDependents and deletionPropagation cannot be both set")]);
    return opts;
  }

  private delete(ctx: Ctx, ri: RequestInfo): void {
    const info = ri.info;
    const dryRun = this.writeOptions(ctx, "DeleteOptions");
    const opts = this.deleteOptions(ctx);
    this.trace(ctx, "decode", "ok");
    const a: AdmissionAttributes = { operation: "DELETE", info, subresource: "", namespace: ri.namespace, name: ri.name, user: ctx.user!, object: undefined, oldObject: undefined };
    this.admit(ctx, "validating", a);
    let removed = false;
    this.store.update(info, ri.namespace, ri.name, (cur) => {
      if (!cur) return { type: "error", error: Errors.notFound(info, ri.name) };
      const failed = Errors.precondition(info, ri.name, opts.preconditions ?? {}, cur.metadata);
      if (failed) return { type: "error", error: failed };
      // A namespace already terminating waits for its finalizers; deleting again is a conflict
      // [k/k pkg/registry/core/namespace/storage/storage.go Delete].
      if (cur.kind === "Namespace" && cur.metadata.deletionTimestamp && (cur.spec?.finalizers ?? []).length > 0)
        return {
          type: "error",
          error: Errors.conflict(info, ri.name, "The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system."),
        };
      const plan = planDelete(cur, opts, this.sim.now);
      removed = plan.type === "delete";
      return plan;
    }, (err, out) => {
      this.trace(ctx, "storage", err ? "error" : "ok", { op: dryRun ? "dry-run" : removed ? "delete" : "mark-deleted" });
      if (err || !out) return this.fail(ctx, err);
      if (!dryRun) this.observe(info, out, removed);
      // 202 only for a deletion left pending that asked for cascading with the legacy
      // orphanDependents=false [apiserver@1.32 pkg/endpoints/handlers/delete.go].
      this.respond(ctx, !removed && opts.orphanDependents === false ? 202 : 200, out);
    }, { dryRun });
  }

  /**
   * DELETE on a collection: every object the selectors match, deleted as one DELETE each would
   * (graceful pods, finalizers); the answer lists what was deleted. dryRun=All deletes nothing
   * [apiserver@1.32 pkg/registry/generic/registry/store.go DeleteCollection].
   */
  private deleteCollection(ctx: Ctx, ri: RequestInfo): void {
    const filter = this.selectors(ri, ctx.req);
    const dryRun = this.writeOptions(ctx, "DeleteOptions");
    const lp = listParams(ctx.req, false);
    const opts = this.deleteOptions(ctx);
    this.store.list(ri.info, ri.namespace, { resourceVersion: lp.resourceVersion, resourceVersionMatch: lp.resourceVersionMatch, filter }, (err, result) => {
      if (err || !result) return this.fail(ctx, err);
      // In list order, whatever order the deletes complete in.
      const slots: (KubeObject | undefined)[] = result.items.map(() => undefined);
      let left = result.items.length;
      const done = () => {
        const out = slots.filter((o): o is KubeObject => o !== undefined);
        this.trace(ctx, "storage", "ok", { op: dryRun ? "dry-run" : "deletecollection", items: out.length });
        this.respond(ctx, 200, { kind: `${ri.info.kind}List`, apiVersion: groupVersion(ri.info), metadata: { resourceVersion: result.resourceVersion }, items: out });
      };
      if (left === 0) return done();
      result.items.forEach((item, i) => {
        let removed = false;
        this.store.update(ri.info, item.metadata.namespace, item.metadata.name!, (cur) => {
          if (!cur) return { type: "error", error: Errors.notFound(ri.info, item.metadata.name!) };
          const plan = planDelete(cur, opts, this.sim.now);
          removed = plan.type === "delete";
          return plan;
        }, (derr, obj) => {
          // An object already gone is not an error for the collection.
          if (!derr && obj) {
            slots[i] = obj;
            if (!dryRun) this.observe(ri.info, obj, removed);
          }
          if (--left === 0) done();
        }, { dryRun });
      });
    });
  }

  // ---- subresources ----

  private toScale(obj: KubeObject): KubeObject {
    const m = obj.metadata;
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
      spec: { replicas: obj.spec?.replicas ?? 0 },
      status: { replicas: obj.status?.replicas ?? 0, selector: labelSelectorString(obj.spec?.selector ?? {}) },
    };
  }

  private scale(ctx: Ctx, ri: RequestInfo): void {
    const info = ri.info;
    if (ri.verb === "get") {
      return this.store.get(info, ri.namespace, ri.name, (err, obj) => {
        this.trace(ctx, "storage", err ? "error" : "ok", { op: "get" });
        if (err || !obj) return this.fail(ctx, err);
        this.respond(ctx, 200, this.toScale(obj));
      });
    }
    let toScale: (cur: KubeObject) => KubeObject;
    if (ri.verb === "update") {
      const body = decodeAs(parseBody(ctx.req.body, ctx.req.headers["content-type"]), "autoscaling/v1", "Scale");
      toScale = () => body;
    } else if (ri.verb === "patch") {
      const apply = this.patchFn(ctx);
      toScale = (cur) => decodeAs(apply(this.toScale(cur)), "autoscaling/v1", "Scale");
    } else throw Errors.methodNotAllowed(ri.verb, info);
    this.trace(ctx, "decode", "ok");
    this.store.update(info, ri.namespace, ri.name, (cur) => {
      if (!cur) return { type: "error", error: Errors.notFound(info, ri.name) };
      const s = toScale(cur);
      if (s.metadata.resourceVersion && s.metadata.resourceVersion !== cur.metadata.resourceVersion) return { type: "error", error: Errors.conflict(info, ri.name) };
      const replicas = s.spec?.replicas;
      if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0)
        return { type: "error", error: Errors.invalid({ group: "autoscaling", kind: "Scale" }, ri.name, [field.invalid("spec.replicas", replicas, "must be greater than or equal to 0")]) };
      const next = clone(cur);
      next.spec.replicas = replicas;
      return this.admitUpdate(ctx, { ...ri, subresource: "" }, next, cur, false);
    }, (err, out) => {
      this.trace(ctx, "storage", err ? "error" : "ok", { op: "update" });
      if (err || !out) return this.fail(ctx, err);
      this.respond(ctx, 200, this.toScale(out));
    });
  }

  /** pods/binding (and the bindings resource): the scheduler's assignment of a pod to a node. */
  private bind(ctx: Ctx, ri: RequestInfo): void {
    if (ri.verb !== "create") throw Errors.methodNotAllowed(ri.verb, ri.info);
    const binding = decodeAs(parseBody(ctx.req.body, ctx.req.headers["content-type"]), "v1", "Binding");
    const podName = ri.subresource === "binding" ? ri.name : binding.metadata.name ?? "";
    if (ri.subresource === "binding" && binding.metadata.name && binding.metadata.name !== podName)
      throw Errors.badRequest(`the name of the object (${binding.metadata.name}) does not match the name on the URL (${podName})`);
    binding.metadata.name = podName;
    binding.metadata.namespace = ri.namespace;
    const errs = validateCreate(binding, RESOURCES.find((r) => r.kind === "Binding")!);
    this.trace(ctx, "validation", errs.length ? "invalid" : "ok");
    if (errs.length) throw Errors.invalid({ group: "", kind: "Binding" }, podName, errs);
    const pods = RESOURCES.find((r) => r.resource === "pods")!;
    const node = binding.target.name;
    this.store.update(pods, ri.namespace, podName, (cur) => {
      if (!cur) return { type: "error", error: Errors.notFound(pods, podName) };
      if (cur.metadata.deletionTimestamp) return { type: "error", error: Errors.conflict({ group: "", resource: "pods/binding" }, podName, `pod ${podName} is being deleted, cannot be assigned to a host`) };
      if (cur.spec?.nodeName) return { type: "error", error: Errors.conflict({ group: "", resource: "pods/binding" }, podName, `pod ${podName} is already assigned to node "${cur.spec.nodeName}"`) };
      if ((cur.spec?.schedulingGates ?? []).length > 0) return { type: "error", error: Errors.conflict({ group: "", resource: "pods/binding" }, podName, `pod ${podName} has non-empty .spec.schedulingGates`) };
      // The Binding's uid is a precondition on the pod [pod/storage BindingREST.Create].
      const other = Errors.precondition(pods, podName, { uid: binding.metadata.uid }, cur.metadata);
      if (other) return { type: "error", error: other };
      const next = clone(cur);
      next.spec.nodeName = node;
      // UpdatePodCondition: a new status gets the time of this change, an unchanged one keeps its
      // lastTransitionTime [k/k pkg/registry/core/pod/storage/storage.go setPodNodeAndMetadata].
      const old = (next.status.conditions ?? []).find((c: any) => c.type === "PodScheduled");
      const conds: any[] = (next.status.conditions ?? []).filter((c: any) => c.type !== "PodScheduled");
      conds.push({ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: old?.status === "True" ? old.lastTransitionTime : timestamp(this.sim.now) });
      next.status.conditions = conds;
      return { type: "update", object: next };
    }, (err) => {
      this.trace(ctx, "storage", err ? "error" : "ok", { op: "bind", node });
      if (err) return this.fail(ctx, err);
      this.respond(ctx, 201, { ...successStatus(), code: 201 });
    });
  }

  /** pods/eviction: a delete that PodDisruptionBudgets may refuse (see ./eviction.ts). */
  private evict(ctx: Ctx, ri: RequestInfo): void {
    if (ri.verb !== "create") throw Errors.methodNotAllowed(ri.verb, ri.info);
    const dryRunQuery = this.writeOptions(ctx, "CreateOptions");
    const raw = parseBody(ctx.req.body, ctx.req.headers["content-type"]);
    // policy/v1beta1 Evictions are still accepted [EvictionREST.AcceptsGroupVersion].
    const version = isPlainObject(raw) && raw.apiVersion === "policy/v1beta1" ? "policy/v1beta1" : "policy/v1";
    const eviction = decodeAs(raw, version, "Eviction");
    if (eviction.metadata.name !== ri.name) throw Errors.badRequest("name in URL does not match name in Eviction object");
    const opts = this.checkDeleteOptions(ctx, eviction.deleteOptions);
    // propagateDryRun: the request's dryRun and the deleteOptions' must agree when both are set.
    const bodyDry: string[] = Array.isArray((opts as { dryRun?: string[] }).dryRun) ? (opts as { dryRun: string[] }).dryRun : [];
    if (dryRunQuery && bodyDry.length > 0 && !bodyDry.every((d) => d === "All"))
      throw Errors.badRequest(`Non-matching dry-run options in request and content: [All] and [${bodyDry.join(" ")}]`);
    const dryRun = dryRunQuery || bodyDry.includes("All");
    this.trace(ctx, "decode", "ok");
    const rest = new EvictionREST({
      store: this.store,
      now: () => this.sim.now,
      after: (ms, fn) => void this.sim.after(ms, fn, "apiserver eviction retry"),
      trace: (outcome, extra) => this.trace(ctx, "eviction", outcome, extra),
    });
    rest.create(ri.namespace ?? "", ri.name, opts, dryRun, (err, status) => {
      this.trace(ctx, "storage", err ? "error" : "ok", { op: dryRun ? "dry-run" : "evict" });
      if (err || !status) return this.fail(ctx, err);
      this.respond(ctx, status.code, status);
    });
  }

  /** `kubectl auth can-i`: the caller's own access, answered by the same authorizer. */
  private selfSubjectAccessReview(ctx: Ctx, ri: RequestInfo): void {
    if (ri.verb !== "create") throw Errors.methodNotAllowed(ri.verb, ri.info);
    const review = decodeObject(parseBody(ctx.req.body, ctx.req.headers["content-type"]), ri.info);
    const ra = review.spec?.resourceAttributes;
    const nra = review.spec?.nonResourceAttributes;
    let allowed = false;
    let reason = "";
    if (isPlainObject(ra)) {
      const d = this.authz.authorize({ user: ctx.user!, verb: ra.verb ?? "", group: ra.group ?? "", resource: ra.resource ?? "", subresource: ra.subresource ?? "", namespace: ra.namespace || undefined, name: ra.name ?? "" });
      allowed = d.allowed;
      reason = d.reason;
    } else if (isPlainObject(nra)) {
      // Non-resource URLs: system:masters only (discovery paths are open to all authenticated users).
      allowed = ctx.user!.groups.includes("system:masters") || (nra.verb === "get" && /^\/(api|apis|version|healthz|livez|readyz|openapi)/.test(nra.path ?? ""));
    } else throw Errors.invalid(ri.info, "", [field.invalid("spec.resourceAttributes", null, "exactly one of nonResourceAttributes or resourceAttributes must be specified")]);
    this.trace(ctx, "storage", "ok", { op: "review", allowed });
    const out = { ...review, metadata: { ...review.metadata, creationTimestamp: null }, status: allowed ? { allowed, reason } : { allowed } };
    this.respond(ctx, 201, out);
  }

  /** The caller's user info, as the authenticator saw it [k/k pkg/registry/authentication/selfsubjectreview/rest.go]. */
  private selfSubjectReview(ctx: Ctx, ri: RequestInfo): void {
    const review = decodeObject(parseBody(ctx.req.body, ctx.req.headers["content-type"]), ri.info);
    const user = ctx.user!;
    const userInfo: Record<string, unknown> = { username: user.name };
    if (user.uid && user.uid !== user.name) userInfo.uid = user.uid;
    userInfo.groups = [...user.groups]; // system:authenticated included (authn.ts adds it)
    this.trace(ctx, "storage", "ok", { op: "review", user: user.name });
    this.respond(ctx, 201, { ...review, metadata: { ...review.metadata, creationTimestamp: null }, status: { userInfo } });
  }

  // ---- bootstrap ----

  private bootstrap(): void {
    const objs = bootstrapObjects();
    let left = objs.length;
    const done = () => {
      if (--left > 0) return;
      this.sim.trace.record("apiserver", "ready", { name: this.name });
      // Ready once the caches have their first list (so RBAC and admission see the bootstrap objects).
      const check = () => {
        if ([...this.caches.values()].every((c) => c.synced)) {
          this.ready = true;
          for (const fn of this.readyWaiters.splice(0)) fn();
        } else this.sim.after(10, check, "apiserver ready check");
      };
      check();
    };
    for (const obj of objs) {
      const info = findByKind(obj.apiVersion, obj.kind)!;
      const o = clone(obj);
      prepareForCreate(o, info, this.newUid(), this.sim.now);
      applyDefaults(o);
      if (o.kind === "Service") o.spec.clusterIPs = [o.spec.clusterIP];
      const attempt = () =>
        this.store.create(info, o, (err, created) => {
          if (err && err.reason !== "AlreadyExists" && err.code >= 500) return void this.sim.after(100, attempt, "apiserver bootstrap retry");
          if (created) this.observe(info, created);
          done();
        });
      attempt();
    }
  }
}

function patchStatus(e: PatchError): Status {
  const s = Errors.badRequest(e.message).status;
  return e.code === 400 ? s : { ...s, code: 422, reason: "Invalid" };
}

/**
 * An object's selectable fields, computed once per object: a watch event's object is tested by
 * every watch of its resource (a hundred kubelets each select spec.nodeName), and the objects
 * filters see are fresh decodes that nothing mutates afterwards.
 */
const fieldsCache = new WeakMap<object, Record<string, string>>();
function fieldsOf(obj: KubeObject): Record<string, string> {
  let f = fieldsCache.get(obj);
  if (!f) {
    f = objectFields(obj);
    fieldsCache.set(obj, f);
  }
  return f;
}
