// The informer against the simulated API server (src/cluster): list + watch over the simulated
// network through KubeClient, via listWatchFromClient. Checks the seam, not the API server.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { DeletedFinalStateUnknown, listWatchFromClient, SharedIndexInformer } from "../../src/client/index";

test("informer over KubeClient: initial list, then adds, updates and deletes from the watch", () => {
  const c = new Cluster({ seed: 5 });
  c.apply(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\ndata: {k: "1"}\n`);
  const informer = new SharedIndexInformer(c.sim, listWatchFromClient(c.admin, "configmaps", "default"), { name: "configmaps" });
  const seen: string[] = [];
  let lastDeleteRV = "";
  informer.addEventHandler({
    onAdd: (o, initial) => seen.push(`add ${o.metadata.name} ${initial}`),
    onUpdate: (a, b) => seen.push(`update ${b.metadata.name} ${a.data?.k}->${b.data?.k}`),
    onDelete: (o) => {
      if (!(o instanceof DeletedFinalStateUnknown)) lastDeleteRV = o.metadata.resourceVersion!;
      seen.push(`delete ${o instanceof DeletedFinalStateUnknown ? o.key : o.metadata.name}`);
    },
  });
  informer.run();
  assert.ok(c.sim.runUntil(() => informer.hasSynced(), "10s"), "synced");
  c.apply(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: two}\ndata: {k: "2"}\n`);
  c.patch("configmaps", "one", { data: { k: "1b" } }, "merge");
  c.delete("configmaps", "two");
  c.runFor("1s");
  assert.equal(seen, ["add one true", "add two false", "update one 1->1b", "delete two"]);
  assert.equal(informer.lister().namespace("default").list().map((o) => o.metadata.name), ["one"]);
  // The DELETED event carries the deletion's revision: the last RV the reflector saw.
  assert.is(informer.lastSyncResourceVersion(), lastDeleteRV);
  informer.stop();
});

test.run();
