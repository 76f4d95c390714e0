// The shared informer against a fake API (test/client/fake-api.ts). Each test cites the
// client-go behaviour it pins [client-go@1.32 tools/cache/...].

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Simulation } from "../../src/sim/index";
import { DeletedFinalStateUnknown, DeltaFIFO, Indexer, metaNamespaceKeyFunc, SharedIndexInformer } from "../../src/client/index";
import { FakeApi, Obj } from "./fake-api";

type Ev = { t: number; h: string; type: "add" | "update" | "delete"; key: string; rv?: string; oldRv?: string; initial?: boolean; tombstone?: boolean; same?: boolean };

function setup(opts: { seed?: number; pageSize?: number; resyncPeriod?: string | number } = {}) {
  const sim = new Simulation({ seed: opts.seed ?? 1 });
  const api = new FakeApi(sim);
  const informer = new SharedIndexInformer<Obj>(sim, api.lw, { name: "configmaps", pageSize: opts.pageSize, resyncPeriod: opts.resyncPeriod });
  const events: Ev[] = [];
  const recorder = (h: string) => ({
    onAdd: (o: Obj, initial: boolean) => events.push({ t: sim.now, h, type: "add", key: `${o.metadata.namespace}/${o.metadata.name}`, rv: o.metadata.resourceVersion, initial }),
    onUpdate: (a: Obj, b: Obj) => events.push({ t: sim.now, h, type: "update", key: `${b.metadata.namespace}/${b.metadata.name}`, oldRv: a.metadata.resourceVersion, rv: b.metadata.resourceVersion, same: a === b }),
    onDelete: (o: Obj | DeletedFinalStateUnknown<Obj>) =>
      o instanceof DeletedFinalStateUnknown
        ? events.push({ t: sim.now, h, type: "delete", key: o.key, rv: o.obj.metadata.resourceVersion, tombstone: true })
        : events.push({ t: sim.now, h, type: "delete", key: `${o.metadata.namespace}/${o.metadata.name}`, rv: o.metadata.resourceVersion, tombstone: false }),
  });
  return { sim, api, informer, events, recorder };
}

const keys = (informer: SharedIndexInformer<Obj>) => informer.indexer.listKeys().sort();

test("initial list then watch from the list's resourceVersion [reflector.go ListAndWatch]", () => {
  const { sim, api, informer, events, recorder } = setup();
  api.create("a");
  api.create("b");
  api.create("c");
  informer.addEventHandler(recorder("h"));
  informer.run();
  assert.is(informer.hasSynced(), false, "not synced before the list answers");
  sim.runFor("10ms");
  assert.ok(informer.hasSynced());
  // First list: resourceVersion "0" (any, may come from the watch cache), paginated by 500.
  assert.equal(api.listCalls, [{ resourceVersion: "0", limit: 500 }]);
  assert.is(api.watchCalls.length, 1);
  const w = api.watchCalls[0];
  assert.is(w.resourceVersion, "4", "watch starts at the list's RV");
  assert.is(w.allowWatchBookmarks, true);
  // timeoutSeconds = minWatchTimeout (5 min) × [1, 2)
  assert.ok(w.timeoutSeconds! >= 300 && w.timeoutSeconds! < 600, `timeoutSeconds ${w.timeoutSeconds}`);
  assert.equal(events.map((e) => [e.type, e.key, e.initial]), [
    ["add", "default/a", true],
    ["add", "default/b", true],
    ["add", "default/c", true],
  ]);
  assert.is(informer.lastSyncResourceVersion(), "4");
});

test("hasSynced: true after an empty first list too [delta_fifo.go HasSynced: populated && initialPopulationCount == 0]", () => {
  const { sim, informer } = setup();
  informer.run();
  assert.is(informer.hasSynced(), false);
  sim.runFor("5ms");
  assert.is(informer.hasSynced(), true);
});

test("adds, updates and deletes from the watch reach the cache and the handlers in order", () => {
  const { sim, api, informer, events, recorder } = setup();
  api.create("a");
  api.create("b");
  informer.addEventHandler(recorder("h"));
  informer.run();
  sim.runFor("10ms");
  events.length = 0;
  api.update("default/a", (o) => (o.spec = { v: 2 }));
  api.delete("default/b");
  api.create("c");
  sim.runFor("10ms");
  assert.equal(events.map((e) => [e.type, e.key, e.oldRv ?? "", e.rv, e.initial ?? e.tombstone ?? ""]), [
    ["update", "default/a", "2", "4", ""],
    ["delete", "default/b", "", "5", false], // the final state, not a tombstone
    ["add", "default/c", "", "6", false],
  ]);
  assert.equal(keys(informer), ["default/a", "default/c"]);
  assert.equal(informer.indexer.getByKey("default/a")!.spec, { v: 2 });
  assert.is(informer.lastSyncResourceVersion(), "6");
});

test("handlers are called synchronously, in the order they were added", () => {
  const { sim, api, informer, events, recorder } = setup();
  informer.addEventHandler(recorder("first"));
  informer.addEventHandler(recorder("second"));
  informer.run();
  sim.runFor("5ms");
  api.create("a");
  api.create("b");
  sim.runFor("5ms");
  assert.equal(events.map((e) => `${e.h}:${e.key}`), ["first:default/a", "second:default/a", "first:default/b", "second:default/b"]);
});

test("a handler added after start is replayed every cached object as an add [shared_informer.go AddEventHandlerWithResyncPeriod]", () => {
  const { sim, api, informer, events, recorder } = setup();
  api.create("a");
  api.create("b");
  informer.run();
  sim.runFor("5ms");
  const reg = informer.addEventHandler(recorder("late"));
  assert.ok(reg.hasSynced());
  assert.equal(events.map((e) => [e.h, e.type, e.key, e.initial]), [
    ["late", "add", "default/a", true],
    ["late", "add", "default/b", true],
  ]);
});

test("410 Gone on watch: back off, re-list at the last RV, Replace emits tombstones for vanished objects [reflector.go, delta_fifo.go Replace]", () => {
  const { sim, api, informer, events, recorder } = setup();
  api.create("a");
  api.create("b");
  api.create("keep");
  informer.addEventHandler(recorder("h"));
  informer.run();
  sim.runFor("2s"); // a watch that ends within 1 s with no events is an error of its own (see below)
  const rvBefore = informer.lastSyncResourceVersion();
  events.length = 0;
  // The stream stalls; meanwhile a is deleted, b updated, c created; the history is compacted.
  api.deliver = false;
  api.delete("default/a");
  api.update("default/b", (o) => (o.spec = { v: 2 }));
  api.create("c");
  api.compact();
  api.closeWatches();
  sim.runFor("5s");
  // The re-watch from the old RV got ERROR 410; then a back-off in [0.8 s, 1.6 s) and a re-list.
  assert.is(api.watchCalls[1].resourceVersion, rvBefore);
  assert.is(api.listCalls.length, 2);
  // client-go re-lists at the last RV first ("not older than"), and unpaginated so the watch cache can serve it.
  assert.equal(api.listCalls[1], { resourceVersion: rvBefore });
  const backoff = sim.trace.rows({ component: "reflector", kind: "backoff" });
  assert.is(backoff.length, 1);
  assert.is(backoff[0].code, 410);
  const gap = api.listTimes[1] - backoff[0].t;
  assert.ok(gap >= 800 && gap < 1600, `relist ${gap} ms after the 410`);
  // keep is unchanged (same RV): a relist update with the same RV is a sync, not delivered to a
  // handler that did not ask for resyncs [shared_informer.go OnUpdate isSync].
  assert.equal(events.map((e) => [e.type, e.key, e.tombstone ?? ""]), [
    ["update", "default/b", ""],
    ["add", "default/c", ""],
    ["delete", "default/a", true],
  ]);
  assert.equal(keys(informer), ["default/b", "default/c", "default/keep"]);
  assert.is(api.watchCalls[api.watchCalls.length - 1].resourceVersion, String(api.rev), "then watches from the new list's RV");
});

test("a re-list whose RV is compacted too (no watch cache) retries at once with resourceVersion \"\" [reflector.go list: isExpiredError → relistResourceVersion]", () => {
  const { sim, api, informer } = setup();
  api.exactListRV = true;
  api.create("a");
  informer.run();
  sim.runFor("2s");
  api.deliver = false;
  api.create("b");
  api.compact();
  api.closeWatches();
  sim.runFor("5s");
  const rvs = api.listCalls.map((c) => c.resourceVersion);
  assert.equal(rvs, ["0", "2", ""]);
  assert.is(api.listTimes[2] - api.listTimes[1], 1, "no back-off between the two (1 ms is the fake's latency)");
  assert.equal(keys(informer), ["default/a", "default/b"]);
});

test("a closed watch is re-opened from the last RV seen: no re-list, no duplicate, no gap", () => {
  const { sim, api, informer, events, recorder } = setup();
  informer.addEventHandler(recorder("h"));
  informer.run();
  sim.runFor("10ms");
  const written: string[] = [];
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 3; i++) {
      const o = api.create(`o${round}-${i}`);
      written.push(o.metadata.resourceVersion);
      sim.runFor("400ms");
    }
    // A write that races the close: sent before the stream ends, must arrive exactly once.
    api.update(`default/o${round}-0`, (o) => (o.spec = { round }));
    written.push(String(api.rev));
    api.closeWatches();
    sim.runFor("500ms");
  }
  sim.runFor("2s");
  assert.is(api.listCalls.length, 1, "never re-listed");
  assert.equal(events.map((e) => e.rv), written, "every write once, in order");
  // Each re-watch started at the RV of the last event before the close.
  const watchRVs = api.watchCalls.map((w) => w.resourceVersion);
  assert.equal(watchRVs, ["1", written[3], written[7], written[11], written[15], written[19]]);
});

test("a bookmark moves the RV a re-watch starts from [reflector.go watchHandler BOOKMARK]", () => {
  const { sim, api, informer } = setup();
  api.create("a");
  informer.run();
  sim.runFor("10ms");
  api.bumpRevision();
  api.bumpRevision();
  sim.runFor("2s");
  api.bookmark();
  sim.runFor("10ms");
  assert.is(informer.lastSyncResourceVersion(), "4");
  api.closeWatches();
  sim.runFor("10ms");
  assert.is(api.watchCalls[1].resourceVersion, "4");
});

test("a stream that never ends is cut at its own timeoutSeconds (+1 s) and re-opened from the last RV", () => {
  const { sim, api, informer } = setup();
  api.honorTimeout = false;
  api.create("a");
  informer.run();
  sim.runFor("10ms");
  const t0 = api.watchCalls[0].timeoutSeconds!;
  sim.runFor(t0 * 1000 + 500);
  assert.is(api.watchCalls.length, 1, "still the first watch at timeoutSeconds + 0.5 s");
  sim.runFor("1s");
  assert.is(api.watchCalls.length, 2);
  assert.is(api.watchCalls[1].resourceVersion, "2");
  assert.is(api.listCalls.length, 1);
  assert.is(sim.trace.rows({ component: "reflector", kind: "watch-deadline" }).length, 1);
});

test("a watch that closes at once with nothing is an error: back off and re-list [reflector.go: very short watch]", () => {
  const { sim, api, informer } = setup();
  informer.run();
  sim.runFor("5ms");
  api.closeWatches();
  sim.runFor("5s");
  assert.is(api.listCalls.length, 2);
  const b = sim.trace.rows({ component: "reflector", kind: "backoff" });
  assert.is(b[0].reason, "VeryShortWatch");
});

test("429 on watch: back off and watch again from the same RV, no re-list [reflector.go IsTooManyRequests]", () => {
  const { sim, api, informer } = setup();
  api.create("a");
  informer.run();
  sim.runFor("10ms");
  api.failWatches.push({ code: 429, reason: "TooManyRequests", message: "slow down" });
  sim.runFor("2s");
  api.closeWatches();
  sim.runFor("10s");
  assert.is(api.listCalls.length, 1);
  assert.equal(api.watchCalls.map((w) => w.resourceVersion), ["2", "2", "2"]);
});

test("list errors back off 800 ms · 2^n with jitter up to 30 s (then [30 s, 60 s)) [reflector.go NewExponentialBackoffManager(800ms, 30s, 2m, 2.0, 1.0)]", () => {
  const { sim, api, informer } = setup();
  for (let i = 0; i < 10; i++) api.failLists.push({ code: 500, reason: "InternalError", message: "etcd unavailable" });
  informer.run();
  sim.runFor("10m");
  const gaps = api.listTimes.slice(1).map((t, i) => t - api.listTimes[i] - 1); // minus the fake's 1 ms latency
  const ranges = [[800, 1600], [1600, 3200], [3200, 6400], [6400, 12800], [12800, 25600], [25600, 51200], [30000, 60000], [30000, 60000], [30000, 60000], [30000, 60000]];
  assert.is(gaps.length, 10);
  gaps.forEach((g, i) => assert.ok(g >= ranges[i][0] && g < ranges[i][1], `gap ${i}: ${g} not in [${ranges[i]})`));
  assert.ok(informer.hasSynced(), "the 11th list succeeds");
});

test("back-off resets after 2 min without one [wait.exponentialBackoffManagerImpl resetDuration]", () => {
  const { sim, api, informer } = setup();
  api.failLists.push({ code: 500 }, { code: 500 }, { code: 500 });
  informer.run();
  sim.runFor("1m");
  assert.ok(informer.hasSynced());
  sim.runFor("3m");
  const before = api.listTimes.length;
  api.failLists.push({ code: 500 });
  api.closeWatches();
  api.failWatches.push({ code: 500, message: "boom" });
  sim.runFor("2m");
  // the watch failed 500 → relist after a back-off that starts again at [0.8, 1.6) s
  const gap = api.listTimes[before] - api.listTimes[before - 1];
  assert.ok(gap > 0);
  const b = sim.trace.rows({ component: "reflector", kind: "backoff" }).slice(3);
  assert.ok(b[0].delay as number >= 800 && (b[0].delay as number) < 1600, `first delay after reset: ${b[0].delay}`);
});

test("resync re-delivers onUpdate(obj, obj) for every cached object, only to handlers that asked [shared_informer.go shouldResync]", () => {
  const { sim, api, informer, events, recorder } = setup({ resyncPeriod: "30s" });
  api.create("a");
  api.create("b");
  informer.addEventHandler(recorder("resync"));
  informer.addEventHandlerWithResyncPeriod(recorder("never"), 0);
  informer.run();
  sim.runFor("10ms");
  events.length = 0;
  // keep the watch alive past the resyncs (the fake's watch timeout is ≥ 300 s)
  sim.runFor("61s");
  const resyncs = events.filter((e) => e.type === "update");
  assert.equal(resyncs.map((e) => [e.h, e.key, e.oldRv === e.rv, e.same]), [
    ["resync", "default/a", true, true],
    ["resync", "default/b", true, true],
    ["resync", "default/a", true, true],
    ["resync", "default/b", true, true],
  ]);
  assert.equal(resyncs.map((e) => Math.round(e.t / 1000)), [30, 30, 60, 60]);
});

test("resync periods below 1 s become 1 s; a faster handler before start speeds the check [shared_informer.go minimumResyncPeriod]", () => {
  const { sim, api, informer, events, recorder } = setup({ resyncPeriod: "1m" });
  api.create("a");
  informer.addEventHandlerWithResyncPeriod(recorder("fast"), "100ms");
  informer.addEventHandler(recorder("slow"));
  informer.run();
  sim.runFor("10ms");
  events.length = 0;
  sim.runFor("3s");
  assert.equal(events.map((e) => `${e.h}@${Math.floor(e.t / 1000)}`), ["fast@1", "fast@2", "fast@3"]);
});

test("kubelab's one deviation: on an informer with resync 0, a handler's period asked before start turns resync on", () => {
  const { sim, api, informer, events, recorder } = setup();
  api.create("a");
  informer.addEventHandlerWithResyncPeriod(recorder("h"), "30s");
  informer.run();
  sim.runFor("10ms");
  events.length = 0;
  sim.runFor("31s");
  assert.equal(events.map((e) => `${e.type} ${e.key}`), ["update default/a"]);
});

test("after a paginated first list, a re-list at the last RV stays paginated [reflector.go paginatedResult]", () => {
  const { sim, api, informer } = setup({ pageSize: 3 });
  for (let i = 0; i < 7; i++) api.create(`o${i}`);
  informer.run();
  sim.runFor("2s");
  api.deliver = false;
  api.delete("default/o0");
  api.compact();
  api.closeWatches();
  sim.runFor("5s");
  assert.equal(api.listCalls.slice(3), [
    { resourceVersion: "8", limit: 3 },
    { limit: 3, continue: "9:default/o3" },
  ]);
  assert.is(informer.indexer.size, 6);
});

test("pagination: pages of pageSize following continue; only the first page carries the RV [tools/pager]", () => {
  const { sim, api, informer, events, recorder } = setup({ pageSize: 3 });
  for (let i = 0; i < 7; i++) api.create(`o${i}`);
  informer.addEventHandler(recorder("h"));
  informer.run();
  sim.runFor("20ms");
  assert.equal(api.listCalls, [
    { resourceVersion: "0", limit: 3 },
    { limit: 3, continue: "8:default/o2" },
    { limit: 3, continue: "8:default/o5" },
  ]);
  assert.is(events.length, 7);
  assert.ok(informer.hasSynced());
  assert.is(api.watchCalls[0].resourceVersion, "8");
});

test("an expired continue token falls back to one full list at the requested RV [pager.go FullListIfExpired]", () => {
  const { sim, api, informer } = setup({ pageSize: 3 });
  for (let i = 0; i < 7; i++) api.create(`o${i}`);
  api.afterListPage = (opts) => {
    if (!opts.continue) {
      api.create("late");
      api.compact();
    }
  };
  informer.run();
  sim.runFor("20ms");
  api.afterListPage = undefined;
  assert.equal(api.listCalls, [
    { resourceVersion: "0", limit: 3 },
    { limit: 3, continue: "8:default/o2" },
    { resourceVersion: "0" },
  ]);
  assert.is(informer.indexer.size, 8);
  assert.ok(informer.hasSynced());
});

test("stop: no more calls, no more events; a stopped informer refuses to run again", () => {
  const { sim, api, informer, events, recorder } = setup();
  informer.addEventHandler(recorder("h"));
  informer.run();
  sim.runFor("10ms");
  informer.stop();
  api.create("a");
  api.closeWatches();
  sim.runFor("1m");
  assert.is(events.length, 0);
  assert.is(api.listCalls.length, 1);
  assert.is(api.watchCalls.length, 1);
  assert.throws(() => informer.run(), /cannot run again/);
  assert.throws(() => informer.addEventHandler({}), /stopped/);
});

test("listers over the informer's cache: namespace view and custom index", () => {
  const { sim, api, informer } = setup();
  informer.addIndexers({ byNode: (o: Obj) => (o.spec?.node ? [o.spec.node] : []) });
  api.create("a", "ns1", { app: "web" }, { node: "n1" });
  api.create("b", "ns1", { app: "db" }, { node: "n2" });
  api.create("c", "ns2", { app: "web" }, { node: "n1" });
  informer.run();
  sim.runFor("10ms");
  const lister = informer.lister();
  assert.equal(lister.list("app=web").map((o) => o.metadata.name), ["a", "c"]);
  assert.equal(lister.namespace("ns1").list().map((o) => o.metadata.name), ["a", "b"]);
  assert.is(lister.namespace("ns2").get("c")!.metadata.name, "c");
  assert.is(lister.namespace("ns2").get("a"), undefined);
  assert.equal(lister.byIndex("byNode", "n1").map((o) => o.metadata.name), ["a", "c"]);
  api.update("ns1/a", (o) => (o.spec.node = "n2"));
  sim.runFor("10ms");
  assert.equal(lister.byIndex("byNode", "n1").map((o) => o.metadata.name), ["c"]);
  assert.equal(lister.byIndex("byNode", "n2").map((o) => o.metadata.name).sort(), ["a", "b"]);
});

test("same seed, same run: the reflector's trace is identical", () => {
  const run = () => {
    const { sim, api, informer } = setup({ seed: 7 });
    api.failLists.push({ code: 500 }, { code: 500 });
    api.create("a");
    informer.run();
    sim.runFor("30s");
    api.deliver = false;
    api.create("b");
    api.compact();
    api.closeWatches();
    sim.runFor("30s");
    return JSON.stringify(sim.trace.rows({ component: "reflector" }));
  };
  assert.is(run(), run());
});

// ---- the DeltaFIFO alone [delta_fifo.go] ----

const o = (name: string, rv: string) => ({ metadata: { namespace: "ns", name, resourceVersion: rv } });
type O = ReturnType<typeof o>;
function popAll(f: DeltaFIFO<O>): string[] {
  const out: string[] = [];
  while (f.pop((ds, initial) => out.push(ds.map((d) => `${d.type}:${d.object instanceof DeletedFinalStateUnknown ? "tomb:" + d.object.key : (d.object as O).metadata.name + "@" + (d.object as O).metadata.resourceVersion}`).join(",") + (initial ? " (initial)" : "")))) {}
  return out;
}

test("DeltaFIFO: deltas of one key stay together, keys in first-seen order", () => {
  const f = new DeltaFIFO<O>(metaNamespaceKeyFunc, new Indexer<O>());
  f.add(o("a", "1"));
  f.add(o("b", "2"));
  f.update(o("a", "3"));
  assert.equal(popAll(f), ["Added:a@1,Updated:a@3", "Added:b@2"]);
});

test("DeltaFIFO: two deletes collapse, keeping the one that knows the final state [dedupDeltas]", () => {
  const known = new Indexer<O>();
  known.add(o("a", "1"));
  const f = new DeltaFIFO<O>(metaNamespaceKeyFunc, known);
  f.delete(new DeletedFinalStateUnknown("ns/a", o("a", "1")));
  f.delete(o("a", "2"));
  assert.equal(popAll(f), ["Deleted:a@2"]);
});

test("DeltaFIFO: delete of an object neither cached nor queued is dropped (the re-list already reported it)", () => {
  const f = new DeltaFIFO<O>(metaNamespaceKeyFunc, new Indexer<O>());
  f.delete(o("ghost", "9"));
  assert.is(f.length, 0);
});

test("DeltaFIFO: Replace = Replaced deltas + tombstones; hasSynced once all of the first are popped [Replace, HasSynced]", () => {
  const known = new Indexer<O>();
  known.add(o("gone", "1"));
  known.add(o("kept", "1"));
  const f = new DeltaFIFO<O>(metaNamespaceKeyFunc, known);
  assert.is(f.hasSynced(), false);
  f.replace([o("kept", "1"), o("new", "5")]);
  assert.is(f.hasSynced(), false);
  const got: string[] = [];
  f.pop((ds, initial) => got.push(`${ds[0].type} ${initial}`));
  assert.is(f.hasSynced(), false);
  assert.equal(popAll(f), ["Replaced:new@5 (initial)", "Deleted:tomb:ns/gone (initial)"]);
  assert.equal(got, ["Replaced true"]);
  assert.is(f.hasSynced(), true);
});

test("DeltaFIFO: Resync queues Sync for cached keys with nothing queued [syncKeyLocked]", () => {
  const known = new Indexer<O>();
  known.add(o("a", "1"));
  known.add(o("b", "1"));
  const f = new DeltaFIFO<O>(metaNamespaceKeyFunc, known);
  f.update(o("a", "2"));
  f.resync();
  assert.equal(popAll(f), ["Updated:a@2", "Sync:b@1"]);
});

test("a DELETED event for an object never seen reaches no handler", () => {
  const { sim, api, informer, events, recorder } = setup();
  informer.addEventHandler(recorder("h"));
  informer.run();
  sim.runFor("10ms");
  api.deliver = false;
  api.create("x");
  api.deliver = true;
  api.delete("default/x"); // the ADDED was never delivered
  sim.runFor("10ms");
  assert.equal(events, []);
  assert.is(informer.lastSyncResourceVersion(), "3");
});

test.run();
