// DefaultBinder [k/k pkg/scheduler/framework/plugins/defaultbinder/default_binder.go]: one
// POST pods/<name>/binding; the API server refuses a second binding with 409 Conflict.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { CycleState } from "../../src/scheduler/framework/interface";
import type { Status } from "../../src/scheduler/framework/status";
import { DefaultBinder } from "../../src/scheduler/plugins/defaultbinder";
import { EventRecorder } from "../../src/client/events";

function setup() {
  const c = new Cluster({ seed: 11 });
  c.apply(`
apiVersion: v1
kind: Node
metadata: {name: node-1}
---
apiVersion: v1
kind: Node
metadata: {name: node-2}
---
apiVersion: v1
kind: Pod
metadata: {name: web}
spec: {containers: [{name: app, image: nginx}]}
`);
  const client = c.client("kube-scheduler", c.adminToken);
  const handle = { sim: c.sim, client, recorder: new EventRecorder(c.sim, client, "default-scheduler") } as any;
  return { c, binder: new DefaultBinder(handle) };
}

function bind(c: Cluster, binder: DefaultBinder, node: string): Status {
  let out: Status | undefined;
  binder.bind(new CycleState(), c.get("pods", "web") as any, node, (s) => (out = s));
  c.sim.runUntil(() => out !== undefined, "10s");
  return out!;
}

test("bind sets spec.nodeName through pods/binding", () => {
  const { c, binder } = setup();
  assert.ok(bind(c, binder, "node-1").isSuccess());
  assert.is((c.get("pods", "web") as any).spec.nodeName, "node-1");
  assert.equal(c.sim.trace.rows({ component: "kube-scheduler", kind: "bind" }).map((r) => r.node), ["node-1"]);
});

test("binding an already bound pod fails with the API server's conflict, as an Error status", () => {
  const { c, binder } = setup();
  bind(c, binder, "node-1");
  const s = bind(c, binder, "node-2");
  assert.is(s.code, "Error");
  assert.is(s.plugin, "DefaultBinder");
  // framework.AsStatus(err): the API server's own text.
  assert.is(s.message(), 'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "node-1"');
  assert.is((c.get("pods", "web") as any).spec.nodeName, "node-1");
});

test.run();
