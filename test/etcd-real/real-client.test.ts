// RealEtcdClient against a real etcd 3.4 on loopback, and the same scenario through both
// KvBackends — the simulated cluster's EtcdClient and RealEtcdClient — with equal results after
// normalizing the header fields that name the cluster (cluster_id, member_id, raft_term).
// Skipped, saying so, only if there is no etcd binary.

import { test } from "uvu";
import * as assert from "uvu/assert";
import * as net from "net";
import { performance } from "perf_hooks";
import { Simulation, LiveBridge } from "../../src/sim/index";
import { EtcdCluster } from "../../src/etcd/server/etcd-cluster";
import { EtcdClient } from "../../src/etcd/client/client";
import { prefixEnd, utf8 } from "../../src/etcd/mvcc/bytes";
import type { RpcError } from "../../src/etcd/server/protocol";
import type { WatchResponse, Event } from "../../src/etcd/mvcc/types";
import type { Callback, KvBackend } from "../../src/etcd/real/backend";
import { RealEtcdClient } from "../../src/etcd/real/real-client";
import { findEtcd, startLocalEtcd } from "../../src/etcd/real/local-etcd";
import type { LocalEtcd } from "../../src/etcd/real/local-etcd";
import { leaseIdString } from "../../src/etcd/real/codec";

// ---- compile-time: both clients are KvBackends ----
function backendsTypeCheck(sim: Simulation): KvBackend[] {
  const b: KvBackend = new EtcdClient(sim, { name: "typecheck", endpoints: ["etcd-1"] });
  const r: KvBackend = new RealEtcdClient({ endpoints: ["http://127.0.0.1:1"] });
  return [b, r];
}
void backendsTypeCheck;

// ---- harnesses: a backend plus a way to wait on it ----

interface Result<T> {
  err?: RpcError;
  resp?: T;
}

interface Harness {
  label: string;
  kv: KvBackend;
  call<T>(start: (cb: Callback<T>) => void): Promise<Result<T>>;
  /** Waits until pred() holds (virtual time for the simulation, real time for etcd). */
  until(pred: () => boolean, ms: number): Promise<boolean>;
}

function simHarness(): Harness {
  const sim = new Simulation({ seed: "etcd-real-scenario", trace: false });
  sim.network.traceMessages = false;
  const etcd = new EtcdCluster(sim, { members: 3, traceMessages: false });
  etcd.raft.runUntilLeader("10s");
  const kv = new EtcdClient(sim, { name: "scenario", endpoints: etcd.members });
  return {
    label: "simulated",
    kv,
    call<T>(start: (cb: Callback<T>) => void) {
      let out: Result<T> | undefined;
      start((err, resp) => (out = { err, resp }));
      if (!sim.runUntil(() => out !== undefined, "30s")) throw new Error("simulated call did not answer in 30 virtual seconds");
      return Promise.resolve(out!);
    },
    until: (pred, ms) => Promise.resolve(sim.runUntil(pred, ms)),
  };
}

function realHarness(kv: RealEtcdClient): Harness {
  return {
    label: "real etcd",
    kv,
    call<T>(start: (cb: Callback<T>) => void) {
      return new Promise<Result<T>>((resolve) => start((err, resp) => resolve({ err, resp })));
    },
    until: (pred, ms) => waitReal(pred, ms),
  };
}

async function waitReal(pred: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

// ---- normalization ----

const HEADER_NOISE = new Set(["cluster_id", "member_id", "raft_term"]);

function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      if (k === "header" && x && typeof x === "object") {
        const h: Record<string, unknown> = {};
        for (const [hk, hv] of Object.entries(x)) if (!HEADER_NOISE.has(hk)) h[hk] = hv;
        out[k] = h;
      } else out[k] = normalize(x);
    }
    return out;
  }
  return v;
}

// ---- the scenario ----

const b = utf8;
type Step = [label: string, value: unknown];

async function scenario(h: Harness): Promise<Step[]> {
  const out: Step[] = [];
  const rec = (label: string, r: Result<unknown> | unknown) => out.push([label, normalize(r)]);
  const { kv } = h;

  // put / get / prefix range
  rec("put foo=bar", await h.call((cb) => kv.put({ key: b("foo"), value: b("bar") }, cb)));
  rec("put foo=baz prev_kv", await h.call((cb) => kv.put({ key: b("foo"), value: b("baz"), prev_kv: true }, cb)));
  rec("get foo", await h.call((cb) => kv.range({ key: b("foo") }, cb)));
  rec("get missing", await h.call((cb) => kv.range({ key: b("missing") }, cb)));
  for (const i of [1, 2, 3]) rec(`put /b/${i}`, await h.call((cb) => kv.put({ key: b(`/b/${i}`), value: b(`v${i}`) }, cb)));
  const bEnd = prefixEnd(b("/b/"));
  rec("prefix /b/ limit 2", await h.call((cb) => kv.range({ key: b("/b/"), range_end: bEnd, limit: 2 }, cb)));
  rec("prefix /b/ count_only", await h.call((cb) => kv.range({ key: b("/b/"), range_end: bEnd, count_only: true }, cb)));
  rec("prefix /b/ keys_only descend", await h.call((cb) => kv.range({ key: b("/b/"), range_end: bEnd, keys_only: true, sort_order: "DESCEND", sort_target: "KEY" }, cb)));
  rec("get foo at revision 2", await h.call((cb) => kv.range({ key: b("foo"), revision: 2 }, cb)));
  rec("get foo serializable", await h.call((cb) => kv.range({ key: b("foo"), serializable: true }, cb)));
  rec("get future revision", await h.call((cb) => kv.range({ key: b("foo"), revision: 1000 }, cb)));
  rec("put empty key", await h.call((cb) => kv.put({ key: "", value: b("x") }, cb)));

  // txn compare-and-swap
  const foo = (await h.call<any>((cb) => kv.range({ key: b("foo") }, cb))).resp.kvs[0];
  const cas = () =>
    h.call((cb) =>
      kv.txn(
        {
          compare: [{ key: b("foo"), target: "MOD", result: "EQUAL", mod_revision: foo.mod_revision }],
          success: [{ request_put: { key: b("foo"), value: b("cas"), prev_kv: true } }, { request_range: { key: b("foo") } }],
          failure: [{ request_range: { key: b("foo") } }],
        },
        cb,
      ),
    );
  rec("txn cas (wins)", await cas());
  rec("txn cas again (stale, loses)", await cas());
  rec(
    "txn create-if-absent",
    await h.call((cb) =>
      kv.txn({ compare: [{ key: b("/new"), target: "CREATE", result: "EQUAL", create_revision: 0 }], success: [{ request_put: { key: b("/new"), value: b("1") } }] }, cb),
    ),
  );
  rec(
    "txn value compare, nested txn",
    await h.call((cb) =>
      kv.txn(
        {
          compare: [{ key: b("foo"), target: "VALUE", result: "NOT_EQUAL", value: b("cas") }],
          success: [{ request_put: { key: b("never"), value: b("1") } }],
          failure: [{ request_txn: { compare: [{ key: b("/new"), target: "VERSION", result: "GREATER", version: 0 }], success: [{ request_delete_range: { key: b("/new"), prev_kv: true } }] } }],
        },
        cb,
      ),
    ),
  );
  rec("txn duplicate key", await h.call((cb) => kv.txn({ success: [{ request_put: { key: b("d") } }, { request_put: { key: b("d") } }] }, cb)));

  // delete with prev_kv
  rec("delete /b/ prefix prev_kv", await h.call((cb) => kv.deleteRange({ key: b("/b/"), range_end: bEnd, prev_kv: true }, cb)));
  rec("delete nothing", await h.call((cb) => kv.deleteRange({ key: b("/b/"), range_end: bEnd }, cb)));

  // leases: grant, attach, inspect, keep alive, revoke
  rec("lease grant 4242", await h.call((cb) => kv.leaseGrant({ TTL: 60, ID: 4242 }, cb)));
  rec("lease grant 4242 again", await h.call((cb) => kv.leaseGrant({ TTL: 60, ID: 4242 }, cb)));
  rec("lease grant TTL 1 (raised to the minimum)", await h.call((cb) => kv.leaseGrant({ TTL: 1, ID: 77 }, cb)));
  const chosen = await h.call<any>((cb) => kv.leaseGrant({ TTL: 30 }, cb));
  rec("lease grant, server-chosen ID", { nonzero: chosen.resp.ID !== 0, TTL: chosen.resp.TTL, revision: chosen.resp.header.revision });
  rec("revoke the server-chosen lease", await h.call((cb) => kv.leaseRevoke({ ID: chosen.resp.ID }, cb)));
  rec("put /l/1 with lease", await h.call((cb) => kv.put({ key: b("/l/1"), value: b("a"), lease: 4242 }, cb)));
  rec("put /l/2 with lease", await h.call((cb) => kv.put({ key: b("/l/2"), value: b("b"), lease: 4242 }, cb)));
  rec("put with unknown lease", await h.call((cb) => kv.put({ key: b("/l/3"), value: b("c"), lease: 999 }, cb)));
  const ttl = await h.call<any>((cb) => kv.leaseTimeToLive({ ID: 4242, keys: true }, cb));
  assert.ok(ttl.resp.TTL >= 58 && ttl.resp.TTL <= 60, `${h.label}: remaining TTL ${ttl.resp.TTL}`);
  rec("lease time-to-live (keys sorted, remaining TTL checked apart)", { ...(normalize(ttl) as any), resp: { ...(normalize(ttl.resp) as any), TTL: "58..60", keys: [...ttl.resp.keys].sort() } });
  const leases = await h.call<any>((cb) => kv.leaseLeases(cb));
  rec("lease list (sorted)", { header: normalize(leases.resp.header), ids: leases.resp.leases.map((l: { ID: number }) => l.ID).sort((x: number, y: number) => x - y) });
  rec("lease keep-alive", await h.call((cb) => kv.leaseKeepAlive({ ID: 4242 }, cb)));
  rec("lease revoke", await h.call((cb) => kv.leaseRevoke({ ID: 4242 }, cb)));
  rec("keys of the revoked lease are gone", await h.call((cb) => kv.range({ key: b("/l/"), range_end: prefixEnd(b("/l/")) }, cb)));
  rec("lease revoke again", await h.call((cb) => kv.leaseRevoke({ ID: 4242 }, cb)));
  rec("keep-alive of a revoked lease", await h.call((cb) => kv.leaseKeepAlive({ ID: 4242 }, cb)));
  rec("time-to-live of a revoked lease", await h.call((cb) => kv.leaseTimeToLive({ ID: 4242 }, cb)));
  rec("lease revoke 77", await h.call((cb) => kv.leaseRevoke({ ID: 77 }, cb)));

  // watch from an old revision: the whole history, in order, with prev_kv
  const current = (await h.call<any>((cb) => kv.range({ key: b("foo") }, cb))).resp.header.revision;
  {
    const got: WatchResponse[] = [];
    const w = kv.watch({ key: b("\0"), range_end: "\0", start_revision: 2, prev_kv: true }, (r) => got.push(r));
    const events = () => got.flatMap((r) => r.events);
    const ok = await h.until(() => events().length > 0 && events()[events().length - 1].kv.mod_revision >= current, 5000);
    assert.ok(ok, `${h.label}: history replay did not reach revision ${current}`);
    w.cancel();
    rec("watch from revision 2: created", normalize({ ...got[0], watch_id: "-" }));
    rec("watch from revision 2: events", normalize(events()));
    rec("watch lastRevision", w.lastRevision);
  }

  // compaction, and reading / watching a compacted revision
  const compactAt = current - 5;
  rec("compact", await h.call((cb) => kv.compact({ revision: compactAt }, cb)));
  rec("compact the same revision again", await h.call((cb) => kv.compact({ revision: compactAt }, cb)));
  rec("compact a future revision", await h.call((cb) => kv.compact({ revision: current + 100 }, cb)));
  rec("get below the compact revision", await h.call((cb) => kv.range({ key: b("foo"), revision: compactAt - 1 }, cb)));
  rec("get at the compact revision", await h.call((cb) => kv.range({ key: b("foo"), revision: compactAt }, cb)));
  {
    const got: WatchResponse[] = [];
    kv.watch({ key: b("foo"), start_revision: compactAt - 1 }, (r) => got.push(r));
    assert.ok(await h.until(() => got.some((r) => r.canceled), 5000), `${h.label}: no cancellation for a compacted watch`);
    rec("watch a compacted revision", normalize(got.map((r) => ({ ...r, watch_id: "-" }))));
  }
  {
    const got: WatchResponse[] = [];
    const w = kv.watch({ key: b("\0"), range_end: "\0", start_revision: compactAt, prev_kv: true }, (r) => got.push(r));
    const events = () => got.flatMap((r) => r.events);
    assert.ok(await h.until(() => events().length > 0 && events()[events().length - 1].kv.mod_revision >= current, 5000), `${h.label}: watch at the compact revision`);
    w.cancel();
    rec("watch at the compact revision", normalize(events()));
  }

  // a live watch: created now, then the events of new writes
  {
    const got: WatchResponse[] = [];
    const w = kv.watch({ key: b("live/"), range_end: prefixEnd(b("live/")), prev_kv: true }, (r) => got.push(r));
    assert.ok(await h.until(() => got.length > 0, 5000), `${h.label}: live watch created`);
    await h.call((cb) => kv.put({ key: b("live/a"), value: b("1") }, cb));
    await h.call((cb) => kv.txn({ success: [{ request_put: { key: b("live/b"), value: b("2") } }, { request_delete_range: { key: b("live/a") } }] }, cb));
    const events = () => got.flatMap((r) => r.events);
    assert.ok(await h.until(() => events().length >= 3, 5000), `${h.label}: live events`);
    w.cancel();
    await h.call((cb) => kv.put({ key: b("live/c"), value: b("3") }, cb));
    await h.until(() => false, 100); // anything after cancel would arrive now
    rec("live watch: created", normalize({ ...got[0], watch_id: "-" }));
    rec("live watch: events (none after cancel)", normalize(events()));
  }
  return out;
}

// ---- the tests ----

const etcdBin = findEtcd();
let local: LocalEtcd | undefined;

if (!etcdBin) {
  console.log("SKIPPED test/etcd-real: no etcd binary (install Debian's etcd-server, or set ETCD_BIN) — RealEtcdClient was not tested against a real etcd");
  test("RealEtcdClient: skipped, no etcd binary", () => {
    const sim = new Simulation({ seed: 1 });
    assert.is(backendsTypeCheck(sim).length, 2);
  });
} else {
  test.before(async () => {
    local = await startLocalEtcd({ bin: etcdBin });
  });
  test.after(async () => {
    await local?.stop();
  });

  test("the same scenario through EtcdClient (simulated) and RealEtcdClient (etcd 3.4): equal results", async () => {
    const sim = await scenario(simHarness());
    const client = new RealEtcdClient({ endpoints: local!.endpoints });
    let real: Step[];
    try {
      real = await scenario(realHarness(client));
    } finally {
      client.close();
    }
    assert.equal(real.map((r) => r[0]), sim.map((r) => r[0]));
    const diffs: string[] = [];
    for (let i = 0; i < sim.length; i++) {
      const s = JSON.stringify(sim[i][1]);
      const r = JSON.stringify(real[i][1]);
      if (s !== r) diffs.push(`${sim[i][0]}:\n  simulated: ${s}\n  real:      ${r}`);
    }
    assert.ok(diffs.length === 0, `${diffs.length} difference(s):\n${diffs.join("\n")}`);
    // The scenario did produce etcd's errors (not just equal failures of some other kind).
    const byLabel = new Map(real);
    assert.equal((byLabel.get("get below the compact revision") as any).err, { code: 11, message: "etcdserver: mvcc: required revision has been compacted" });
    assert.equal((byLabel.get("lease revoke again") as any).err, { code: 5, message: "etcdserver: requested lease not found" });
    assert.is((byLabel.get("watch a compacted revision") as any).at(-1).canceled, true);
  });

  test("responses are decoded with every default filled in (0, '', false, [])", async () => {
    const client = new RealEtcdClient({ endpoints: local!.endpoints });
    try {
      const r = await realHarness(client).call<any>((cb) => client.range({ key: b("no-such-key") }, cb));
      assert.equal(Object.keys(r.resp).sort(), ["count", "header", "kvs", "more"]);
      assert.equal([r.resp.kvs, r.resp.more, r.resp.count], [[], false, 0]);
      assert.equal(Object.keys(r.resp.header).sort(), ["cluster_id", "member_id", "raft_term", "revision"]);
      assert.ok(r.resp.header.raft_term >= 2 && r.resp.header.cluster_id > 0);
    } finally {
      client.close();
    }
  });

  test("a lease ID chosen by etcd (beyond 2^53) round-trips through its alias", async () => {
    const client = new RealEtcdClient({ endpoints: local!.endpoints });
    const h = realHarness(client);
    try {
      const g = await h.call<any>((cb) => client.leaseGrant({ TTL: 30 }, cb));
      const id: number = g.resp.ID;
      assert.ok(Number.isSafeInteger(id) && id !== 0);
      const exact = leaseIdString(id);
      assert.match(exact, /^\d+$/);
      await h.call((cb) => client.put({ key: b("alias/k"), value: b("v"), lease: id }, cb));
      const kv = (await h.call<any>((cb) => client.range({ key: b("alias/k") }, cb))).resp.kvs[0];
      assert.is(kv.lease, id, "the key's lease decodes to the same alias");
      const ttl = await h.call<any>((cb) => client.leaseTimeToLive({ ID: id, keys: true }, cb));
      assert.equal(ttl.resp.keys, [b("alias/k")]);
      assert.is((await h.call<any>((cb) => client.leaseRevoke({ ID: id }, cb))).err, undefined);
      assert.equal((await h.call<any>((cb) => client.range({ key: b("alias/k") }, cb))).resp.kvs, []);
    } finally {
      client.close();
    }
  });

  test("connection refused: any call goes to the next endpoint", async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const client = new RealEtcdClient({ endpoints: [dead, local!.endpoints[0]] });
    try {
      const members: (string | undefined)[] = [];
      const put = await new Promise<RpcError | undefined>((resolve) =>
        client.put({ key: b("retry/w"), value: b("1") }, (err, _r, member) => {
          members.push(member);
          resolve(err);
        }),
      );
      assert.is(put, undefined, "the write was retried: it certainly had not happened");
      assert.equal(members, [local!.endpoints[0]]);
      const only = new RealEtcdClient({ endpoints: [dead], timeout: "300ms" });
      const err = await new Promise<RpcError | undefined>((resolve) => only.range({ key: b("x") }, (e) => resolve(e)));
      only.close();
      assert.is(err?.code, 14);
      assert.match(err!.message, /connection refused/);
    } finally {
      client.close();
    }
  });

  test("a silent endpoint: a read is retried elsewhere after its attempt timeout, a write of unknown fate is not", async () => {
    const hole = await blackHole();
    try {
      const opts = { endpoints: [hole.url, local!.endpoints[0]], attemptTimeout: "150ms", timeout: "600ms" };
      const reader = new RealEtcdClient(opts);
      const t0 = performance.now();
      const read = await new Promise<{ err?: RpcError; member?: string }>((resolve) => reader.range({ key: b("foo") }, (err, _r, member) => resolve({ err, member })));
      reader.close();
      assert.is(read.err, undefined);
      assert.is(read.member, local!.endpoints[0]);
      assert.ok(performance.now() - t0 >= 150, "it waited for the attempt timeout");

      const writer = new RealEtcdClient(opts);
      const write = await new Promise<RpcError | undefined>((resolve) => writer.put({ key: b("unknown-fate"), value: b("1") }, (err) => resolve(err)));
      writer.close();
      assert.equal(write, { code: 4, message: "context deadline exceeded" });
      const check = new RealEtcdClient({ endpoints: local!.endpoints });
      const r = await realHarness(check).call<any>((cb) => check.range({ key: b("unknown-fate") }, cb));
      check.close();
      assert.equal(r.resp.kvs, [], "the write was not retried on the live endpoint");
    } finally {
      await hole.close();
    }
  });

  test("a watch whose stream breaks resumes from the next revision: nothing lost, nothing repeated", async () => {
    const proxy = await tcpProxy(Number(new URL(local!.endpoints[0]).port));
    const watcher = new RealEtcdClient({ endpoints: [proxy.url], backoff: "20ms" });
    const writer = new RealEtcdClient({ endpoints: local!.endpoints });
    const h = realHarness(writer);
    try {
      const got: WatchResponse[] = [];
      const w = watcher.watch({ key: b("resume/"), range_end: prefixEnd(b("resume/")) }, (r) => got.push(r));
      const events = (): Event[] => got.flatMap((r) => r.events);
      assert.ok(await waitReal(() => got.length > 0, 3000), "created");
      await h.call((cb) => writer.put({ key: b("resume/1"), value: b("1") }, cb));
      assert.ok(await waitReal(() => events().length === 1, 3000));
      proxy.cut(); // the stream breaks
      await h.call((cb) => writer.put({ key: b("resume/2"), value: b("2") }, cb));
      await h.call((cb) => writer.put({ key: b("resume/3"), value: b("3") }, cb));
      assert.ok(await waitReal(() => events().length >= 3, 3000), `events after the break: ${events().length}`);
      await waitReal(() => false, 100);
      assert.equal(events().map((e) => e.kv.key), [b("resume/1"), b("resume/2"), b("resume/3")]);
      assert.is(got.filter((r) => r.created).length, 2, "the new stream's created response is delivered too");
      assert.is(w.lastRevision, events()[2].kv.mod_revision);
      w.cancel();
    } finally {
      watcher.close();
      writer.close();
      await proxy.close();
    }
  });

  test("a watch whose endpoint stops answering (no reset, just silence) moves to another endpoint", async () => {
    const proxy = await tcpProxy(Number(new URL(local!.endpoints[0]).port));
    const watcher = new RealEtcdClient({ endpoints: [proxy.url, local!.endpoints[0]], watchKeepAlive: "150ms", attemptTimeout: "100ms", backoff: "20ms" });
    const writer = new RealEtcdClient({ endpoints: local!.endpoints });
    const h = realHarness(writer);
    try {
      const got: WatchResponse[] = [];
      const w = watcher.watch({ key: b("silent/"), range_end: prefixEnd(b("silent/")) }, (r) => got.push(r));
      const events = (): Event[] => got.flatMap((r) => r.events);
      assert.ok(await waitReal(() => got.length > 0, 3000), "created");
      assert.is(w.member, proxy.url, "the watch started on the first endpoint");
      await h.call((cb) => writer.put({ key: b("silent/1"), value: b("1") }, cb));
      assert.ok(await waitReal(() => events().length === 1, 3000));
      proxy.freeze(); // the stream stays open but nothing more arrives
      await h.call((cb) => writer.put({ key: b("silent/2"), value: b("2") }, cb));
      assert.ok(await waitReal(() => events().length >= 2, 3000), "the probe noticed the silence and the watch moved");
      assert.is(w.member, local!.endpoints[0]);
      await h.call((cb) => writer.put({ key: b("silent/3"), value: b("3") }, cb));
      assert.ok(await waitReal(() => events().length >= 3, 3000));
      assert.equal(events().map((e) => e.kv.key), [b("silent/1"), b("silent/2"), b("silent/3")]);
      w.cancel();
    } finally {
      watcher.close();
      writer.close();
      await proxy.close();
    }
  });

  test("a 3-member etcd loses its leader: writes go on (retried where safe), a watch moves, nothing lost", async () => {
    const three = await startLocalEtcd({ bin: etcdBin, members: 3 });
    const client = new RealEtcdClient({ endpoints: three.endpoints, backoff: "50ms", timeout: "8s", watchKeepAlive: "300ms", attemptTimeout: "300ms" });
    const h = realHarness(client);
    try {
      assert.is((await h.call<any>((cb) => client.put({ key: b("f/0"), value: b("0") }, cb))).err, undefined);
      assert.ok(await waitReal(() => client.leader !== undefined, 3000), "the client learned which endpoint leads");
      const leader = client.leader!;
      const got: WatchResponse[] = [];
      const w = client.watch({ key: b("f/"), range_end: prefixEnd(b("f/")), start_revision: 1 }, (r) => got.push(r));
      const events = (): Event[] => got.flatMap((r) => r.events);
      assert.ok(await waitReal(() => events().length === 1, 3000));
      assert.is(w.member, leader, "the watch is on the leader's endpoint");
      await three.kill(three.endpoints.indexOf(leader));
      // Wait for the survivors to elect a leader: a write meanwhile might time out inside etcd
      // ("request timed out": its fate unknown, so rightly not retried) after 7 s.
      const survivors = three.endpoints.filter((e) => e !== leader);
      assert.ok(await newLeader(survivors, 5000), "the survivors elected a leader");
      // The client still prefers the dead leader: its first attempt is refused (never sent) and
      // goes to another endpoint.
      const results: (RpcError | undefined)[] = [];
      for (let i = 1; i <= 5; i++) results.push((await h.call<any>((cb) => client.put({ key: b(`f/${i}`), value: b(String(i)) }, cb))).err);
      assert.equal(results, [undefined, undefined, undefined, undefined, undefined], `writes after the leader crashed: ${JSON.stringify(results)}`);
      assert.ok(client.leader !== leader, "the client follows the new leader");
      assert.ok(await waitReal(() => events().length === 6, 5000), `watch events after the crash: ${events().length}`);
      assert.equal(events().map((e) => e.kv.key), [0, 1, 2, 3, 4, 5].map((i) => b(`f/${i}`)));
      assert.ok(w.member !== undefined && w.member !== leader);
      w.cancel();
    } finally {
      client.close();
      await three.stop("SIGKILL"); // the data is thrown away: no need for a graceful hand-over
    }
  });

  test("inject: every callback runs through it (a LiveBridge runs them inside the simulation)", async () => {
    const sim = new Simulation({ seed: 1, trace: false });
    const bridge = new LiveBridge(sim);
    let injected = 0;
    let inside = false;
    const client = new RealEtcdClient({
      endpoints: local!.endpoints,
      inject: (fn) =>
        bridge.inject(() => {
          injected++;
          inside = true;
          try {
            fn();
          } finally {
            inside = false;
          }
        }),
    });
    try {
      const seen: boolean[] = [];
      const rev = await new Promise<number>((resolve) => client.put({ key: b("inj"), value: b("1") }, (_e, r) => (seen.push(inside), resolve(r!.header.revision))));
      const got: WatchResponse[] = [];
      const w = client.watch({ key: b("inj"), start_revision: rev }, (r) => (seen.push(inside), got.push(r)));
      assert.ok(await waitReal(() => got.some((r) => r.events.length > 0), 3000));
      w.cancel();
      // An object with inject() (the LiveBridge itself) is accepted too.
      const viaBridge = new RealEtcdClient({ endpoints: local!.endpoints, inject: bridge });
      await new Promise<void>((resolve) => viaBridge.range({ key: b("inj") }, () => resolve()));
      viaBridge.close();
      assert.ok(injected >= 3);
      assert.ok(seen.every((x) => x), "callbacks ran inside inject");
      // A request that cannot be encoded fails through the callback, later, with InvalidArgument.
      let sync = true;
      const bad = await new Promise<RpcError | undefined>((resolve) => {
        client.put({ key: "caf\u00e9\u2603", value: "" }, (err) => resolve(err));
        sync = false;
      });
      assert.is(sync, false);
      assert.is(bad?.code, 3);
    } finally {
      client.close();
    }
  });
}

// ---- small network fixtures ----

/** Polls the endpoints' status until they agree on a leader that is one of them. */
async function newLeader(endpoints: string[], ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    const st = await Promise.all(
      endpoints.map((e) =>
        fetch(`${e}/v3/maintenance/status`, { method: "POST", body: "{}" })
          .then((r) => r.json() as Promise<any>)
          .catch(() => undefined),
      ),
    );
    const ids = st.map((s) => s?.header?.member_id);
    const leaders = st.map((s) => s?.leader);
    if (leaders.every((l) => l && l !== "0" && l === leaders[0]) && ids.includes(leaders[0])) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Accepts connections and never answers. */
async function blackHole(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined);
    s.resume();
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

/** A TCP proxy to etcd whose connections can be cut, or frozen (open, but nothing passes). */
async function tcpProxy(target: number): Promise<{ url: string; cut(): void; freeze(): void; close(): Promise<void> }> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  const held = new Set<net.Socket>();
  let frozen = false;
  const srv = net.createServer((client) => {
    client.on("error", () => undefined);
    if (frozen) {
      held.add(client);
      return;
    }
    const upstream = net.connect(target, "127.0.0.1");
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    client.on("data", (d) => frozen || upstream.write(d));
    upstream.on("data", (d) => frozen || client.write(d));
    const end = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on("error", end);
    upstream.on("error", end);
    client.on("close", end);
    upstream.on("close", end);
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const cut = () => {
    for (const [c, u] of [...pairs]) {
      c.destroy();
      u.destroy();
    }
  };
  return {
    url: `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
    cut,
    freeze: () => (frozen = true),
    close: () => {
      cut();
      for (const s of held) s.destroy();
      return new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

test.run();
