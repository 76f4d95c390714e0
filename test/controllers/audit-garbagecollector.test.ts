// Audit of the garbage collector against k/k pkg/controller/garbagecollector (v1.32).
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { garbageCollector } from "../../src/controllers/garbagecollector/garbagecollector";
import { listEvents, startHarness } from "./helpers-b";

// graph_builder.go addDependentToOwners / reportInvalidNamespaceOwnerRef: a dependent naming an
// owner that exists in another namespace gets a Warning event, and is collected as an orphan
// (its owner is absent from its own namespace).
test("an ownerReference to an owner in another namespace: Warning OwnerRefInvalidNamespace, dependent collected", () => {
  const { c } = startHarness([garbageCollector]);
  c.apply(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-b\n`);
  const [owner] = c.apply(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owner\n  namespace: ns-a\n`);
  c.runFor("2s");
  c.apply(`apiVersion: v1
kind: ConfigMap
metadata:
  name: child
  namespace: ns-b
  ownerReferences:
  - apiVersion: v1
    kind: ConfigMap
    name: owner
    uid: ${owner.metadata.uid}
`);
  c.runFor("5s");
  const ev = listEvents(c, "ns-b").filter((e) => e.reason === "OwnerRefInvalidNamespace");
  assert.is(ev.length, 1, JSON.stringify(listEvents(c, "ns-b").map((e) => e.reason)));
  assert.is(ev[0].type, "Warning");
  assert.equal([ev[0].involvedObject.kind, ev[0].involvedObject.namespace, ev[0].involvedObject.name], ["ConfigMap", "ns-b", "child"]);
  assert.is(ev[0].message, `ownerRef [v1/ConfigMap, namespace: ns-b, name: owner, uid: ${owner.metadata.uid}] does not exist in namespace "ns-b"`);
  assert.is(ev[0].source.component, "garbage-collector-controller");
  assert.throws(() => c.get("configmaps", "child", "ns-b"), /not found/);
  assert.ok((c.get("configmaps", "owner", "ns-a") as KubeObject).metadata.uid, "the owner itself is untouched");
});

test.run();
