// Leases on the virtual clock (reference §2.9).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EtcdError, GrpcCode, MvccStore, MAX_LEASE_TTL, EXPIRED_LEASE_RETRY_MS } from "../../src/etcd/mvcc";

function error(fn: () => unknown): [number, string] | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (err instanceof EtcdError) return [err.code, err.message];
    throw err;
  }
}

test("§2.9 grant: minimum TTL, explicit and allocated IDs, errors", () => {
  const s = new MvccStore();
  const cases: [string, { ID?: number; TTL: number }, { ID: number; TTL: number } | [number, string]][] = [
    ["TTL 0 is raised to the minimum (2 s)", { ID: 5, TTL: 0 }, { ID: 5, TTL: 2 }],
    ["TTL 1 too", { ID: 6, TTL: 1 }, { ID: 6, TTL: 2 }],
    ["negative TTL too", { ID: 8, TTL: -10 }, { ID: 8, TTL: 2 }],
    ["negative IDs are IDs", { ID: -3, TTL: 60 }, { ID: -3, TTL: 60 }],
    ["the maximum TTL", { ID: 9, TTL: MAX_LEASE_TTL }, { ID: 9, TTL: MAX_LEASE_TTL }],
    ["above the maximum", { ID: 10, TTL: MAX_LEASE_TTL + 1 }, [GrpcCode.OutOfRange, "etcdserver: too large lease TTL"]],
    ["duplicate ID", { ID: 5, TTL: 60 }, [GrpcCode.FailedPrecondition, "etcdserver: lease already exists"]],
    ["ID 0: allocated", { TTL: 60 }, { ID: 1, TTL: 60 }],
    ["ID 0 again: next free", { ID: 0, TTL: 60 }, { ID: 2, TTL: 60 }],
  ];
  for (const [name, req, want] of cases) {
    const e = error(() => s.leaseGrant(req));
    if (Array.isArray(want)) assert.equal(e, want, name);
    else {
      assert.is(e, null, name);
      const l = s.lessor.lookup(want.ID)!;
      assert.equal({ ID: l.ID, TTL: l.ttl }, want, name);
    }
  }
  assert.is(s.rev, 1, "grants do not change the revision");
  assert.equal(s.leaseGrant({ ID: 3, TTL: 60 }).header.revision, 1);
});

test("§2.9 keys attach by put, detach by put without lease / delete; revoke deletes them in one revision", () => {
  const s = new MvccStore();
  s.leaseGrant({ ID: 100, TTL: 600 });
  s.leaseGrant({ ID: 200, TTL: 600 });
  s.put({ key: "l1", value: "a", lease: 100 }); // 2
  s.put({ key: "l2", value: "b", lease: 100 }); // 3
  s.put({ key: "l3", value: "c", lease: 100 }); // 4
  s.put({ key: "l3", value: "c2" }); // 5: detached
  s.put({ key: "l4", value: "d", lease: 100 }); // 6
  s.put({ key: "l4", value: "d2", lease: 200 }); // 7: moved to 200
  s.put({ key: "l5", value: "e", lease: 100 }); // 8
  s.deleteRange({ key: "l5" }); // 9: detached by delete
  assert.equal(s.leaseTimeToLive({ ID: 100, keys: true }).keys, ["l1", "l2"]);
  assert.equal(s.leaseTimeToLive({ ID: 100 }).keys, [], "keys only when asked");
  const r = s.leaseRevoke({ ID: 100 });
  assert.is(r.header.revision, 10);
  assert.equal(s.range({ key: "l", range_end: "m" }).kvs.map((k) => k.key), ["l3", "l4"]);
  assert.equal(s.range({ key: "l1", revision: 9 }).kvs.length, 1, "history keeps them");
  assert.equal(error(() => s.leaseRevoke({ ID: 100 })), [GrpcCode.NotFound, "etcdserver: requested lease not found"]);
  assert.is(s.leaseRevoke({ ID: 200 }).header.revision, 11);
  s.leaseGrant({ ID: 300, TTL: 60 });
  assert.is(s.leaseRevoke({ ID: 300 }).header.revision, 11, "revoking a lease without keys does not bump");
});

test("§2.9 time-to-live, keep-alive and the lease list on the leader's virtual clock", () => {
  const s = new MvccStore();
  s.leaseGrant({ ID: 1, TTL: 60 }, { nowMs: 1000 });
  s.leaseGrant({ ID: 2, TTL: 10 }, { nowMs: 1000 });
  const ttl = (id: number, nowMs: number) => s.leaseTimeToLive({ ID: id }, { nowMs }).TTL;
  const cases: [string, number, number, number][] = [
    ["right after the grant: full TTL", 1, 1000, 60],
    ["1 ms later: 59 (truncated)", 1, 1001, 59],
    ["30.5 s later: 29.5 s left, 29", 1, 31500, 29],
    ["unknown lease: -1, not an error", 99, 5000, -1],
  ];
  for (const [name, id, now, want] of cases) assert.is(ttl(id, now), want, name);
  assert.equal(s.leaseTimeToLive({ ID: 1 }, { nowMs: 1000 }).grantedTTL, 60);
  const ka = s.leaseKeepAlive({ ID: 1 }, { nowMs: 40000 });
  assert.equal({ ID: ka.ID, TTL: ka.TTL }, { ID: 1, TTL: 60 }, "keep-alive answers the granted TTL");
  assert.is(ttl(1, 40000), 60, "renewed from now");
  assert.equal(s.leaseKeepAlive({ ID: 99 }, { nowMs: 0 }).TTL, 0, "unknown lease: TTL 0, not an error");
  assert.equal(s.leaseLeases().leases, [{ ID: 2 }, { ID: 1 }], "ordered by deadline");
});

test("§2.9 expiry: the leader hands out expired leases; revoking them is the caller's write", () => {
  const s = new MvccStore();
  s.leaseGrant({ ID: 1, TTL: 5 }, { nowMs: 0 });
  s.leaseGrant({ ID: 2, TTL: 3 }, { nowMs: 0 });
  s.leaseGrant({ ID: 3, TTL: 3 }, { nowMs: 0 });
  s.put({ key: "e1", value: "x", lease: 1 });
  s.put({ key: "e2", value: "x", lease: 2 });
  assert.equal(s.lessor.expired(2999), []);
  assert.equal(s.lessor.expired(3000), [2, 3], "oldest deadline first, then ID");
  assert.equal(s.lessor.expired(3500), [], "offered once...");
  assert.equal(s.lessor.expired(3000 + EXPIRED_LEASE_RETRY_MS), [2, 3, 1], "...and again if not revoked in time");
  assert.equal(s.leaseKeepAlive({ ID: 1 }, { nowMs: 6000 }).TTL, 0, "an expired lease cannot be renewed");
  for (const id of [2, 3, 1]) s.apply({ type: "leaseRevoke", request: { ID: id } });
  assert.equal(s.range({ key: "e", range_end: "f" }).kvs, []);
  assert.equal(s.lessor.expired(100000), []);
});

test("§2.9 followers never expire leases; promotion restarts every deadline", () => {
  const s = new MvccStore({ primary: false });
  s.leaseGrant({ ID: 1, TTL: 5 }, { nowMs: 0 });
  assert.equal(s.lessor.expired(1e9), [], "follower: forever");
  assert.equal(error(() => s.lessor.renew(1, 0)), [GrpcCode.Unavailable, "not a primary lessor"]);
  assert.is(s.leaseTimeToLive({ ID: 1 }).TTL, 9223372036, "a follower's local view is 'forever'");
  s.lessor.promote(10_000, 1000);
  assert.equal(s.lessor.expired(15_999), []);
  assert.equal(s.lessor.expired(16_000), [1], "now + extend + TTL");
  s.lessor.demote();
  assert.equal(s.lessor.expired(1e9), []);
});

test("§2.9 keep-alive, TTL and lease list are not log entries; grant and revoke are", () => {
  const s = new MvccStore();
  const g = s.apply({ type: "leaseGrant", request: { ID: 0, TTL: 30 } }, { nowMs: 0 });
  assert.equal(g.ok && { ID: g.response.ID, TTL: g.response.TTL }, { ID: 1, TTL: 30 });
  const bad = s.apply({ type: "leaseRevoke", request: { ID: 42 } });
  assert.equal(bad, { type: "leaseRevoke", ok: false, error: { code: 5, message: "etcdserver: requested lease not found" } });
});

test.run();
