// Watch (reference §2.8).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MvccStore, WATCH_BATCH_MAX_REVS } from "../../src/etcd/mvcc";
import type { WatchResponse } from "../../src/etcd/mvcc";

/** A compact view of responses: [watch_id, header revision, flags, events as "TYPE key@rev(prev@rev)"]. */
function show(rs: WatchResponse[]): string[] {
  return rs.map((r) => {
    const flags = [r.created && "created", r.canceled && "canceled", r.compact_revision && `compact=${r.compact_revision}`, r.cancel_reason]
      .filter(Boolean)
      .join(",");
    const evs = r.events.map((e) => `${e.type} ${e.kv.key}@${e.kv.mod_revision}${e.type === "PUT" ? "=" + e.kv.value : ""}${e.prev_kv ? `(prev ${e.prev_kv.value}@${e.prev_kv.mod_revision})` : ""}`);
    return `#${r.watch_id} rev=${r.header.revision}${flags ? " " + flags : ""}${evs.length ? " " + evs.join(" ") : ""}`;
  });
}

function history(): MvccStore {
  const s = new MvccStore();
  s.put({ key: "w1", value: "a" }); // 2
  s.put({ key: "w2", value: "b" }); // 3
  s.put({ key: "w1", value: "c" }); // 4
  s.txn({ success: [{ request_put: { key: "w3", value: "d" } }, { request_delete_range: { key: "w1" } }] }); // 5
  s.put({ key: "x", value: "e" }); // 6
  return s;
}

test("§2.8 created first (header = current revision), then history from start_revision in one response", () => {
  const s = history();
  const w = s.watchStream();
  assert.is(w.watch({ key: "w", range_end: "x", start_revision: 3, prev_kv: true }), 0);
  assert.equal(show(w.drain()), [
    "#0 rev=6 created",
    "#0 rev=6 PUT w2@3=b PUT w1@4=c(prev a@2) PUT w3@5=d DELETE w1@5(prev c@4)",
  ]);
});

test("§2.8 live events: one response per revision, txn op order, DELETE carries key and mod_revision only", () => {
  const s = new MvccStore();
  const w = s.watchStream();
  w.watch({ key: "\0", range_end: "\0" });
  s.put({ key: "a", value: "1" });
  s.txn({ success: [{ request_put: { key: "b", value: "2" } }, { request_delete_range: { key: "a" } }] });
  s.range({ key: "a" });
  s.deleteRange({ key: "nothing" });
  const rs = w.drain();
  assert.equal(show(rs), ["#0 rev=1 created", "#0 rev=2 PUT a@2=1", "#0 rev=3 PUT b@3=2 DELETE a@3"]);
  assert.equal(rs[2].events[1].kv, { key: "a", create_revision: 0, mod_revision: 3, version: 0, value: "", lease: 0 });
});

test("§2.8 key, range and prefix watches; start 0 means next revision; future start waits", () => {
  const s = history();
  const w = s.watchStream();
  w.watch({ key: "w1" }); // 0: single key from 7
  w.watch({ key: "w", range_end: "w3" }); // 1: [w, w3)
  w.watch({ key: "", range_end: "\0" }); // 2: empty key = "\0": everything
  w.watch({ key: "x", start_revision: 9 }); // 3: future
  w.drain();
  s.put({ key: "w1", value: "f" }); // 7
  s.put({ key: "w3", value: "g" }); // 8
  s.put({ key: "x", value: "h" }); // 9
  assert.equal(show(w.drain()), [
    "#0 rev=7 PUT w1@7=f",
    "#1 rev=7 PUT w1@7=f",
    "#2 rev=7 PUT w1@7=f",
    "#2 rev=8 PUT w3@8=g",
    "#2 rev=9 PUT x@9=h",
    "#3 rev=9 PUT x@9=h",
  ]);
});

test("§2.8 filters NOPUT/NODELETE; a response with every event filtered is not sent", () => {
  const s = history();
  const w = s.watchStream();
  w.watch({ key: "w", range_end: "x", start_revision: 2, filters: ["NOPUT"] });
  w.watch({ key: "w", range_end: "x", start_revision: 2, filters: ["NODELETE"] });
  assert.equal(show(w.drain()), [
    "#0 rev=6 created",
    "#0 rev=6 DELETE w1@5",
    "#1 rev=6 created",
    "#1 rev=6 PUT w1@2=a PUT w2@3=b PUT w1@4=c PUT w3@5=d",
  ]);
  s.put({ key: "w2", value: "z" });
  assert.equal(show(w.drain()), ["#1 rev=7 PUT w2@7=z"]);
});

test("§2.8 compaction: start before it is cancelled with compact_revision and no header revision; at it is fine", () => {
  const s = history();
  s.compact({ revision: 4 });
  const w = s.watchStream();
  w.watch({ key: "w", range_end: "x", start_revision: 3 });
  w.watch({ key: "w", range_end: "x", start_revision: 4, prev_kv: true });
  const rs = w.drain();
  assert.equal(show(rs), [
    "#0 rev=6 created",
    "#0 rev=0 canceled,compact=4",
    "#1 rev=6 created",
    // prev_kv of the event at 4 would be at 3 < 4: compacted, so omitted.
    "#1 rev=6 PUT w1@4=c PUT w3@5=d DELETE w1@5(prev c@4)",
  ]);
  // The compacted watch still holds its ID until cancelled (etcd answers the cancel).
  assert.equal(w.ids(), [0, 1]);
  assert.is(w.cancel(0), true);
  assert.equal(show(w.drain()), ["#0 rev=6 canceled"]);
});

test("§2.8 quirk: a tombstone at the compaction point is gone, so a watch from there misses that delete", () => {
  const s = new MvccStore();
  s.put({ key: "t", value: "1" }); // 2
  s.deleteRange({ key: "t" }); // 3
  s.put({ key: "t", value: "2" }); // 4
  s.compact({ revision: 3 });
  const w = s.watchStream();
  w.watch({ key: "t", start_revision: 3 });
  assert.equal(show(w.drain()), ["#0 rev=4 created", "#0 rev=4 PUT t@4=2"]);
});

test("§2.8 watch IDs: auto from 0 per stream, explicit IDs, duplicates and empty ranges refused", () => {
  const s = history();
  const w = s.watchStream();
  w.watch({ key: "a" }); // 0
  w.watch({ key: "a", watch_id: 7 }); // 7
  w.watch({ key: "a", watch_id: 7 }); // duplicate
  w.watch({ key: "a" }); // 1
  w.watch({ key: "b", range_end: "a" }); // empty range
  w.watch({ key: "b", range_end: "b" }); // empty range
  assert.equal(show(w.drain()), [
    "#0 rev=6 created",
    "#7 rev=6 created",
    "#-1 rev=6 created,canceled,mvcc: duplicate watch ID provided on the WatchStream",
    "#1 rev=6 created",
    "#-1 rev=6 created,canceled,mvcc: watcher range is empty",
    "#-1 rev=6 created,canceled,mvcc: watcher range is empty",
  ]);
  const other = s.watchStream();
  assert.is(other.watch({ key: "a" }), 0, "IDs are per stream");
  assert.is(w.cancel(7), true);
  assert.is(w.cancel(70), false, "unknown ID: no answer");
  assert.equal(show(w.drain()), ["#7 rev=6 canceled"]);
  s.put({ key: "a", value: "1" });
  assert.equal(show(w.drain()), ["#0 rev=7 PUT a@7=1", "#1 rev=7 PUT a@7=1"]);
  w.close();
  s.put({ key: "a", value: "2" });
  assert.equal(w.drain(), []);
});

test("§2.8 progress: a progress request answers watch_id -1; ticks notify quiet progress_notify watchers", () => {
  const s = new MvccStore();
  const w = s.watchStream();
  w.watch({ key: "p", progress_notify: true }); // 0
  w.watch({ key: "q", progress_notify: true }); // 1
  w.watch({ key: "r" }); // 2: no progress_notify
  w.drain();
  w.requestProgress();
  assert.equal(show(w.drain()), ["#-1 rev=1"]);
  w.progressTick();
  assert.equal(show(w.drain()), ["#0 rev=1", "#1 rev=1"]);
  s.put({ key: "p", value: "1" }); // 2
  w.progressTick();
  assert.equal(show(w.drain()), ["#0 rev=2 PUT p@2=1", "#1 rev=2"], "a watcher that got events skips one notification");
  w.progressTick();
  assert.equal(show(w.drain()), ["#0 rev=2", "#1 rev=2"]);
});

test("§2.8 lease revoke deletes show as DELETE events at one revision, keys in order", () => {
  const s = new MvccStore();
  s.leaseGrant({ ID: 5, TTL: 60 });
  s.put({ key: "e2", value: "x", lease: 5 });
  s.put({ key: "e1", value: "y", lease: 5 });
  const w = s.watchStream();
  w.watch({ key: "e", range_end: "f" });
  w.drain();
  s.leaseRevoke({ ID: 5 });
  assert.equal(show(w.drain()), ["#0 rev=4 DELETE e1@4 DELETE e2@4"]);
});

test("§2.8 history replay is batched at 1000 revisions per response", () => {
  const s = new MvccStore();
  for (let i = 0; i < WATCH_BATCH_MAX_REVS + 5; i++) s.put({ key: "h", value: String(i) });
  const w = s.watchStream();
  w.watch({ key: "h", start_revision: 1 });
  const rs = w.drain();
  assert.equal(rs.map((r) => r.events.length), [0, WATCH_BATCH_MAX_REVS, 5]);
  assert.equal(rs.map((r) => r.header.revision), [s.rev, s.rev, s.rev]);
});

test("a sink receives responses synchronously instead of the queue", () => {
  const s = new MvccStore();
  const got: WatchResponse[] = [];
  const w = s.watchStream((r) => got.push(r));
  w.watch({ key: "k" });
  s.put({ key: "k", value: "v" });
  assert.equal(show(got), ["#0 rev=1 created", "#0 rev=2 PUT k@2=v"]);
  assert.equal(w.drain(), []);
});

test.run();
