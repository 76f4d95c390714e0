// Compaction (reference §2.7, §2.4; the cases of etcd's mvcc kv_test.go named below).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EtcdError, MvccStore } from "../../src/etcd/mvcc";

const COMPACTED = "etcdserver: mvcc: required revision has been compacted";
const FUTURE = "etcdserver: mvcc: required revision is a future revision";

function error(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (err instanceof EtcdError) return err.message;
    throw err;
  }
}

test("§2.7 TestKVCompactReserveLastValue: the last value at or before the compaction point survives", () => {
  const s = new MvccStore();
  s.leaseGrant({ ID: 1, TTL: 600 });
  s.put({ key: "foo", value: "bar0", lease: 1 }); // 2
  s.put({ key: "foo", value: "bar1" }); // 3
  s.deleteRange({ key: "foo" }); // 4
  s.put({ key: "foo", value: "bar2" }); // 5
  const cases: [number, { value: string; create: number; version: number; lease: number } | null][] = [
    [1, { value: "bar0", create: 2, version: 1, lease: 1 }],
    [2, { value: "bar1", create: 2, version: 2, lease: 0 }],
    [3, null],
    [4, { value: "bar2", create: 5, version: 1, lease: 0 }],
  ];
  for (const [rev, want] of cases) {
    s.compact({ revision: rev });
    const kvs = s.range({ key: "foo", revision: rev + 1 }).kvs;
    const got = kvs.length ? { value: kvs[0].value, create: kvs[0].create_revision, version: kvs[0].version, lease: kvs[0].lease } : null;
    assert.equal(got, want, `after compact(${rev}), range at ${rev + 1}`);
  }
});

test("§2.7 TestKVCompactBad: at or before the compaction point, and future revisions, fail", () => {
  const s = new MvccStore();
  s.put({ key: "foo", value: "bar0" }); // 2
  s.put({ key: "foo", value: "bar1" }); // 3
  s.put({ key: "foo", value: "bar2" }); // 4
  const cases: [number, string | null][] = [
    [0, null],
    [1, null],
    [1, COMPACTED],
    [4, null],
    [5, FUTURE],
    [100, FUTURE],
  ];
  for (const [rev, want] of cases) assert.is(error(() => s.compact({ revision: rev })), want, `compact(${rev})`);
  assert.is(s.rev, 4, "compaction does not change the revision");
});

test("§2.7 quirk: before any compaction the compaction point is -1, so compact(0) works once", () => {
  const s = new MvccStore();
  assert.is(s.compactRev, -1);
  assert.is(error(() => s.compact({ revision: -5 })), COMPACTED);
  assert.is(error(() => s.compact({ revision: 0 })), null);
  assert.is(error(() => s.compact({ revision: 0 })), COMPACTED);
});

test("§2.4 TestKVRangeBadRev: after Compact(4) on a store at 4", () => {
  const s = new MvccStore();
  s.put({ key: "foo", value: "bar" }); // 2
  s.put({ key: "foo1", value: "bar1" }); // 3
  s.put({ key: "foo2", value: "bar2" }); // 4
  s.compact({ revision: 4 });
  const cases: [number, string | null][] = [
    [-1, null],
    [0, null],
    [1, COMPACTED],
    [2, COMPACTED],
    [4, null],
    [5, FUTURE],
    [100, FUTURE],
  ];
  for (const [rev, want] of cases) assert.is(error(() => s.range({ key: "foo", range_end: "foo3", revision: rev })), want, `range at ${rev}`);
});

test("§2.7 a key deleted before the compaction point vanishes from history; live keys keep their versions", () => {
  const s = new MvccStore();
  s.put({ key: "gone", value: "1" }); // 2
  s.put({ key: "live", value: "1" }); // 3
  s.put({ key: "live", value: "2" }); // 4
  s.deleteRange({ key: "gone" }); // 5
  s.put({ key: "live", value: "3" }); // 6
  s.compact({ revision: 5 });
  assert.equal(s.range({ key: "gone", revision: 5 }).kvs, []);
  assert.equal(
    s.range({ key: "live", revision: 5 }).kvs.map((k) => [k.value, k.version, k.create_revision, k.mod_revision]),
    [["2", 2, 3, 4]],
  );
  assert.equal(s.range({ key: "live" }).kvs.map((k) => [k.value, k.version]), [["3", 3]]);
  // Compaction is also what a snapshot carries: a restored store answers the same.
  const r = MvccStore.restore(s.snapshot());
  assert.equal(r.range({ key: "live", revision: 5 }).kvs, s.range({ key: "live", revision: 5 }).kvs);
  assert.is(error(() => r.range({ key: "live", revision: 4 })), COMPACTED);
});

test.run();
