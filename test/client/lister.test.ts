// Indexer, label selectors and listers [client-go@1.32 tools/cache/{index.go,
// thread_safe_store.go, listers.go}, apimachinery pkg/labels/selector.go].

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  DeletedFinalStateUnknown,
  deletionHandlingMetaNamespaceKeyFunc,
  Indexer,
  labelSelectorMatcher,
  Lister,
  metaNamespaceIndexFunc,
  metaNamespaceKeyFunc,
  NamespaceIndex,
  selectorFromSet,
  splitMetaNamespaceKey,
} from "../../src/client/index";

const pod = (ns: string, name: string, labels: Record<string, string> = {}, node = "") => ({ metadata: { namespace: ns || undefined, name, labels }, spec: { nodeName: node } });
type Pod = ReturnType<typeof pod>;

test("keys: ns/name, name for cluster-scoped; tombstones carry theirs [store.go MetaNamespaceKeyFunc]", () => {
  assert.is(metaNamespaceKeyFunc(pod("default", "a")), "default/a");
  assert.is(metaNamespaceKeyFunc({ metadata: { name: "node-1" } }), "node-1");
  assert.is(deletionHandlingMetaNamespaceKeyFunc(new DeletedFinalStateUnknown("ns/x", pod("ns", "x"))), "ns/x");
  assert.equal(splitMetaNamespaceKey("ns/x"), { namespace: "ns", name: "x" });
  assert.equal(splitMetaNamespaceKey("x"), { namespace: "", name: "x" });
  assert.throws(() => splitMetaNamespaceKey("a/b/c"), /unexpected key format/);
});

const labels = { app: "web", tier: "front", env: "prod" };
const selectorTable: [string, boolean][] = [
  ["", true],
  ["app=web", true],
  ["app==web", true],
  ["app=db", false],
  ["app!=db", true],
  ["missing!=x", true], // a missing label satisfies !=
  ["app=web,tier=front", true],
  ["app=web,tier=back", false],
  ["env in (prod, staging)", true],
  ["env notin (prod)", false],
  ["missing notin (a)", true],
  ["app", true],
  ["missing", false],
  ["!missing", true],
  ["!app", false],
  ["app in (web),env", true],
];
for (const [sel, want] of selectorTable) {
  test(`selector "${sel}" → ${want}`, () => assert.is(labelSelectorMatcher(sel)(labels), want));
}

test("selector objects: matchLabels and matchExpressions [metav1.LabelSelectorAsSelector]", () => {
  assert.is(labelSelectorMatcher({ matchLabels: { app: "web" } })(labels), true);
  assert.is(labelSelectorMatcher({ matchLabels: { app: "web" }, matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] })(labels), false);
  assert.is(labelSelectorMatcher({ matchExpressions: [{ key: "x", operator: "DoesNotExist" }] })(labels), true);
  assert.is(labelSelectorMatcher({})(labels), true, "empty selector: everything");
  assert.is(labelSelectorMatcher(selectorFromSet({ tier: "front" }))(labels), true);
  assert.throws(() => labelSelectorMatcher({ matchExpressions: [{ key: "x", operator: "In" }] }), /values: Required value/);
  assert.throws(() => labelSelectorMatcher("app=web,,x"), /unable to parse/);
  assert.throws(() => labelSelectorMatcher("app >< 3"), /unable to parse/);
});

test("indexer: namespace and custom indices stay right through add, update, delete, replace", () => {
  const ix = new Indexer<Pod>(metaNamespaceKeyFunc, { [NamespaceIndex]: metaNamespaceIndexFunc, byNode: (p) => (p.spec.nodeName ? [p.spec.nodeName] : []) });
  ix.add(pod("a", "p1", {}, "n1"));
  ix.add(pod("a", "p2", {}, "n2"));
  ix.add(pod("b", "p3", {}, "n1"));
  assert.equal(ix.indexKeys("byNode", "n1"), ["a/p1", "b/p3"]);
  assert.equal(ix.byIndex(NamespaceIndex, "a").map((p) => p.metadata.name), ["p1", "p2"]);
  ix.update(pod("a", "p1", {}, "n2"));
  assert.equal(ix.indexKeys("byNode", "n1"), ["b/p3"]);
  ix.delete(pod("b", "p3"));
  assert.equal(ix.listIndexFuncValues("byNode"), ["n2"], "an emptied value is dropped from the index");
  assert.equal(ix.index("byNode", pod("x", "y", {}, "n2")).map((p) => p.metadata.name), ["p2", "p1"]);
  ix.delete(new DeletedFinalStateUnknown("a/p2", pod("a", "p2")));
  assert.equal(ix.listKeys(), ["a/p1"]);
  ix.replace([pod("c", "q", {}, "n9")]);
  assert.equal(ix.listIndexFuncValues("byNode"), ["n9"]);
  assert.equal(ix.listIndexFuncValues(NamespaceIndex), ["c"]);
  assert.throws(() => ix.byIndex("nope", "x"), /Index with name nope does not exist/);
  assert.throws(() => ix.addIndexers({ byNode: () => [] }), /indexer conflict/);
  ix.addIndexers({ byName: (p) => [p.metadata.name] });
  assert.equal(ix.indexKeys("byName", "q"), ["c/q"], "a new index covers existing objects");
});

test("lister: list(selector), get, namespace(ns).list/get, with and without the namespace index", () => {
  for (const withIndex of [true, false]) {
    const ix = new Indexer<Pod>(metaNamespaceKeyFunc, withIndex ? { [NamespaceIndex]: metaNamespaceIndexFunc } : {});
    ix.add(pod("a", "web-1", { app: "web" }));
    ix.add(pod("a", "db-1", { app: "db" }));
    ix.add(pod("b", "web-2", { app: "web" }));
    ix.add(pod("", "cluster-thing", {}));
    const l = new Lister(ix);
    assert.equal(l.list("app=web").map((p) => p.metadata.name), ["web-1", "web-2"]);
    assert.equal(l.list().length, 4);
    assert.equal(l.namespace("a").list().map((p) => p.metadata.name), ["web-1", "db-1"]);
    assert.equal(l.namespace("a").list({ matchLabels: { app: "db" } }).map((p) => p.metadata.name), ["db-1"]);
    assert.is(l.namespace("b").get("web-2")!.metadata.name, "web-2");
    assert.is(l.namespace("b").get("web-1"), undefined);
    assert.is(l.get("cluster-thing")!.metadata.name, "cluster-thing");
    assert.equal(l.list((lb) => lb.app === "db").map((p) => p.metadata.name), ["db-1"]);
  }
});

test.run();
