// The store as a deterministic state machine: apply() results, snapshot/restore (for Raft's
// InstallSnapshot), and replicas that apply the same log agreeing exactly.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MvccStore, gateway } from "../../src/etcd/mvcc";
import type { InternalRequest, MvccSnapshot } from "../../src/etcd/mvcc";
import { SequenceGenerator } from "./diff-gen";

/** Log entries from the differential generator's unary writes (driven by a scratch model). */
function log(seed: string, sequences: number): { path: string; body: string }[] {
  const oracle = new MvccStore();
  const out: { path: string; body: string }[] = [];
  for (let seq = 0; seq < sequences; seq++) {
    const gen = new SequenceGenerator(seed, seq, oracle);
    for (let op = gen.next(); op; op = gen.next()) {
      if (op.kind !== "unary") continue;
      const kind = gateway.route(op.path)!.kind as gateway.UnaryKind;
      gateway.serveUnary(oracle, kind, op.body);
      out.push({ path: op.path, body: op.body });
    }
  }
  return out;
}

const serve = (s: MvccStore, e: { path: string; body: string }) => gateway.serveUnary(s, gateway.route(e.path)!.kind as gateway.UnaryKind, e.body);

test("replicas applying the same entries answer identically and end byte-identical", () => {
  const entries = log("replicas", 12);
  const a = new MvccStore();
  const b = new MvccStore();
  for (const e of entries) assert.equal(serve(a, e), serve(b, e));
  assert.is(JSON.stringify(a.snapshot()), JSON.stringify(b.snapshot()));
  assert.ok(a.rev > 50, `a real history (rev ${a.rev})`);
});

test("snapshot -> JSON -> restore at any point: the restored store continues identically", () => {
  const entries = log("snapshots", 10);
  for (const cut of [0, 1, Math.floor(entries.length / 3), Math.floor(entries.length / 2), entries.length - 1]) {
    const a = new MvccStore();
    for (const e of entries.slice(0, cut)) serve(a, e);
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as MvccSnapshot;
    const b = MvccStore.restore(snap);
    assert.is(b.rev, a.rev, `cut ${cut}: revision`);
    assert.is(b.compactRev, a.compactRev, `cut ${cut}: compaction point`);
    assert.equal(b.leaseLeases().leases.map((l) => l.ID).sort(), a.leaseLeases().leases.map((l) => l.ID).sort(), `cut ${cut}: leases`);
    for (const e of entries.slice(cut)) {
      // Time-to-live depends on each lessor's own deadlines: compare the replicated part only.
      if (e.path.endsWith("timetolive")) continue;
      assert.equal(serve(b, e), serve(a, e), `cut ${cut}: ${e.path} ${e.body}`);
    }
    assert.is(JSON.stringify(b.snapshot()), JSON.stringify(a.snapshot()), `cut ${cut}: final state`);
  }
});

test("restore re-attaches keys to their leases; a watch on the restored store replays history", () => {
  const a = new MvccStore();
  a.leaseGrant({ ID: 9, TTL: 100 });
  a.put({ key: "k1", value: "x", lease: 9 });
  a.put({ key: "k2", value: "y", lease: 9 });
  a.put({ key: "k2", value: "z" }); // detached
  const b = MvccStore.restore(a.snapshot(), {}, { nowMs: 5000 });
  assert.equal(b.leaseTimeToLive({ ID: 9, keys: true }, { nowMs: 5000 }).keys, ["k1"]);
  assert.is(b.leaseTimeToLive({ ID: 9 }, { nowMs: 5000 }).TTL, 100, "a primary restore restarts deadlines");
  b.leaseRevoke({ ID: 9 });
  assert.equal(b.range({ key: "k", range_end: "l" }).kvs.map((kv) => kv.key), ["k2"]);
  const w = b.watchStream();
  w.watch({ key: "k", range_end: "l", start_revision: 2 });
  assert.equal(w.drain()[1].events.map((e) => `${e.type} ${e.kv.key}@${e.kv.mod_revision}`), ["PUT k1@2", "PUT k2@3", "PUT k2@4", "DELETE k1@5"]);
  const follower = MvccStore.restore(a.snapshot(), { primary: false });
  assert.equal(follower.lessor.expired(1e12), [], "a follower's restored leases never expire");
});

test("apply(): a tagged log entry in, the response or etcd's error out, never a throw", () => {
  const s = new MvccStore({ clusterId: 1, memberId: 2, raftTerm: 3 });
  const entries: InternalRequest[] = [
    { type: "put", request: { key: "a", value: "1" } },
    { type: "put", request: { key: "", value: "1" } },
    { type: "range", request: { key: "a" } },
    { type: "txn", request: { success: [{ request_put: { key: "a", value: "2" } }] } },
    { type: "deleteRange", request: { key: "a" } },
    { type: "compaction", request: { revision: 100 } },
    { type: "leaseGrant", request: { ID: 5, TTL: 10 } },
    { type: "leaseRevoke", request: { ID: 6 } },
    { type: "bogus" } as unknown as InternalRequest,
  ];
  const results = entries.map((e) => s.apply(e));
  assert.equal(
    results.map((r) => (r.ok ? `${r.type} ok @${(r.response as { header: { revision: number } }).header.revision}` : `${r.type} ${r.error.code} ${r.error.message}`)),
    [
      "put ok @2",
      "put 3 etcdserver: key is not provided",
      "range ok @2",
      "txn ok @3",
      "deleteRange ok @4",
      "compaction 11 etcdserver: mvcc: required revision is a future revision",
      "leaseGrant ok @4",
      "leaseRevoke 5 etcdserver: requested lease not found",
      'bogus 3 kubelab: unknown request type "bogus"',
    ],
  );
  const first = results[0];
  assert.equal(first.ok && first.response.header, { cluster_id: 1, member_id: 2, revision: 2, raft_term: 3 });
  assert.is(JSON.stringify(JSON.parse(JSON.stringify(results))), JSON.stringify(results), "results are plain JSON");
});

test("restore refuses what is not a snapshot", () => {
  assert.throws(() => MvccStore.restore({} as MvccSnapshot), /not a kubelab-mvcc\/1 snapshot/);
});

test.run();
