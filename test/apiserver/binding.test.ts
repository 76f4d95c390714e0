// pods/binding as the registry does it: PodScheduled=True stamped at binding time, a gated pod
// refused, a binding for another incarnation of the pod refused; and the SchedulingGated
// condition a gated pod is created with.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { KubeApiError } from "../../src/client/kube-client";
import { timestamp } from "../../src/apiserver/registry/object";

const pod = (name: string, extra = "") => `apiVersion: v1
kind: Pod
metadata: { name: ${name} }
spec:
${extra}  containers: [{ name: c, image: busybox }]`;

function bindError(c: Cluster, name: string, uid?: string): KubeApiError | undefined {
  try {
    c.wait((cb) => c.admin.bind("default", name, "node-1", cb, uid));
    return undefined;
  } catch (e) {
    return e as KubeApiError;
  }
}

test("binding sets PodScheduled=True with the time of binding, not of creation", () => {
  const c = new Cluster({ seed: 51 });
  c.apply(pod("p"));
  c.runFor("42s");
  const before = c.sim.now;
  assert.is(bindError(c, "p"), undefined);
  const p = c.get("pods", "p") as any;
  assert.is(p.spec.nodeName, "node-1");
  const cond = p.status.conditions.find((x: any) => x.type === "PodScheduled");
  assert.is(cond.status, "True");
  assert.is(cond.lastTransitionTime, timestamp(before), "stamped when bound");
  assert.is.not(cond.lastTransitionTime, p.metadata.creationTimestamp);
});

test("a pod with scheduling gates is created with PodScheduled=False SchedulingGated, and cannot be bound", () => {
  const c = new Cluster({ seed: 52 });
  const [created] = c.apply(pod("gated", "  schedulingGates: [{ name: example.com/wait }]\n")) as any[];
  const cond = created.status.conditions.find((x: any) => x.type === "PodScheduled");
  assert.equal({ status: cond.status, reason: cond.reason, message: cond.message }, { status: "False", reason: "SchedulingGated", message: "Scheduling is blocked due to non-empty scheduling gates" });
  const err = bindError(c, "gated");
  assert.is(err?.code, 409);
  assert.match(err!.message, /pod gated has non-empty \.spec\.schedulingGates/);
  assert.is((c.get("pods", "gated") as any).spec.nodeName, undefined, "nothing stored");
  const [plain] = c.apply(pod("plain")) as any[];
  assert.is((plain.status.conditions ?? []).length, 0, "an ungated pod starts without conditions");
});

test("a binding naming another incarnation (uid) of the pod is refused", () => {
  const c = new Cluster({ seed: 53 });
  const [old] = c.apply(pod("p")) as any[];
  c.delete("pods", "p", "default", { gracePeriodSeconds: 0 });
  c.apply(pod("p"));
  const err = bindError(c, "p", old.metadata.uid);
  assert.is(err?.code, 409);
  assert.match(err!.message, new RegExp(`Precondition failed: UID in precondition: ${old.metadata.uid}, UID in object meta: `));
  assert.is((c.get("pods", "p") as any).spec.nodeName, undefined);
});

test.run();
