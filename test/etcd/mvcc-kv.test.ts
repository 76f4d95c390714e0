// Revisions, put, range and delete of the MVCC store (reference raft-etcd.md §2.1–2.5, §2.10).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EtcdError, GrpcCode, MvccStore, prefixEnd, utf8, text } from "../../src/etcd/mvcc";
import type { KeyValue, RangeRequest } from "../../src/etcd/mvcc";

const kv = (key: string, create: number, mod: number, version: number, value: string, lease = 0): KeyValue => ({
  key,
  create_revision: create,
  mod_revision: mod,
  version,
  value,
  lease,
});

function throwsEtcd(fn: () => unknown, code: GrpcCode, message: string): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, EtcdError);
    assert.is((err as EtcdError).message, message);
    assert.is((err as EtcdError).code, code);
    return;
  }
  assert.unreachable(`expected ${message}`);
}

test("§2.1 a fresh store is at revision 1; the first write gets 2", () => {
  const s = new MvccStore();
  assert.is(s.rev, 1);
  assert.is(s.range({ key: "foo" }).header.revision, 1);
  assert.is(s.put({ key: "foo", value: "bar" }).header.revision, 2);
  assert.is(s.rev, 2);
});

test("§2.1 header carries the caller's cluster, member and term", () => {
  const s = new MvccStore({ clusterId: 7, memberId: 3, raftTerm: 2 });
  assert.equal(s.put({ key: "a", value: "1" }).header, { cluster_id: 7, member_id: 3, revision: 2, raft_term: 2 });
  s.raftTerm = 5;
  assert.is(s.range({ key: "a" }).header.raft_term, 5);
});

test("§2.1/§2.2 revision bumps once per write; create/mod/version per key", () => {
  const s = new MvccStore();
  const steps: [string, () => unknown, number][] = [
    ["put foo", () => s.put({ key: "foo", value: "bar" }), 2],
    ["same value again still bumps", () => s.put({ key: "foo", value: "bar" }), 3],
    ["range does not bump", () => s.range({ key: "foo" }), 3],
    ["delete of nothing does not bump", () => s.deleteRange({ key: "nope" }), 3],
    ["delete foo", () => s.deleteRange({ key: "foo" }), 4],
    ["recreate foo", () => s.put({ key: "foo", value: "baz" }), 5],
  ];
  for (const [name, step, rev] of steps) {
    step();
    assert.is(s.rev, rev, name);
  }
  assert.equal(s.range({ key: "foo" }).kvs, [kv("foo", 5, 5, 1, "baz")], "new generation: create 5, version 1");
  assert.equal(s.range({ key: "foo", revision: 3 }).kvs, [kv("foo", 2, 3, 2, "bar")], "old generation readable at 3");
  assert.equal(s.range({ key: "foo", revision: 4 }).kvs, [], "deleted at 4");
});

test("§2.3 put options: prev_kv, ignore_value, ignore_lease and their errors", () => {
  const s = new MvccStore();
  assert.is(s.put({ key: "k", value: "v1", prev_kv: true }).prev_kv, undefined, "no prev for a new key");
  assert.equal(s.put({ key: "k", value: "v2", prev_kv: true }).prev_kv, kv("k", 2, 2, 1, "v1"));
  s.leaseGrant({ ID: 100, TTL: 600 });
  s.put({ key: "k", value: "v3", lease: 100 });
  s.put({ key: "k", ignore_lease: true, value: "v4" });
  assert.equal(s.range({ key: "k" }).kvs[0], kv("k", 2, 5, 4, "v4", 100), "ignore_lease keeps the lease");
  s.put({ key: "k", ignore_value: true, lease: 0 });
  assert.equal(s.range({ key: "k" }).kvs[0], kv("k", 2, 6, 5, "v4", 0), "ignore_value keeps the value; no lease detaches");
  const cases: [string, () => unknown, GrpcCode, string][] = [
    ["empty key", () => s.put({ key: "", value: "x" }), GrpcCode.InvalidArgument, "etcdserver: key is not provided"],
    ["ignore_value on a missing key", () => s.put({ key: "missing", ignore_value: true }), GrpcCode.InvalidArgument, "etcdserver: key not found"],
    ["ignore_lease on a missing key", () => s.put({ key: "missing", ignore_lease: true }), GrpcCode.InvalidArgument, "etcdserver: key not found"],
    ["ignore_value with a value", () => s.put({ key: "k", ignore_value: true, value: "x" }), GrpcCode.InvalidArgument, "etcdserver: value is provided"],
    ["ignore_lease with a lease", () => s.put({ key: "k", ignore_lease: true, lease: 100 }), GrpcCode.InvalidArgument, "etcdserver: lease is provided"],
    ["unknown lease", () => s.put({ key: "k", value: "x", lease: 99 }), GrpcCode.NotFound, "etcdserver: requested lease not found"],
  ];
  const before = s.rev;
  for (const [name, fn, code, msg] of cases) {
    try {
      fn();
      assert.unreachable(name);
    } catch (err) {
      assert.instance(err, EtcdError, name);
      assert.is((err as EtcdError).message, msg, name);
      assert.is((err as EtcdError).code, code, name);
    }
  }
  assert.is(s.rev, before, "failed puts change nothing");
});

function rangeFixture(): MvccStore {
  const s = new MvccStore();
  s.put({ key: "a", value: "3" }); // 2
  s.put({ key: "b", value: "1" }); // 3
  s.put({ key: "b", value: "2" }); // 4
  s.put({ key: "c", value: "2" }); // 5
  s.put({ key: "c/x", value: "9" }); // 6
  s.put({ key: "d\xff", value: "0" }); // 7
  return s;
}

test("§2.4 range: single key, interval, prefix, from-key, all keys", () => {
  const s = rangeFixture();
  const keys = (r: RangeRequest) => s.range(r).kvs.map((k) => k.key);
  const cases: [string, RangeRequest, string[]][] = [
    ["single key", { key: "b" }, ["b"]],
    ["missing key", { key: "zz" }, []],
    ["interval [b, c/x)", { key: "b", range_end: "c/x" }, ["b", "c"]],
    ["prefix c", { key: "c", range_end: prefixEnd("c") }, ["c", "c/x"]],
    ["prefix d\\xff -> e", { key: "d\xff", range_end: prefixEnd("d\xff") }, ["d\xff"]],
    ["from key c (\\0)", { key: "c", range_end: "\0" }, ["c", "c/x", "d\xff"]],
    ["all keys (\\0, \\0)", { key: "\0", range_end: "\0" }, ["a", "b", "c", "c/x", "d\xff"]],
    ["empty interval (end before key)", { key: "c", range_end: "a" }, []],
  ];
  for (const [name, req, want] of cases) assert.equal(keys(req), want, name);
  assert.is(prefixEnd("a\xff"), "b");
  assert.is(prefixEnd("\xff\xff"), "\0");
});

test("§2.4 range: limit/more/count, count_only, keys_only, min/max filters", () => {
  const s = rangeFixture();
  const all = { key: "\0", range_end: "\0" };
  const cases: [string, RangeRequest, { keys: string[]; more: boolean; count: number }][] = [
    ["limit 2 of 5", { ...all, limit: 2 }, { keys: ["a", "b"], more: true, count: 5 }],
    ["limit 5 of 5", { ...all, limit: 5 }, { keys: ["a", "b", "c", "c/x", "d\xff"], more: false, count: 5 }],
    ["count_only", { ...all, count_only: true }, { keys: [], more: false, count: 5 }],
    ["count_only + limit", { ...all, count_only: true, limit: 1 }, { keys: [], more: false, count: 5 }],
    ["min_mod_revision 5: count ignores the filter", { ...all, min_mod_revision: 5 }, { keys: ["c", "c/x", "d\xff"], more: false, count: 5 }],
    ["max_mod_revision 4 with limit 1", { ...all, max_mod_revision: 4, limit: 1 }, { keys: ["a"], more: true, count: 5 }],
    ["min_create_revision 4", { ...all, min_create_revision: 4 }, { keys: ["c", "c/x", "d\xff"], more: false, count: 5 }],
    ["max_create_revision 3", { ...all, max_create_revision: 3 }, { keys: ["a", "b"], more: false, count: 5 }],
  ];
  for (const [name, req, want] of cases) {
    const r = s.range(req);
    assert.equal({ keys: r.kvs.map((k) => k.key), more: r.more, count: r.count }, want, name);
  }
  const ko = s.range({ key: "b", keys_only: true }).kvs[0];
  assert.equal(ko, kv("b", 3, 4, 2, ""), "keys_only drops only the value");
});

test("§2.4 range: sort orders and targets (non-KEY target defaults to ASCEND)", () => {
  const s = rangeFixture();
  const all = { key: "\0", range_end: "\0" };
  const keys = (r: Partial<RangeRequest>) => s.range({ ...all, ...r }).kvs.map((k) => k.key);
  const cases: [string, Partial<RangeRequest>, string[]][] = [
    ["default: key ascending", {}, ["a", "b", "c", "c/x", "d\xff"]],
    ["KEY DESCEND", { sort_order: "DESCEND" }, ["d\xff", "c/x", "c", "b", "a"]],
    ["MOD DESCEND", { sort_order: "DESCEND", sort_target: "MOD" }, ["d\xff", "c/x", "c", "b", "a"]],
    ["CREATE ASCEND", { sort_order: "ASCEND", sort_target: "CREATE" }, ["a", "b", "c", "c/x", "d\xff"]],
    ["VALUE, order NONE -> ASCEND; ties keep key order", { sort_target: "VALUE" }, ["d\xff", "b", "c", "a", "c/x"]],
    ["VALUE DESCEND; ties keep key order", { sort_target: "VALUE", sort_order: "DESCEND" }, ["c/x", "a", "b", "c", "d\xff"]],
    ["VERSION DESCEND, limit 1", { sort_target: "VERSION", sort_order: "DESCEND", limit: 1 }, ["b"]],
  ];
  for (const [name, req, want] of cases) assert.equal(keys(req), want, name);
  const r = s.range({ ...all, sort_target: "VERSION", sort_order: "DESCEND", limit: 1 });
  assert.is(r.more, true);
});

test("§2.4 range at a revision; future and compacted revisions; header is current", () => {
  const s = rangeFixture();
  const r = s.range({ key: "b", revision: 3 });
  assert.equal(r.kvs, [kv("b", 3, 3, 1, "1")]);
  assert.is(r.header.revision, 7, "header.revision stays current for old reads");
  assert.equal(s.range({ key: "b", revision: 2 }).kvs, [], "not created yet at 2");
  assert.equal(s.range({ key: "b", revision: -5 }).kvs[0].mod_revision, 4, "negative = latest for a plain range");
  throwsEtcd(() => s.range({ key: "b", revision: 8 }), GrpcCode.OutOfRange, "etcdserver: mvcc: required revision is a future revision");
  s.compact({ revision: 4 });
  throwsEtcd(() => s.range({ key: "b", revision: 3 }), GrpcCode.OutOfRange, "etcdserver: mvcc: required revision has been compacted");
  assert.equal(s.range({ key: "b", revision: 4 }).kvs[0].value, "2", "revision == compact revision is allowed");
  throwsEtcd(() => s.range({ key: "" }), GrpcCode.InvalidArgument, "etcdserver: key is not provided");
});

test("§2.5 delete range: one revision for all, deleted count, prev_kvs, history kept", () => {
  const s = new MvccStore();
  s.put({ key: "foo", value: "0" }); // 2
  s.put({ key: "foo1", value: "1" }); // 3
  s.put({ key: "foo2", value: "2" }); // 4
  s.put({ key: "foo3", value: "3" }); // 5
  const d = s.deleteRange({ key: "foo1", range_end: "foo3", prev_kv: true });
  assert.is(d.deleted, 2);
  assert.is(d.header.revision, 6);
  assert.equal(d.prev_kvs, [kv("foo1", 3, 3, 1, "1"), kv("foo2", 4, 4, 1, "2")]);
  assert.equal(s.range({ key: "foo1", revision: 5 }).kvs, [kv("foo1", 3, 3, 1, "1")], "readable before the delete");
  const none = s.deleteRange({ key: "foo1", range_end: "foo3", prev_kv: true });
  assert.equal({ deleted: none.deleted, rev: none.header.revision, prev: none.prev_kvs }, { deleted: 0, rev: 6, prev: [] });
  const all = s.deleteRange({ key: "\0", range_end: "\0" });
  assert.equal({ deleted: all.deleted, rev: all.header.revision }, { deleted: 2, rev: 7 });
  throwsEtcd(() => s.deleteRange({ key: "" }), GrpcCode.InvalidArgument, "etcdserver: key is not provided");
});

test("bytes: keys are bytes in byte order; Uint8Array accepted; text refused unless encoded", () => {
  const s = new MvccStore();
  s.put({ key: new Uint8Array([0x61, 0xff]), value: new Uint8Array([0, 1, 2]) });
  s.put({ key: "a\x80", value: "x" });
  s.put({ key: utf8("é"), value: utf8("ünï") });
  const keys = s.range({ key: "\0", range_end: "\0" }).kvs.map((k) => k.key);
  assert.equal(keys, ["a\x80", "a\xff", "\xc3\xa9"], "byte order, not UTF-16 order of text");
  assert.is(text(s.range({ key: utf8("é") }).kvs[0].value), "ünï");
  assert.is(s.range({ key: "a\xff" }).kvs[0].value, "\x00\x01\x02");
  throwsEtcd(() => s.put({ key: "€", value: "x" }), GrpcCode.InvalidArgument, 'kubelab: key is not a byte string (character "€" at 0 is above \\xff); encode text with utf8()');
});

test("bad input from JS callers: clear InvalidArgument, nothing stored", () => {
  const s = new MvccStore();
  const bad: [string, () => unknown][] = [
    ["limit not an integer", () => s.range({ key: "a", limit: 1.5 })],
    ["revision a string", () => s.range({ key: "a", revision: "3" as unknown as number })],
    ["sort order unknown", () => s.range({ key: "a", sort_order: "UP" as never })],
    ["lease NaN", () => s.put({ key: "a", value: "b", lease: NaN })],
    ["request not an object", () => s.put(null as never)],
  ];
  for (const [name, fn] of bad) {
    try {
      fn();
      assert.unreachable(name);
    } catch (err) {
      assert.instance(err, EtcdError, name);
      assert.is((err as EtcdError).code, GrpcCode.InvalidArgument, name);
      assert.match((err as EtcdError).message, /^kubelab: /, name);
    }
  }
  assert.is(s.rev, 1);
});

test.run();
