// LIVE BRIDGE: the Kubernetes REST API over real HTTP on loopback, in front of a simulated
// cluster, so that the real kubectl (and any HTTP client) can talk to it. Each HTTP request
// becomes a RestRequest that enters the simulation through LiveBridge.inject() and is answered by
// ApiServer.serve(); the bridge paces virtual time to the wall clock. Only this folder touches
// sockets and the wall clock (a request timeout); everything it computes itself — discovery,
// /version, OpenAPI, Tables — comes from pure functions.
//
// What this layer answers without the engine: /healthz /readyz /livez, /version, discovery (/api,
// /apis, /api/v1, /apis/<g>[/<v>]), /openapi/v3[/...] (and 404 for /openapi/v2). What it adds to
// the engine's answers: server-side Table output when the Accept header asks for
// `application/json;as=Table;v=v1;g=meta.k8s.io` (lists, single objects and watch events), and
// watch streams as chunked, newline-delimited JSON.

import * as http from "http";
import * as https from "https";
import * as fs from "fs";
import type { AddressInfo } from "net";
import { LiveBridge } from "../../sim/index";
import type { Simulation } from "../../sim/index";
import type { RestRequest, RestResponder, RestStream } from "../rest";
import { findByResource } from "../registry/resources";
import { epoch } from "../registry/object";
import type { ResourceInfo } from "../registry/resources";
import { discoveryRequest } from "../discovery";
import { openapiRequest } from "../openapi";
import { selfSignedCert } from "./tls";
import { PROTOBUF_TYPE, protobufToJson } from "./protobuf";
import type { SelfSignedCert } from "./tls";
import { includeObjectOf, toTable, wantsTable, watchEventToTable } from "../table";

/** What the HTTP front needs of a cluster (src/cluster/cluster.ts's Cluster has it). */
export interface ServableCluster {
  sim: Simulation;
  apiserver: { serve(req: RestRequest, res: RestResponder): void };
}

export interface ServeApiOptions {
  port?: number;
  host?: string;
  cluster: ServableCluster;
  /**
   * The cluster's current wall-clock time in ms since the Unix epoch (virtual): AGE columns are
   * computed against it. Default: the engine's epoch (epoch()) plus the virtual clock.
   */
  now?: () => number;
  /** Virtual ms per real ms (default 1). */
  speed?: number;
  /** A bridge already pacing cluster.sim (default: a new one, started here, stopped by close()). */
  bridge?: LiveBridge;
  /** Largest request body accepted, in bytes (default 3 MiB, the real API server's limit). */
  maxBodyBytes?: number;
  /** Wall-clock ms after which a request the engine has not answered gets 504 (default 60000). */
  requestTimeoutMs?: number;
  /**
   * Serve https (default true) with this certificate, or a fresh self-signed one for loopback.
   * kubectl sends the kubeconfig's token only to https servers; plain http (tls: false) is for
   * clients that set the Authorization header themselves (curl, fetch).
   */
  tls?: boolean | SelfSignedCert;
  /** Called once per finished request (for `kubelab serve --verbose` and tests). */
  onRequest?: (line: { method: string; url: string; status: number }) => void;
}

export interface ApiHttpServer {
  url: string;
  /** The server certificate (PEM) when serving https: the CA for the kubeconfig. */
  ca?: string;
  bridge: LiveBridge;
  close(): Promise<void>;
}

const MAX_BODY = 3 * 1024 * 1024;
const JSON_TYPE = "application/json";

export function statusBody(code: number, reason: string, message: string, details?: object): object {
  const s: Record<string, unknown> = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason };
  if (details) s.details = details;
  s.code = code;
  return s;
}

/** A resource path, parsed: /api/v1/namespaces/ns/pods/name/status and the like. */
export interface ResourcePath {
  info: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export function parseResourcePath(path: string): ResourcePath | undefined {
  const segs = path.split("/").filter((s) => s !== "");
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === "api" && segs.length >= 3) [group, version, rest] = ["", segs[1], segs.slice(2)];
  else if (segs[0] === "apis" && segs.length >= 4) [group, version, rest] = [segs[1], segs[2], segs.slice(3)];
  else return undefined;
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3 && !(rest.length === 3 && !findByResource(group, version, rest[2]))) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const info = findByResource(group, version, rest[0]);
  if (!info || rest.length > 3) return undefined;
  return { info, namespace, name: rest[1], subresource: rest[2] };
}

/** Starts serving the cluster's API on host:port (port 0: any free port). */
export async function serveApi(options: ServeApiOptions): Promise<ApiHttpServer> {
  const { cluster } = options;
  const maxBody = options.maxBodyBytes ?? MAX_BODY;
  const timeoutMs = options.requestTimeoutMs ?? 60_000;
  const ownBridge = !options.bridge;
  const bridge = options.bridge ?? new LiveBridge(cluster.sim, { speed: options.speed ?? 1 });
  const now = options.now ?? defaultNow(cluster);
  bridge.start();

  const tls = options.tls === false ? undefined : options.tls === true || options.tls === undefined ? selfSignedCert() : options.tls;
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > maxBody) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (tooLarge) return finish(req, res, 413, statusBody(413, "RequestEntityTooLarge", `Request entity too large: limit is ${maxBody}`, {}));
      try {
        handle(req, res, Buffer.concat(chunks));
      } catch (e) {
        // A bug in this layer or the engine: the real API server recovers panics as 500 too.
        console.error("kubelab apiserver http: internal error:", e);
        if (!res.headersSent) finish(req, res, 500, statusBody(500, "InternalError", `Internal error occurred: ${e instanceof Error ? e.message : String(e)}`, {}));
        else res.destroy();
      }
    });
    req.on("error", () => res.destroy());
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, listener) : http.createServer(listener);

  function finish(req: http.IncomingMessage, res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent || res.destroyed) return;
    const h = mergeHeaders({ "content-type": JSON_TYPE, "cache-control": "no-cache, private" }, headers);
    const type = h["content-type"];
    const text = Buffer.isBuffer(body) ? body : typeof body === "string" && !type.startsWith(JSON_TYPE) ? body : JSON.stringify(body) + "\n";
    h["content-length"] = String(Buffer.byteLength(text));
    res.writeHead(status, h);
    res.end(text);
    options.onRequest?.({ method: req.method ?? "", url: req.url ?? "", status });
  }

  function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer): void {
    let url: URL;
    let path: string;
    try {
      url = new URL(req.url ?? "/", "http://kubelab");
      path = decodeURIComponent(url.pathname);
    } catch {
      return finish(req, res, 400, statusBody(400, "BadRequest", `malformed request URL ${JSON.stringify(req.url)}`, {}));
    }
    const method = (req.method ?? "GET").toUpperCase();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
    const accept = headers.accept;

    // Health, version, discovery, OpenAPI: answered here (GET only, like the real paths).
    const health = healthRequest(path, url.searchParams.has("verbose"));
    if (health) {
      if (method !== "GET") return finish(req, res, 405, statusBody(405, "MethodNotAllowed", `${method} is not supported`, {}));
      return finish(req, res, health.status, health.body, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" });
    }
    if (method === "GET") {
      const d = discoveryRequest(path, accept) ?? openapiRequest(path, undefined, accept);
      if (d) return finish(req, res, d.status, d.body, { "Content-Type": d.contentType });
    }
    if (method !== "GET" && method !== "POST" && method !== "PUT" && method !== "PATCH" && method !== "DELETE")
      return finish(req, res, 405, statusBody(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`, {}));

    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }

    // Table output: the engine answers JSON; this layer prints it.
    const rp = method === "GET" ? parseResourcePath(path) : undefined;
    const tableVersion = rp && !rp.subresource ? wantsTable(accept) : undefined;
    const includeObject = includeObjectOf(query.includeObject);
    if (tableVersion) {
      headers.accept = JSON_TYPE;
      delete query.includeObject;
    }

    // Protobuf bodies (kubectl's typed clients) become JSON here; the engine reads JSON and YAML.
    let body: string;
    // A path the server does not serve (`kubectl create job` when there is no batch group) is the
    // engine's 404, whatever the body: decode only for known resources.
    if ((headers["content-type"] ?? "").toLowerCase().startsWith(PROTOBUF_TYPE) && raw.length && parseResourcePath(path)) {
      const d = protobufToJson(raw);
      if (d.error) return finish(req, res, d.error.status, statusBody(d.error.status, d.error.reason, d.error.message, {}));
      body = d.json ?? "";
      headers["content-type"] = JSON_TYPE;
    } else body = raw.toString("utf8");

    const rest: RestRequest = { method, path, query, headers };
    if (body.length || method !== "GET") rest.body = body;

    let answered = false;
    const timer = setTimeout(() => {
      if (answered) return;
      answered = true;
      finish(req, res, 504, statusBody(504, "Timeout", "Timeout: request did not complete within requested timeout - context deadline exceeded", {}));
    }, timeoutMs);
    timer.unref?.();

    const responder: RestResponder = {
      send(status, out, hdrs) {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        if (tableVersion && rp && status === 200 && isConvertible(out)) out = toTable(rp.info, out, { now: now(), includeObject, version: tableVersion });
        finish(req, res, status, out, hdrs);
      },
      stream(status, hdrs) {
        // Too late (the request already timed out): a stream that is closed from the start, so
        // that the engine stops its watch instead of an exception inside the simulation.
        if (answered) return { event() {}, end() {}, onClose: (fn) => fn() };
        answered = true;
        clearTimeout(timer);
        return openStream(req, res, status, hdrs, tableVersion && rp ? { info: rp.info, includeObject, version: tableVersion } : undefined);
      },
    };
    bridge.inject(() => cluster.apiserver.serve(rest, responder));
  }

  function openStream(req: http.IncomingMessage, res: http.ServerResponse, status: number, hdrs: Record<string, string> | undefined, table: { info: ResourceInfo; includeObject: ReturnType<typeof includeObjectOf>; version: "v1" | "v1beta1" } | undefined): RestStream {
    res.writeHead(status, mergeHeaders({ "content-type": JSON_TYPE, "cache-control": "no-cache, private" }, hdrs, { "transfer-encoding": "chunked" }));
    res.flushHeaders();
    options.onRequest?.({ method: req.method ?? "", url: req.url ?? "", status });
    const closers: (() => void)[] = [];
    let closed = false;
    let first = true;
    const close = () => {
      if (closed) return;
      closed = true;
      for (const fn of closers.splice(0)) fn();
    };
    res.on("close", () => bridge.inject(close));
    return {
      event(value) {
        if (closed || res.destroyed || res.writableEnded) return;
        if (table) {
          value = watchEventToTable(table.info, value, { now: now(), includeObject: table.includeObject, version: table.version, noHeaders: !first });
          first = false;
        }
        res.write(JSON.stringify(value) + "\n");
      },
      end() {
        if (!res.writableEnded) res.end();
        close();
      },
      onClose(fn) {
        if (closed) fn();
        else closers.push(fn);
      },
    };
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 6443, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `${tls ? "https" : "http"}://${host}:${addr.port}`,
    ca: tls?.cert,
    bridge,
    close: () =>
      new Promise<void>((resolve) => {
        if (ownBridge) bridge.stop();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

// The checks each health endpoint runs, in the order a 1.32 server lists them for ?verbose
// [k8s.io/apiserver pkg/server/healthz, pkg/server/config.go]. All pass here: the engine's API
// server is up once it answers at all (the simulated etcd has a leader before serving starts).
const HOOKS = [
  "poststarthook/start-apiserver-admission-initializer",
  "poststarthook/generic-apiserver-start-informers",
  "poststarthook/priority-and-fairness-config-consumer",
  "poststarthook/rbac/bootstrap-roles",
  "poststarthook/scheduling/bootstrap-system-priority-classes",
  "poststarthook/bootstrap-controller",
];
const HEALTH_CHECKS: Record<string, string[]> = {
  healthz: ["ping", "log", "etcd", ...HOOKS],
  livez: ["ping", "log", "etcd", ...HOOKS],
  readyz: ["ping", "log", "etcd", "etcd-readiness", "informer-sync", ...HOOKS, "shutdown"],
};

/** /healthz, /livez, /readyz ("ok", or with ?verbose one line per check) and /readyz/<check>; undefined for other paths. */
export function healthRequest(path: string, verbose: boolean): { status: number; body: string } | undefined {
  const m = /^\/(healthz|livez|readyz)(?:\/(.+))?$/.exec(path);
  if (!m) return undefined;
  const checks = HEALTH_CHECKS[m[1]];
  if (m[2] !== undefined) return checks.includes(m[2]) ? { status: 200, body: "ok" } : { status: 404, body: "404 page not found\n" };
  if (!verbose) return { status: 200, body: "ok" };
  return { status: 200, body: checks.map((c) => `[+]${c} ok\n`).join("") + `${m[1]} check passed\n` };
}

/** Merges header maps, names in lower case (later maps win). */
function mergeHeaders(...maps: (Record<string, string> | undefined)[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of maps) for (const [k, v] of Object.entries(m ?? {})) out[k.toLowerCase()] = v;
  return out;
}

function isConvertible(body: unknown): boolean {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  const kind = (body as { kind?: unknown }).kind;
  return kind !== "Status" && kind !== "Table";
}

/** The cluster's wall clock: virtual time 0 is the engine's fixed epoch (registry/object.ts). */
function defaultNow(cluster: ServableCluster): () => number {
  return () => epoch() * 1000 + cluster.sim.now;
}

/**
 * Writes a kubeconfig with cluster, user and context "kubelab": bearer-token auth; for an https
 * server pass its certificate (`ca`, PEM), written as the cluster's certificate-authority-data.
 */
export function writeKubeconfig(file: string, url: string, token: string, ca?: string, namespace = "default"): void {
  fs.writeFileSync(file, kubeconfigYaml(url, token, ca, namespace), { mode: 0o600 });
}

export function kubeconfigYaml(url: string, token: string, ca?: string, namespace = "default"): string {
  const q = (s: string) => JSON.stringify(s);
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: kubelab",
    "  cluster:",
    `    server: ${q(url)}`,
    ...(ca ? [`    certificate-authority-data: ${Buffer.from(ca).toString("base64")}`] : []),
    "contexts:",
    "- name: kubelab",
    "  context:",
    "    cluster: kubelab",
    "    user: kubelab",
    `    namespace: ${q(namespace)}`,
    "current-context: kubelab",
    "users:",
    "- name: kubelab",
    "  user:",
    `    token: ${q(token)}`,
    "preferences: {}",
    "",
  ].join("\n");
}


