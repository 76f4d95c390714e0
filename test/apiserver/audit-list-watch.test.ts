// Audit of list and watch request semantics against kube-apiserver 1.32: which ListOptions
// combinations are refused, which revision a list is served at, continue tokens and their
// expiry, and the WatchList (sendInitialEvents) stream.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { raw, post, watch } from "./helpers";

const PODS = "/api/v1/namespaces/default/pods";
const CMS = "/api/v1/namespaces/default/configmaps";
const cm = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { k: "v" } });

function compact(c: Cluster): void {
  let rev = 0;
  c.apiserver.store.revision((_e, r) => (rev = r ?? 0));
  c.sim.runUntil(() => rev > 0, "10s");
  let done = false;
  c.apiserver.store.compact(rev, () => (done = true));
  c.sim.runUntil(() => done, "10s");
}

test("list: invalid resourceVersionMatch combinations are a 422 on ListOptions.meta.k8s.io", () => {
  const c = new Cluster({ seed: 1 });
  const cases: [Record<string, string>, string][] = [
    [{ resourceVersionMatch: "NotOlderThan" }, `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided`],
    [{ resourceVersionMatch: "Exact", resourceVersion: "0" }, `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"`],
    [{ resourceVersionMatch: "Bogus", resourceVersion: "1" }, `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Bogus": supported values: "Exact", "NotOlderThan", ""`],
    [{ sendInitialEvents: "true" }, `ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list`],
  ];
  for (const [q, message] of cases) {
    const r = raw(c, { path: PODS, query: q });
    assert.is(r.status, 422, JSON.stringify(q));
    assert.is(r.body.reason, "Invalid");
    assert.is(r.body.message, message);
    assert.is(r.body.details.kind, "ListOptions");
    assert.is(r.body.details.group, "meta.k8s.io");
  }
});

test("list: a continue token with a resourceVersion is refused; a broken token says why", () => {
  const c = new Cluster({ seed: 2 });
  for (let i = 0; i < 3; i++) post(c, CMS, cm(`c${i}`));
  const page = raw(c, { path: CMS, query: { limit: "1" } }).body;
  assert.ok(page.metadata.continue);
  assert.match(page.metadata.continue, /^[A-Za-z0-9_-]+$/, "unpadded base64url, as the real server encodes it");
  const both = raw(c, { path: CMS, query: { limit: "1", continue: page.metadata.continue, resourceVersion: page.metadata.resourceVersion } });
  assert.is(both.status, 400);
  assert.is(both.body.message, "specifying resource version is not allowed when using continue");
  // resourceVersion=0 beside a token is tolerated.
  assert.is(raw(c, { path: CMS, query: { limit: "1", continue: page.metadata.continue, resourceVersion: "0" } }).status, 200);
  const withMatch = raw(c, { path: CMS, query: { continue: page.metadata.continue, resourceVersion: "5", resourceVersionMatch: "NotOlderThan" } });
  assert.is(withMatch.status, 422);
  assert.match(withMatch.body.message, /resourceVersionMatch is forbidden when continue is provided/);
  const bad = raw(c, { path: CMS, query: { continue: Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: 0, start: "x" })).toString("base64url") } });
  assert.is(bad.status, 400);
  assert.is(bad.body.message, "invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
});

test("list: resourceVersion with limit is an exact read (legacy); NotOlderThan a future RV is a 504", () => {
  const c = new Cluster({ seed: 3 });
  post(c, CMS, cm("a"));
  const rv = raw(c, { path: CMS }).body.metadata.resourceVersion;
  post(c, CMS, cm("b"));
  const exact = raw(c, { path: CMS, query: { resourceVersion: rv, limit: "10" } });
  assert.is(exact.status, 200);
  assert.is(exact.body.metadata.resourceVersion, rv);
  assert.equal(exact.body.items.map((i: any) => i.metadata.name), ["a"]);
  // Without limit (and with NotOlderThan) the list is the latest state.
  const latest = raw(c, { path: CMS, query: { resourceVersion: rv, resourceVersionMatch: "NotOlderThan" } });
  assert.equal(latest.body.items.map((i: any) => i.metadata.name), ["a", "b"]);
  const future = String(Number(latest.body.metadata.resourceVersion) + 1000);
  const tooNew = raw(c, { path: CMS, query: { resourceVersion: future, resourceVersionMatch: "NotOlderThan" } });
  assert.is(tooNew.status, 504);
  assert.is(tooNew.body.reason, "Timeout");
  assert.match(tooNew.body.message, new RegExp(`^Timeout: Too large resource version: ${future}, current: \\d+$`));
  assert.is(tooNew.body.details.causes[0].reason, "ResourceVersionTooLarge");
});

test("list 410s: an exact list says the RV is too old; a paged one hands out an inconsistent continue token", () => {
  const c = new Cluster({ seed: 4 });
  for (let i = 0; i < 4; i++) post(c, CMS, cm(`c${i}`));
  const page1 = raw(c, { path: CMS, query: { limit: "2" } }).body;
  const old = page1.metadata.resourceVersion;
  post(c, CMS, cm("late"));
  compact(c);
  const exact = raw(c, { path: CMS, query: { resourceVersion: old, resourceVersionMatch: "Exact" } });
  assert.is(exact.status, 410);
  assert.is(exact.body.message, "The resourceVersion for the provided list is too old.");
  const expired = raw(c, { path: CMS, query: { limit: "2", continue: page1.metadata.continue } });
  assert.is(expired.status, 410);
  assert.is(expired.body.reason, "Expired");
  assert.match(expired.body.message, /^The provided continue parameter is too old to display a consistent list result\./);
  const token = expired.body.metadata.continue;
  assert.ok(token, "the Status carries a token that continues at the latest revision");
  const rest = raw(c, { path: CMS, query: { limit: "10", continue: token } });
  assert.is(rest.status, 200);
  const names = rest.body.items.map((i: any) => i.metadata.name);
  assert.ok(names.includes("late") && !names.includes("c0") && !names.includes("c1"), names.join(","));
});

test("watch: resourceVersionMatch needs sendInitialEvents, and sendInitialEvents needs NotOlderThan", () => {
  const c = new Cluster({ seed: 5 });
  const a = watch(c, CMS, { resourceVersionMatch: "NotOlderThan" });
  assert.is(a.refused?.status, 422);
  assert.is(a.refused?.body.message, `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided`);
  const b = watch(c, CMS, { sendInitialEvents: "true" });
  assert.is(b.refused?.status, 422);
  assert.is(b.refused?.body.message, `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan`);
});

test("watch-list: sendInitialEvents=true streams the state, then a bookmark annotated k8s.io/initial-events-end", () => {
  const c = new Cluster({ seed: 6 });
  post(c, CMS, cm("a"));
  post(c, CMS, cm("b"));
  const listed = raw(c, { path: CMS }).body.metadata.resourceVersion;
  const w = watch(c, CMS, { sendInitialEvents: "true", resourceVersionMatch: "NotOlderThan", resourceVersion: "", allowWatchBookmarks: "true" });
  c.runFor("100ms");
  assert.is(w.status, 200);
  assert.equal(w.events.map((e) => `${e.type} ${e.object.metadata.name ?? ""}`), ["ADDED a", "ADDED b", "BOOKMARK "]);
  const bm = w.events[2].object;
  assert.is(bm.kind, "ConfigMap");
  assert.is(bm.apiVersion, "v1");
  assert.equal(bm.metadata.annotations, { "k8s.io/initial-events-end": "true" });
  assert.is(bm.metadata.resourceVersion, listed);
  post(c, CMS, cm("c"));
  c.runFor("100ms");
  assert.is(w.events[3].type, "ADDED");
  assert.is(w.events[3].object.metadata.name, "c");
  w.close();
  // From a resourceVersion: the state not older than it, not the events after it.
  const w2 = watch(c, CMS, { sendInitialEvents: "true", resourceVersionMatch: "NotOlderThan", resourceVersion: listed, allowWatchBookmarks: "true" });
  c.runFor("100ms");
  assert.equal(w2.events.map((e) => `${e.type} ${e.object.metadata.name ?? ""}`), ["ADDED a", "ADDED b", "ADDED c", "BOOKMARK "]);
  w2.close();
});

test("watch: sendInitialEvents=false from rv \"\" starts now, without synthetic ADDED events", () => {
  const c = new Cluster({ seed: 7 });
  post(c, CMS, cm("a"));
  const w = watch(c, CMS, { sendInitialEvents: "false", resourceVersionMatch: "NotOlderThan" });
  c.runFor("100ms");
  assert.equal(w.events, []);
  post(c, CMS, cm("b"));
  c.runFor("100ms");
  assert.equal(w.events.map((e) => `${e.type} ${e.object.metadata.name}`), ["ADDED b"]);
  w.close();
  // The legacy watch from rv "" still gets the synthetic events.
  const legacy = watch(c, CMS, {});
  c.runFor("100ms");
  assert.equal(legacy.events.map((e) => `${e.type} ${e.object.metadata.name}`), ["ADDED a", "ADDED b"]);
  legacy.close();
});

test("watch: timeoutSeconds=0 means the server's default (30 min or more), not an immediate end", () => {
  const c = new Cluster({ seed: 8 });
  const w = watch(c, CMS, { timeoutSeconds: "0" });
  c.runFor("10m");
  assert.is(w.ended, false);
  c.runFor("60m");
  assert.is(w.ended, true);
  const short = watch(c, CMS, { timeoutSeconds: "5" });
  c.runFor("6s");
  assert.is(short.ended, true);
});

test.run();
