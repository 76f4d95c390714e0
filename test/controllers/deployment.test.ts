import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { KubeApiError } from "../../src/client/kube-client";
import { replicaSetController } from "../../src/controllers/replicaset/replicaset-controller";
import { deploymentController } from "../../src/controllers/deployment/deployment-controller";
import { isPodReady } from "../../src/controllers/util/pod";
import { deploymentYaml, listEvents, listPods, listReplicaSets, observe, setImage, startFakeKubelet, startHarness } from "./helpers-b";

const both = [replicaSetController, deploymentController];

function dep(c: any, name = "web"): KubeObject {
  return c.get("deployments", name) as KubeObject;
}
function cond(d: KubeObject, type: string): any {
  return (d.status?.conditions ?? []).find((x: any) => x.type === type);
}

test("a new Deployment: RS <name>-<hash>, revision 1, replica annotations, event, complete status", () => {
  const { c } = startHarness(both);
  startFakeKubelet(c);
  const [d0] = c.apply(deploymentYaml("web", 3));
  c.runFor("10s");
  const rss = listReplicaSets(c);
  assert.is(rss.length, 1);
  const rs = rss[0];
  const hash = rs.metadata.labels!["pod-template-hash"];
  assert.ok(hash);
  assert.is(rs.metadata.name, `web-${hash}`);
  assert.equal(rs.spec.selector.matchLabels, { app: "web", "pod-template-hash": hash });
  assert.equal(rs.spec.template.metadata.labels, { app: "web", "pod-template-hash": hash });
  assert.is(rs.metadata.annotations!["deployment.kubernetes.io/revision"], "1");
  assert.is(rs.metadata.annotations!["deployment.kubernetes.io/desired-replicas"], "3");
  assert.is(rs.metadata.annotations!["deployment.kubernetes.io/max-replicas"], "4");
  assert.equal(rs.metadata.ownerReferences, [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: d0.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  assert.ok(listPods(c).every((p) => p.metadata.labels!["pod-template-hash"] === hash && p.metadata.name!.startsWith(`web-${hash}-`)));
  const ev = listEvents(c).filter((e) => e.reason === "ScalingReplicaSet");
  assert.equal(ev.map((e) => e.message), [`Scaled up replica set web-${hash} from 0 to 3`]);
  assert.is(ev[0].source.component, "deployment-controller");
  const d = dep(c);
  assert.equal(
    { g: d.status.observedGeneration, r: d.status.replicas, u: d.status.updatedReplicas, ready: d.status.readyReplicas, a: d.status.availableReplicas, un: d.status.unavailableReplicas ?? 0 },
    { g: 1, r: 3, u: 3, ready: 3, a: 3, un: 0 },
  );
  assert.equal([cond(d, "Available").status, cond(d, "Available").reason, cond(d, "Available").message], ["True", "MinimumReplicasAvailable", "Deployment has minimum availability."]);
  assert.equal([cond(d, "Progressing").status, cond(d, "Progressing").reason, cond(d, "Progressing").message], ["True", "NewReplicaSetAvailable", `ReplicaSet "web-${hash}" has successfully progressed.`]);
});

test("rolling update: at every moment RS replicas ≤ replicas + maxSurge and ready pods ≥ replicas − maxUnavailable", () => {
  const { c } = startHarness(both);
  startFakeKubelet(c, { startDelay: 2000 });
  c.apply(deploymentYaml("web", 10)); // 25% / 25%: surge 3, unavailable 2
  c.runFor("15s");
  assert.is(listPods(c).filter(isPodReady).length, 10);
  let maxTotal = 0;
  let minReady = Infinity;
  let checks = 0;
  const o = observe(c, (pods, rss) => {
    checks++;
    maxTotal = Math.max(maxTotal, rss.reduce((s, rs) => s + (rs.spec.replicas ?? 0), 0));
    minReady = Math.min(minReady, pods.filter((p) => !p.metadata.deletionTimestamp && isPodReady(p)).length);
  });
  c.runFor("1s");
  setImage(c, "web", "nginx:1.28");
  c.runFor("60s");
  o.stop();
  assert.ok(checks > 50, `checked ${checks} times`);
  assert.ok(maxTotal <= 13, `total replicas reached ${maxTotal}`);
  assert.is(maxTotal, 13, "the rollout does use its surge");
  assert.ok(minReady >= 8, `ready pods dropped to ${minReady}`);
  const rss = listReplicaSets(c).sort((a, b) => Number(a.metadata.annotations!["deployment.kubernetes.io/revision"]) - Number(b.metadata.annotations!["deployment.kubernetes.io/revision"]));
  assert.equal(rss.map((rs) => [rs.metadata.annotations!["deployment.kubernetes.io/revision"], rs.spec.replicas]), [["1", 0], ["2", 10]]);
  const pods = listPods(c);
  assert.is(pods.length, 10);
  assert.ok(pods.every((p) => p.spec.containers[0].image === "nginx:1.28"));
  const d = dep(c);
  assert.is(cond(d, "Progressing").reason, "NewReplicaSetAvailable");
  assert.equal([d.status.updatedReplicas, d.status.availableReplicas, d.status.observedGeneration], [10, 10, 2]);
});

test("Recreate: no new pod exists while any old pod does", () => {
  const { c } = startHarness(both);
  startFakeKubelet(c, { startDelay: 1000 });
  c.apply(deploymentYaml("web", 3, { strategy: "Recreate" }));
  c.runFor("10s");
  let overlap = false;
  let sawZero = false;
  const o = observe(c, (pods) => {
    const images = new Set(pods.map((p) => p.spec.containers[0].image));
    if (images.has("nginx:1.27") && images.has("nginx:1.28")) overlap = true;
    if (pods.length === 0) sawZero = true;
  });
  c.runFor("1s");
  setImage(c, "web", "nginx:1.28");
  c.runFor("20s");
  o.stop();
  assert.not.ok(overlap, "old and new pods overlapped");
  assert.ok(sawZero, "all old pods were gone before new ones came");
  const pods = listPods(c);
  assert.is(pods.length, 3);
  assert.ok(pods.every((p) => p.spec.containers[0].image === "nginx:1.28"));
  assert.is(cond(dep(c), "Progressing").reason, "NewReplicaSetAvailable");
});

test("the API server refuses a Deployment whose selector does not match its template, and negative replicas", () => {
  const { c } = startHarness(both);
  const bad = deploymentYaml("web", 1).replace("      app: web\n  template", "      app: other\n  template");
  try {
    c.apply(bad);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, KubeApiError);
    assert.is((e as KubeApiError).reason, "Invalid");
    assert.match((e as KubeApiError).message, "`selector` does not match template `labels`");
  }
  try {
    c.apply(deploymentYaml("neg", -2));
    assert.unreachable();
  } catch (e) {
    assert.is((e as KubeApiError).code, 422);
  }
  c.runFor("2s");
  assert.is(listReplicaSets(c).length, 0);
});

test("deterministic: the same seed gives the same controller trace, byte for byte", () => {
  const run = () => {
    const { c } = startHarness(both, { seed: 7 });
    startFakeKubelet(c);
    c.apply(deploymentYaml("web", 4));
    c.runFor("10s");
    setImage(c, "web", "nginx:1.28");
    c.runFor("20s");
    return JSON.stringify(c.sim.trace.rows((r) => r.component === "deployment-controller" || r.component === "replicaset-controller"));
  };
  const a = run();
  assert.ok(a.length > 1000);
  assert.is(run(), a);
});

test.run();
