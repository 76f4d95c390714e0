// Differential test: the same seeded operation sequences against a real etcd 3.4 (over its v3 JSON
// gateway) and against our MvccStore (through our json-gateway module), responses compared as
// JSON, field by field (reference §3; Debian packages etcd-server / etcd-client).
//
// One etcd process serves every sequence; the model mirrors it request for request, so revisions
// are global and must match exactly. Normalized away, and only these: cluster_id, member_id and
// raft_term in headers; a lease's remaining TTL within 1 s (two clocks); the order of the lease
// list and of a lease's keys (Go map order / deadline ties); how watch events are split into
// responses and the header revision of event responses (timing of etcd's sync loop).
// Real time is used here only, in the harness: it drives the model's lease clock.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { MvccStore, gateway } from "../../src/etcd/mvcc";
import type { WatchResponse } from "../../src/etcd/mvcc";
import { DiffOp, SequenceGenerator } from "./diff-gen";

type Json = gateway.Json;
type JsonObject = gateway.JsonObject;

const SEQUENCES = Number(process.env.KUBELAB_DIFF_SEQUENCES ?? 220);
const SEED = process.env.KUBELAB_DIFF_SEED ?? "kubelab-etcd-diff";

function findEtcd(): string | null {
  const candidates = [process.env.ETCD_BIN, ...(process.env.PATH ?? "").split(path.delimiter).map((d) => path.join(d, "etcd")), "/usr/bin/etcd", "/usr/local/bin/etcd"];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  return null;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class EtcdProcess {
  proc!: ChildProcess;
  dataDir!: string;
  port!: number;
  log = "";
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  async start(bin: string): Promise<void> {
    const base = fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
    this.dataDir = fs.mkdtempSync(path.join(base, "kubelab-etcd-"));
    this.port = await freePort();
    const peer = await freePort();
    const client = `http://127.0.0.1:${this.port}`;
    const peerUrl = `http://127.0.0.1:${peer}`;
    this.proc = spawn(
      bin,
      [
        "--name", "diff", "--data-dir", this.dataDir,
        "--listen-client-urls", client, "--advertise-client-urls", client,
        "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
        "--initial-cluster", `diff=${peerUrl}`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const keep = (d: Buffer) => (this.log = (this.log + d.toString()).slice(-20000));
    this.proc.stdout!.on("data", keep);
    this.proc.stderr!.on("data", keep);
    const deadline = performance.now() + 15000;
    while (performance.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`etcd exited: ${this.log}`);
      try {
        const r = await this.post("/v3/kv/range", '{"key":"AA=="}');
        if (r.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    throw new Error(`etcd did not become ready: ${this.log}`);
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    if (this.proc && this.proc.exitCode === null) {
      const exited = new Promise<void>((resolve) => this.proc.once("exit", () => resolve()));
      this.proc.kill("SIGTERM");
      await Promise.race([exited, sleep(3000)]);
      if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
    }
    if (this.dataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  post(p: string, body: string): Promise<{ status: number; json: Json }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port: this.port, path: p, method: "POST", agent: this.agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (res) => {
          let data = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (data += c));
          res.on("end", () => {
            try {
              resolve({ status: res.statusCode ?? 0, json: JSON.parse(data) as Json });
            } catch (err) {
              reject(new Error(`bad JSON from etcd for ${p}: ${data}`));
            }
          });
        },
      );
      req.on("error", (err) => reject(new Error(`POST ${p} ${body}: ${err.message}`)));
      req.end(body);
    });
  }

  /** A streaming call: messages (the `result` of each line) arrive into `messages`. */
  stream(p: string, body: string): EtcdStream {
    const s: EtcdStream = { messages: [], errors: [], close: () => undefined };
    const req = http.request({ host: "127.0.0.1", port: this.port, path: p, method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        buf += c;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const m = JSON.parse(line) as JsonObject;
          if (m.result) s.messages.push(m.result as JsonObject);
          else s.errors.push(m);
        }
      });
      res.on("error", () => undefined);
    });
    req.on("error", () => undefined);
    req.end(body);
    s.close = () => req.destroy();
    return s;
  }
}

interface EtcdStream {
  messages: JsonObject[];
  errors: JsonObject[];
  close(): void;
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) return false;
    await sleep(2);
  }
  return true;
}

// ---- normalization ----

const HEADER_NOISE = ["cluster_id", "member_id", "raft_term"];

function stripHeaders(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripHeaders);
  if (v && typeof v === "object") {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === "header" && x && typeof x === "object" && !Array.isArray(x)) {
        const h: JsonObject = {};
        for (const [hk, hv] of Object.entries(x)) if (!HEADER_NOISE.includes(hk)) h[hk] = hv;
        out[k] = h;
      } else out[k] = stripHeaders(x);
    }
    return out;
  }
  return v;
}

/** Unary responses: headers, lease list order, lease key order, remaining TTL within 1 s. */
function normalizePair(pathName: string, etcd: Json, ours: Json): [Json, Json] {
  let e = stripHeaders(etcd) as JsonObject;
  let o = stripHeaders(ours) as JsonObject;
  if (pathName.endsWith("/lease/leases")) {
    const sortIds = (x: JsonObject) => {
      if (Array.isArray(x.leases)) x.leases = [...(x.leases as JsonObject[])].sort((a, b) => Number(a.ID) - Number(b.ID));
      return x;
    };
    e = sortIds(e);
    o = sortIds(o);
  }
  if (pathName.endsWith("/lease/timetolive")) {
    for (const x of [e, o]) if (Array.isArray(x.keys)) x.keys = [...(x.keys as string[])].sort();
    if (e.TTL !== undefined && o.TTL !== undefined && e.TTL !== "-1" && Math.abs(Number(e.TTL) - Number(o.TTL)) <= 1) o.TTL = e.TTL;
  }
  return [e, o];
}

/**
 * A watch stream as comparable data: the control messages (created, progress) as a sorted list,
 * and per watch ID the ordered list of its events and cancellations, response boundaries and
 * event-response headers dropped.
 */
function watchView(msgs: JsonObject[]): { control: string[]; perWatch: Record<string, Json[]> } {
  const control: string[] = [];
  const perWatch: Record<string, Json[]> = {};
  for (const m0 of msgs) {
    const m = stripHeaders(m0) as JsonObject;
    const id = String(m.watch_id ?? "0");
    if (m.created || (id === "-1" && !m.events)) {
      control.push(JSON.stringify(m));
      continue;
    }
    const list = (perWatch[id] ??= []);
    if (Array.isArray(m.events)) list.push(...(m.events as Json[]));
    else list.push({ ...m, header: undefined } as unknown as Json);
  }
  control.sort();
  return { control, perWatch };
}

function eventCount(v: { perWatch: Record<string, Json[]> }): number {
  return Object.values(v.perWatch).reduce((n, l) => n + l.length, 0);
}

function firstDifference(a: Json, b: Json, at = "$"): string | null {
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  if (a && b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference((a as JsonObject)[k], (b as JsonObject)[k], `${at}.${k}`);
      if (d) return d;
    }
  }
  return `${at}: etcd ${JSON.stringify(a)} vs ours ${JSON.stringify(b)}`;
}

// ---- coverage: which request features and outcomes the run exercised ----

function requestFeatures(pathName: string, body: Json, out: Set<string>): void {
  if (!body || typeof body !== "object" || Array.isArray(body)) return;
  const b = body as JsonObject;
  const kind = gateway.route(pathName)?.kind ?? pathName;
  const sel = (x: JsonObject) => (x.range_end === "AA==" ? "fromkey" : x.range_end ? "range" : "key");
  if (kind === "range") {
    out.add(`range.${sel(b)}`);
    for (const f of ["limit", "revision", "count_only", "keys_only", "sort_order", "sort_target", "min_mod_revision", "max_mod_revision", "min_create_revision", "max_create_revision"]) if (b[f] !== undefined) out.add(`range.${f}`);
  } else if (kind === "put") {
    for (const f of ["prev_kv", "lease", "ignore_value", "ignore_lease"]) if (b[f] !== undefined) out.add(`put.${f}`);
    if (b.prev_kv === undefined) out.add("put.plain");
  } else if (kind === "deleteRange") {
    out.add(`delete.${sel(b)}`);
    if (b.prev_kv) out.add("delete.prev_kv");
  } else if (kind === "txn") {
    for (const c of (b.compare as JsonObject[] | undefined) ?? []) out.add(`txn.compare.${c.target ?? "VERSION"}.${c.result ?? "EQUAL"}`);
    for (const branch of ["success", "failure"]) {
      for (const op of (b[branch] as JsonObject[] | undefined) ?? []) {
        for (const [k, v] of Object.entries(op)) {
          out.add(`txn.${branch}.${k}`);
          if (k === "request_txn") requestFeatures(pathName, v, out);
          if (k === "request_range") requestFeatures("/v3/kv/range", v, new Set());
        }
      }
    }
  }
}

function responseFeatures(kind: string, resp: JsonObject, out: Set<string>): void {
  if (resp.error) out.add(`error.${resp.message}`);
  if (kind === "txn" && resp.header) out.add(resp.succeeded ? "txn.succeeded" : "txn.failed");
  if (kind === "range" && resp.more) out.add("range.more");
  if (kind === "deleteRange" && resp.deleted) out.add("delete.deleted");
  if (kind === "leaseTimeToLive" && Array.isArray(resp.keys)) out.add("lease.timetolive.keys");
  if (kind === "leaseRevoke" && resp.header && Number((resp.header as JsonObject).revision) > 0) out.add("lease.revoke.ok");
}

function watchFeatures(msgs: WatchResponse[], out: Set<string>): void {
  for (const m of msgs) {
    if (m.compact_revision) out.add("watch.compacted");
    if (m.cancel_reason) out.add("watch.refused");
    if (m.watch_id === -1 && !m.created) out.add("watch.progress");
    for (const e of m.events) {
      out.add(`watch.event.${e.type}`);
      if (e.prev_kv) out.add("watch.prev_kv");
    }
  }
}

// ---- the run ----

interface OpenWatch {
  tag: string;
  body: string;
  etcd: EtcdStream;
  ours: WatchResponse[];
  stream: { close(): void };
  createdAt: number;
  /** Watches of the stream that started at or before the store revision (replayed from history). */
  historical: { id: string; start: number }[];
}

interface Report {
  sequences: number;
  ops: number;
  byTag: Record<string, number>;
  errorsByMessage: Record<string, number>;
  watchEvents: number;
  features: Set<string>;
  msByTag: Record<string, number>;
  differences: string[];
}

/** The model's lease clock: real milliseconds since the harness started (test code only). */
const T0 = performance.now();
const now = () => performance.now() - T0;

async function runSequences(etcd: EtcdProcess, model: MvccStore, report: Report): Promise<void> {
  for (let seq = 0; seq < SEQUENCES; seq++) {
    const gen = new SequenceGenerator(SEED, seq, model);
    const watches: OpenWatch[] = [];
    const diff = (what: string, d: string) => {
      if (report.differences.length < 50) report.differences.push(`seq ${seq} ${what}: ${d}`);
    };
    for (let op: DiffOp | undefined = gen.next(); op; op = gen.next()) {
      const opStart = performance.now();
      report.ops++;
      report.byTag[op.tag] = (report.byTag[op.tag] ?? 0) + 1;
      if (op.kind === "unary") {
        if (op.tag === "compaction") {
          // A watch that replays history in etcd is caught up by a loop every 100 ms; a
          // compaction past its start before that would cancel it there and not here. Wait until
          // its history has arrived, or (no history to show) until the loop has run.
          const target = Number((JSON.parse(op.body) as JsonObject).revision);
          for (const w of watches) {
            for (const h of w.historical) {
              // (A tombstone at the compaction point itself is purged too, so start == target counts.)
              if (h.start > target) continue;
              const mine = watchView(w.ours.map((r) => gateway.encodeWatchResponse(r))).perWatch[h.id] ?? [];
              if (mine.length > 0) await waitFor(() => (watchView(w.etcd.messages).perWatch[h.id] ?? []).length >= mine.length, 3000);
              else await sleep(Math.max(0, 150 - (performance.now() - w.createdAt)));
            }
          }
        }
        const r = await etcd.post(op.path, op.body);
        const route = gateway.route(op.path)!;
        const mine = gateway.serveUnary(model, route.kind as gateway.UnaryKind, op.body, { nowMs: now() });
        const [e, o] = normalizePair(op.path, r.json, mine.body);
        const d = firstDifference({ status: r.status, body: e }, { status: mine.status, body: o });
        if (d) diff(`${op.tag} ${op.path} ${op.body}`, d);
        try {
          requestFeatures(op.path, gateway.parseBody(op.body), report.features);
        } catch {
          report.features.add("bad.json");
        }
        responseFeatures(route.kind, mine.body, report.features);
        if (mine.status !== 200) {
          const msg = String((mine.body as JsonObject).message);
          report.errorsByMessage[msg] = (report.errorsByMessage[msg] ?? 0) + 1;
        }
      } else if (op.kind === "keepalive") {
        const s = etcd.stream("/v3/lease/keepalive", op.body);
        const ok = await waitFor(() => s.messages.length > 0 || s.errors.length > 0, 3000);
        s.close();
        const mine = gateway.encodeStreamMessage("leaseKeepAlive", model.leaseKeepAlive(gateway.decode.leaseKeepAlive(JSON.parse(op.body) as Json), { nowMs: now() }));
        const d = ok ? firstDifference(stripHeaders(s.messages[0] ?? s.errors[0]), stripHeaders(mine.result)) : "no keepalive answer from etcd";
        if (d) diff(`keepalive ${op.body}`, d);
      } else {
        const ours: WatchResponse[] = [];
        const ws = model.watchStream((r) => ours.push(r));
        const rev = model.rev;
        const historical: { id: string; start: number }[] = [];
        for (const value of gateway.splitJsonValues(op.body)) {
          const req = gateway.decode.watch(value);
          if (req.create_request) {
            const id = ws.watch(req.create_request);
            const start = req.create_request.start_revision ?? 0;
            if (id !== -1 && start !== 0 && start <= rev) historical.push({ id: String(id), start });
          } else if (req.progress_request) ws.requestProgress();
        }
        const s = etcd.stream("/v3/watch", op.body);
        const controls = ours.filter((m) => m.created || (m.watch_id === -1 && m.events.length === 0)).length;
        const got = await waitFor(() => s.messages.filter((m) => m.created || (m.watch_id === "-1" && !m.events)).length >= controls, 3000);
        if (!got) diff(`watch ${op.body}`, `etcd sent ${s.messages.length} messages, expected ${controls} control messages`);
        watches.push({ tag: op.tag, body: op.body, etcd: s, ours, stream: ws, createdAt: performance.now(), historical });
      }
      report.msByTag[op.tag] = (report.msByTag[op.tag] ?? 0) + (performance.now() - opStart);
    }
    const closeStart = performance.now();
    // Close the sequence's watches once etcd has sent what the model says it must (in parallel).
    await Promise.all(
      watches.map(async (w) => {
        const mine = watchView(w.ours.map((r) => gateway.encodeWatchResponse(r)));
        const want = eventCount(mine);
        await waitFor(() => eventCount(watchView(w.etcd.messages)) >= want, 3000);
        const sentinel = Buffer.from(gen.prefix + "~end", "latin1").toString("base64");
        const ids = w.ours.filter((r) => r.created && !r.canceled).map((r) => String(r.watch_id));
        const lastIsFinal = ids.every((id) => {
          const l = mine.perWatch[id] ?? [];
          const last = l[l.length - 1] as JsonObject | undefined;
          return !!last && ((last.kv as JsonObject | undefined)?.key === sentinel || !!last.canceled);
        });
        // Nothing can follow the sentinel; otherwise give stray extra events a moment to show.
        if (!lastIsFinal) await sleep(15);
        w.etcd.close();
        w.stream.close();
        watchFeatures(w.ours, report.features);
        if (w.historical.length) report.features.add("watch.historical");
        if (w.body.includes('"prev_kv":true')) report.features.add("watch.req.prev_kv");
        if (w.body.includes("NOPUT")) report.features.add("watch.filter.NOPUT");
        if (w.body.includes("NODELETE")) report.features.add("watch.filter.NODELETE");
        const theirs = watchView(w.etcd.messages);
        report.watchEvents += want;
        const d = firstDifference(theirs as unknown as Json, mine as unknown as Json);
        if (d) diff(`watch ${w.body}`, process.env.KUBELAB_DIFF_VERBOSE ? `${d}\n  etcd ${JSON.stringify(w.etcd.messages)}\n  ours ${JSON.stringify(w.ours.map((r) => gateway.encodeWatchResponse(r)))}` : d);
        if (w.etcd.errors.length) diff(`watch ${w.body}`, `stream errors ${JSON.stringify(w.etcd.errors)}`);
      }),
    );
    report.msByTag["watch.close"] = (report.msByTag["watch.close"] ?? 0) + (performance.now() - closeStart);
    report.sequences++;
  }
}

/** A lease that runs out on etcd's clock is revoked by its leader; the model's lessor agrees. */
async function leaseExpiry(etcd: EtcdProcess, model: MvccStore, diffs: string[]): Promise<void> {
  const b64 = (s: string) => Buffer.from(s, "latin1").toString("base64");
  const send = async (p: string, body: object) => {
    const r = await etcd.post(p, JSON.stringify(body));
    const mine = gateway.serveUnary(model, gateway.route(p)!.kind as gateway.UnaryKind, JSON.stringify(body), { nowMs: now() });
    const [e, o] = normalizePair(p, r.json, mine.body);
    const d = firstDifference({ status: r.status, body: e }, { status: mine.status, body: o });
    if (d) diffs.push(`expiry ${p} ${JSON.stringify(body)}: ${d}`);
  };
  const grantedAt = now();
  await send("/v3/lease/grant", { ID: "777777", TTL: "1" });
  await send("/v3/kv/put", { key: b64("exp/k2"), value: b64("x"), lease: "777777" });
  await send("/v3/kv/put", { key: b64("exp/k1"), value: b64("y"), lease: "777777" });
  const ours: WatchResponse[] = [];
  const ws = model.watchStream((r) => ours.push(r));
  const watchBody = { create_request: { key: b64("exp/"), range_end: b64("exp0") } };
  ws.watch(gateway.decode.watch(watchBody as unknown as Json).create_request!);
  const s = etcd.stream("/v3/watch", JSON.stringify(watchBody));
  await waitFor(() => s.messages.length > 0, 3000);
  const revBefore = model.rev;
  // etcd's leader checks every 500 ms; the lease (TTL raised to 2 s) goes within a few seconds.
  let revoked = false;
  const deadline = performance.now() + 10000;
  while (!revoked && performance.now() < deadline) {
    await sleep(100);
    const r = await etcd.post("/v3/kv/range", JSON.stringify({ key: b64("exp/"), range_end: b64("exp0"), count_only: true }));
    revoked = !(r.json as JsonObject).count;
  }
  if (!revoked) {
    diffs.push("expiry: etcd did not revoke the lease within 10 s");
    s.close();
    return;
  }
  const expired = model.lessor.expired(now());
  if (JSON.stringify(expired) !== "[777777]") diffs.push(`expiry: model lessor offers ${JSON.stringify(expired)} at ${Math.round(now() - grantedAt)} ms`);
  for (const id of expired) model.apply({ type: "leaseRevoke", request: { ID: id } });
  await send("/v3/kv/range", { key: b64("exp/"), range_end: b64("exp0") });
  await send("/v3/lease/timetolive", { ID: "777777" });
  await waitFor(() => s.messages.some((m) => Array.isArray(m.events)), 3000);
  await sleep(25);
  s.close();
  ws.close();
  const d = firstDifference(watchView(s.messages) as unknown as Json, watchView(ours.map((r) => gateway.encodeWatchResponse(r))) as unknown as Json);
  if (d) diffs.push(`expiry watch: ${d}`);
  if (model.rev !== revBefore + 1) diffs.push(`expiry: revision ${revBefore} -> ${model.rev}, expected one revision for both keys`);
}

test(`differential: ${SEQUENCES} seeded sequences against a real etcd 3.4 over the JSON gateway`, async () => {
  const bin = findEtcd();
  if (!bin) {
    console.log("  SKIP differential test: no etcd binary found (install Debian's etcd-server, or set ETCD_BIN)");
    return;
  }
  const etcd = new EtcdProcess();
  const report: Report = { sequences: 0, ops: 0, byTag: {}, errorsByMessage: {}, watchEvents: 0, features: new Set(), msByTag: {}, differences: [] };
  const started = performance.now();
  try {
    await etcd.start(bin);
    const model = new MvccStore();
    await runSequences(etcd, model, report);
    await leaseExpiry(etcd, model, report.differences);
  } catch (err) {
    console.log(`  etcd's log (tail):\n${etcd.log.slice(-4000)}`);
    throw err;
  } finally {
    await etcd.stop();
  }
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `  differential: ${report.sequences} sequences, ${report.ops} operations, ${report.watchEvents} watch events, ` +
      `${report.differences.length} differences, ${report.features.size} features covered, ${secs} s\n  ops: ${JSON.stringify(report.byTag)}\n  errors: ${JSON.stringify(report.errorsByMessage)}`,
  );
  if (process.env.KUBELAB_DIFF_PROFILE) console.log(Object.entries(report.msByTag).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([t, ms]) => `${t} ${Math.round(ms)} ms`).join(", "));
  if (report.differences.length) console.log(report.differences.slice(0, 20).join("\n"));
  assert.is(report.differences.length, 0, "responses differ from etcd's");
  assert.ok(report.sequences >= 200);
  // Coverage: every request feature and outcome the issue names was exercised.
  const required = [
    ...["key", "range", "fromkey", "limit", "revision", "count_only", "keys_only", "sort_order", "sort_target", "more"].map((f) => `range.${f}`),
    ...["min_mod_revision", "max_mod_revision", "min_create_revision", "max_create_revision"].map((f) => `range.${f}`),
    "put.plain", "put.prev_kv", "put.lease", "put.ignore_value", "put.ignore_lease",
    "delete.key", "delete.range", "delete.fromkey", "delete.prev_kv", "delete.deleted",
    ...["VERSION", "CREATE", "MOD", "VALUE", "LEASE"].flatMap((t) => ["EQUAL", "GREATER", "LESS", "NOT_EQUAL"].map((r) => `txn.compare.${t}.${r}`)),
    "txn.succeeded", "txn.failed", "txn.success.request_range", "txn.success.request_put", "txn.success.request_delete_range", "txn.success.request_txn",
    "txn.failure.request_put",
    "lease.timetolive.keys", "lease.revoke.ok",
    "watch.historical", "watch.compacted", "watch.refused", "watch.progress", "watch.event.PUT", "watch.event.DELETE", "watch.prev_kv",
    "watch.filter.NOPUT", "watch.filter.NODELETE",
    "error.etcdserver: mvcc: required revision has been compacted", "error.etcdserver: mvcc: required revision is a future revision",
    "error.etcdserver: requested lease not found", "error.etcdserver: lease already exists", "error.etcdserver: too large lease TTL",
    "error.etcdserver: duplicate key given in txn request", "error.etcdserver: too many operations in txn request",
    "error.etcdserver: key is not provided", "error.etcdserver: key not found",
  ];
  const missing = required.filter((f) => !report.features.has(f));
  assert.equal(missing, [], "features never exercised");
  // Every kind of operation ran.
  for (const tag of ["put", "range", "deleterange", "txn", "compaction", "lease.grant", "lease.grant.short", "lease.revoke", "lease.timetolive", "lease.leases", "lease.keepalive", "watch"]) {
    assert.ok((report.byTag[tag] ?? 0) > 0, `no ${tag} operation generated`);
  }
});

test.run();
