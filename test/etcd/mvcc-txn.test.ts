// Txn: compares, branches, nested txns, revisions inside a txn, validation (reference §2.6, §2.1).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EtcdError, GrpcCode, MvccStore } from "../../src/etcd/mvcc";
import type { Compare, RequestOp, TxnRequest } from "../../src/etcd/mvcc";

const put = (key: string, value = "x"): RequestOp => ({ request_put: { key, value } });
const get = (key: string, extra: object = {}): RequestOp => ({ request_range: { key, ...extra } });
const del = (key: string, range_end?: string): RequestOp => ({ request_delete_range: { key, range_end } });
const txn = (success: RequestOp[], failure: RequestOp[] = [], compare: Compare[] = []): RequestOp => ({ request_txn: { compare, success, failure } });

function fixture(): MvccStore {
  const s = new MvccStore();
  s.leaseGrant({ ID: 7, TTL: 600 });
  s.put({ key: "k", value: "v" }); // 2
  s.put({ key: "k", value: "w", lease: 7 }); // 3: create 2, mod 3, version 2, lease 7
  return s;
}

test("§2.6 every compare target and result against a live key", () => {
  // k: value "w", version 2, create 2, mod 3, lease 7
  const cases: [Compare, boolean][] = [
    [{ key: "k", target: "VALUE", result: "EQUAL", value: "w" }, true],
    [{ key: "k", target: "VALUE", result: "GREATER", value: "v" }, true],
    [{ key: "k", target: "VALUE", result: "LESS", value: "x" }, true],
    [{ key: "k", target: "VALUE", result: "NOT_EQUAL", value: "w" }, false],
    [{ key: "k", target: "VERSION", result: "EQUAL", version: 2 }, true],
    [{ key: "k", target: "VERSION", result: "GREATER", version: 2 }, false],
    [{ key: "k", target: "VERSION", result: "LESS", version: 3 }, true],
    [{ key: "k", target: "CREATE", result: "EQUAL", create_revision: 2 }, true],
    [{ key: "k", target: "CREATE", result: "NOT_EQUAL", create_revision: 2 }, false],
    [{ key: "k", target: "MOD", result: "GREATER", mod_revision: 2 }, true],
    [{ key: "k", target: "MOD", result: "LESS", mod_revision: 3 }, false],
    [{ key: "k", target: "LEASE", result: "EQUAL", lease: 7 }, true],
    [{ key: "k", target: "LEASE", result: "GREATER", lease: 0 }, true],
    [{ key: "k", result: "EQUAL", version: 2 }, true], // defaults: target VERSION
    [{ key: "k", target: "MOD", result: "GREATER", version: 100 }, true], // oneof mismatch: compared with 0
  ];
  for (const [c, want] of cases) {
    const s = fixture();
    assert.is(s.txn({ compare: [c] }).succeeded, want, JSON.stringify(c));
  }
});

test("§2.6 missing key: VALUE compares are always false; others compare with zero", () => {
  const cases: [Compare, boolean][] = [
    [{ key: "none", target: "VALUE", result: "EQUAL", value: "" }, false],
    [{ key: "none", target: "VALUE", result: "NOT_EQUAL", value: "x" }, false],
    [{ key: "none", target: "CREATE", result: "EQUAL", create_revision: 0 }, true],
    [{ key: "none", target: "VERSION", result: "EQUAL", version: 0 }, true],
    [{ key: "none", target: "MOD", result: "LESS", mod_revision: 1 }, true],
    [{ key: "none", target: "LEASE", result: "EQUAL", lease: 0 }, true],
  ];
  for (const [c, want] of cases) assert.is(fixture().txn({ compare: [c] }).succeeded, want, JSON.stringify(c));
});

test("§2.6 compare over a range: true only if it holds for every key; empty compare list is true", () => {
  const s = new MvccStore();
  s.put({ key: "r/a", value: "1" });
  s.put({ key: "r/b", value: "2" });
  const over = (c: Partial<Compare>) => s.txn({ compare: [{ key: "r/", range_end: "r0", ...c }] }).succeeded;
  assert.is(over({ target: "VALUE", result: "GREATER", value: "0" }), true);
  assert.is(over({ target: "VALUE", result: "EQUAL", value: "1" }), false);
  assert.is(over({ target: "CREATE", result: "GREATER", create_revision: 1 }), true);
  assert.is(s.txn({}).succeeded, true);
  assert.is(s.txn({ compare: [{ key: "r/a", target: "VALUE", value: "1" }, { key: "r/b", target: "VALUE", value: "1" }] }).succeeded, false, "conjunction");
});

test("§2.6 the CAS idiom: create only if absent, update only if unchanged", () => {
  const s = new MvccStore();
  const create = (v: string) => s.txn({ compare: [{ key: "lock", target: "CREATE", result: "EQUAL", create_revision: 0 }], success: [put("lock", v)], failure: [get("lock")] });
  const first = create("me");
  assert.is(first.succeeded, true);
  const second = create("you");
  assert.is(second.succeeded, false);
  assert.is(second.responses[0].response_range!.kvs[0].value, "me");
  const mod = s.range({ key: "lock" }).kvs[0].mod_revision;
  const upd = (expect: number, v: string) => s.txn({ compare: [{ key: "lock", target: "MOD", result: "EQUAL", mod_revision: expect }], success: [put("lock", v)] }).succeeded;
  assert.is(upd(mod, "me2"), true);
  assert.is(upd(mod, "stale"), false, "a stale resourceVersion loses");
});

test("§2.1 txn revisions: one bump for all writes; reads see earlier writes; read-only txns do not bump", () => {
  const s = new MvccStore();
  s.put({ key: "a", value: "0" }); // 2
  s.put({ key: "c", value: "0" }); // 3
  const r = s.txn({ success: [get("a"), put("a", "1"), put("b", "1"), get("a"), del("zz"), del("c")] });
  assert.is(r.header.revision, 4);
  assert.is(s.rev, 4);
  const [g1, p1, p2, g2, d1, d2] = r.responses;
  assert.is(g1.response_range!.header.revision, 3, "range before any write: old revision");
  assert.is(g1.response_range!.kvs[0].value, "0");
  assert.is(p1.response_put!.header.revision, 4);
  assert.is(p2.response_put!.header.revision, 4);
  assert.is(g2.response_range!.header.revision, 4);
  assert.equal(g2.response_range!.kvs[0], { key: "a", create_revision: 2, mod_revision: 4, version: 2, value: "1", lease: 0 });
  assert.is(d1.response_delete_range!.header.revision, 4, "delete of nothing after writes reports the new revision");
  assert.is(d2.response_delete_range!.deleted, 1);
  assert.equal(r.responses[1].response_put!.header, { cluster_id: 0, member_id: 0, revision: 4, raft_term: 0 }, "inner headers carry only the revision");
  assert.is(s.txn({ success: [get("a")] }).header.revision, 4);
  assert.is(s.txn({ compare: [{ key: "a", target: "VALUE", value: "nope" }], success: [put("a")], failure: [] }).header.revision, 4, "false compare, empty failure");
  assert.is(s.txn({ success: [del("nothing")] }).header.revision, 4, "a txn deleting nothing");
  assert.is(s.rev, 4);
});

test("§2.6 nested txns: compares see the state before the outer txn; then/else may reuse a key", () => {
  const s = new MvccStore();
  const r = s.txn({
    success: [put("n"), txn([get("yes")], [get("no")], [{ key: "n", target: "VERSION", result: "EQUAL", version: 1 }])],
  });
  const nested = r.responses[1].response_txn!;
  assert.is(nested.succeeded, false, "the nested guard did not see the put before it");
  assert.equal(nested.header, { cluster_id: 0, member_id: 0, revision: 0, raft_term: 0 }, "nested header is empty");
  assert.is(nested.responses[0].response_range!.header.revision, 2);
  const ok = s.txn({ success: [txn([put("t")], [put("t")])] });
  assert.is(ok.header.revision, 3);
});

test("§2.6 validation: too many ops, duplicate keys, empty ops and keys (etcd's order)", () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => put(`k${i}`));
  const cases: [string, TxnRequest, string | null][] = [
    ["128 ops ok", { success: many(128) }, null],
    ["129 success ops", { success: many(129) }, "etcdserver: too many operations in txn request"],
    ["129 compares", { compare: Array.from({ length: 129 }, () => ({ key: "a" })) }, "etcdserver: too many operations in txn request"],
    ["nested budget is what the parent leaves (128 - 101)", { success: [...many(100), txn(many(28).map((op) => ({ request_put: { ...op.request_put!, key: "n" + op.request_put!.key } })))] }, "etcdserver: too many operations in txn request"],
    ["nested within budget", { success: [...many(100), txn(many(27).map((op) => ({ request_put: { ...op.request_put!, key: "n" + op.request_put!.key } })))] }, null],
    ["two puts of a key", { success: [put("a"), put("a")] }, "etcdserver: duplicate key given in txn request"],
    ["put inside a delete range", { success: [del("a", "c"), put("b")] }, "etcdserver: duplicate key given in txn request"],
    ["delete then put same key", { success: [del("a"), put("a")] }, "etcdserver: duplicate key given in txn request"],
    ["two deletes overlap: fine", { success: [del("a", "c"), del("b")] }, null],
    ["success and failure may share a key", { success: [put("a")], failure: [put("a")] }, null],
    ["outer put and nested put", { success: [put("a"), txn([put("a")])] }, "etcdserver: duplicate key given in txn request"],
    ["two nested txns put a key", { success: [txn([put("a")]), txn([put("a")])] }, "etcdserver: duplicate key given in txn request"],
    ["nested delete covers outer put", { success: [put("b"), txn([del("a", "c")])] }, "etcdserver: duplicate key given in txn request"],
    ["outer delete covers nested put", { success: [del("a", "c"), txn([put("b")])] }, "etcdserver: duplicate key given in txn request"],
    ["quirk: a \\0 range end in a delete overlaps no put", { success: [del("a", "\0"), put("b")] }, null],
    ["empty op", { success: [{}] }, "etcdserver: key not found"],
    ["empty compare key", { compare: [{ key: "" }] }, "etcdserver: key is not provided"],
    ["empty put key in failure", { failure: [put("")] }, "etcdserver: key is not provided"],
    ["too many ops beats empty key", { compare: [{ key: "" }], success: many(129) }, "etcdserver: too many operations in txn request"],
  ];
  for (const [name, req, want] of cases) {
    const s = new MvccStore();
    try {
      s.txn(req);
      assert.is(null, want, name);
    } catch (err) {
      assert.instance(err, EtcdError, name);
      assert.is((err as EtcdError).message, want, name);
      assert.is((err as EtcdError).code, GrpcCode.InvalidArgument, name);
      assert.is(s.rev, 1, `${name}: nothing applied`);
    }
  }
});

test("§2.6 apply-time checks run on the executed branch only, puts before ranges, nothing applied on error", () => {
  const cases: [string, TxnRequest, string | null][] = [
    ["unknown lease in success", { success: [put("a"), { request_put: { key: "b", lease: 99 } }] }, "etcdserver: requested lease not found"],
    ["unknown lease in the branch not taken", { failure: [{ request_put: { key: "b", lease: 99 } }] }, null],
    ["ignore_value on a key created earlier in the txn", { success: [put("new"), { request_put: { key: "new2", ignore_value: true } }] }, "etcdserver: key not found"],
    ["future revision range", { success: [get("a", { revision: 100 })] }, "etcdserver: mvcc: required revision is a future revision"],
    ["puts are checked before ranges", { success: [get("a", { revision: 100 }), { request_put: { key: "b", lease: 99 } }] }, "etcdserver: requested lease not found"],
    ["negative range revision (compact point is -1)", { success: [get("a", { revision: -5 })] }, "etcdserver: mvcc: required revision has been compacted"],
    ["range revision -1 is fine before any compaction", { success: [get("a", { revision: -1 })] }, null],
  ];
  for (const [name, req, want] of cases) {
    const s = new MvccStore();
    s.put({ key: "a", value: "1" });
    try {
      s.txn(req);
      assert.is(null, want, name);
    } catch (err) {
      assert.instance(err, EtcdError, name);
      assert.is((err as EtcdError).message, want, name);
      assert.is(s.rev, 2, `${name}: nothing applied`);
      assert.equal(s.range({ key: "new" }).kvs, [], name);
    }
  }
});

test("quirk: delete to the end then put in one txn (allowed); the put starts a new generation", () => {
  const s = new MvccStore();
  s.put({ key: "q1", value: "a" }); // 2
  s.put({ key: "q2", value: "b" }); // 3
  const r = s.txn({ success: [del("q", "\0"), { request_put: { key: "q2", value: "c", prev_kv: true } }] });
  assert.is(r.header.revision, 4);
  assert.is(r.responses[1].response_put!.prev_kv, undefined, "deleted earlier in the txn");
  assert.equal(s.range({ key: "q2" }).kvs[0], { key: "q2", create_revision: 4, mod_revision: 4, version: 1, value: "c", lease: 0 });
});

test("the txn that crashes etcd 3.4.23 (\\0 delete, then ignore_value put) is refused whole here", () => {
  // etcd's checks pass it (the \0 quirk above; the put's key exists before the txn), then its
  // apply loop panics: "unexpected error during txn: etcdserver: key not found" (observed).
  const s = new MvccStore();
  s.leaseGrant({ ID: 3, TTL: 600 });
  s.put({ key: "z1", value: "a", lease: 3 }); // 2
  s.put({ key: "z2", value: "b" }); // 3
  const w = s.watchStream();
  w.watch({ key: "z", range_end: "{" });
  w.drain();
  const before = JSON.stringify(s.snapshot());
  const crash: TxnRequest = {
    success: [put("y1", "new"), del("z", "\0"), put("z0", "c"), { request_put: { key: "z2", ignore_value: true } }],
  };
  try {
    s.txn(crash);
    assert.unreachable("should fail");
  } catch (err) {
    assert.instance(err, EtcdError);
    assert.is((err as EtcdError).message, "etcdserver: key not found");
  }
  assert.is(JSON.stringify(s.snapshot()), before, "nothing applied: history, revision, leases");
  assert.equal(s.leaseTimeToLive({ ID: 3, keys: true }).keys, ["z1"], "lease attachments restored");
  assert.equal(s.range({ key: "y1" }).kvs, []);
  assert.equal(w.drain(), [], "no events");
  // And the store goes on as if it never happened.
  assert.is(s.put({ key: "z3", value: "d" }).header.revision, 4);
  assert.equal(s.range({ key: "z", range_end: "{" }).kvs.map((kv) => kv.key), ["z1", "z2", "z3"]);
});

test.run();
