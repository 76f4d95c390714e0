// Audit of the ReplicaSet controller against k/k pkg/controller/replicaset/replica_set.go (v1.32).
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { replicaSetController } from "../../src/controllers/replicaset/replicaset-controller";
import { listPods, replicaSetYaml, startFakeKubelet, startHarness } from "./helpers-b";

// updateReplicaSetStatus: "Save the generation number we acted on, otherwise we might wrongfully
// indicate that we've seen a spec update when we retry." The retry after a conflict re-reads the
// ReplicaSet but keeps observedGeneration = the generation this sync acted on.
test("a status write retried after a conflict keeps the observedGeneration the sync acted on", () => {
  const { c, client } = startHarness([replicaSetController]);
  startFakeKubelet(c);
  c.apply(replicaSetYaml("web", 2));
  c.runFor("5s");
  assert.is((c.get("replicasets", "web") as KubeObject).status.observedGeneration, 1);

  const writes: { observedGeneration: number; replicas: number }[] = [];
  const original = client.updateStatus.bind(client);
  let raced = false;
  client.updateStatus = (obj, cb) => {
    if (obj.kind === "ReplicaSet") writes.push({ observedGeneration: obj.status.observedGeneration, replicas: obj.status.replicas });
    if (obj.kind !== "ReplicaSet" || raced) return original(obj, cb);
    raced = true;
    // Someone scales the ReplicaSet while this status write is in flight: the write conflicts.
    c.admin.patch("replicasets", "web", "default", "merge", { spec: { replicas: 4 } }, () => original(obj, cb));
  };
  // A pod goes: the sync that notices writes status for generation 1.
  c.delete("pods", listPods(c)[0].metadata.name!);
  c.runFor("200ms");
  assert.ok(writes.length >= 2, `writes: ${JSON.stringify(writes)}`);
  assert.equal(writes.slice(0, 2).map((w) => w.observedGeneration), [1, 1], `writes: ${JSON.stringify(writes)}`);
  c.runFor("5s");
  const rs = c.get("replicasets", "web") as KubeObject;
  assert.equal([rs.metadata.generation, rs.status.observedGeneration, rs.status.replicas], [2, 2, 4]);
});

test.run();
