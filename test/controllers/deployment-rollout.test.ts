import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { replicaSetController } from "../../src/controllers/replicaset/replicaset-controller";
import { deploymentController } from "../../src/controllers/deployment/deployment-controller";
import { rolloutUndo } from "../../src/controllers/deployment/rollback";
import { deploymentYaml, listEvents, listPods, listReplicaSets, setImage, startFakeKubelet, startHarness } from "./helpers-b";

const both = [replicaSetController, deploymentController];
const REV = "deployment.kubernetes.io/revision";
const rev = (rs: KubeObject) => rs.metadata.annotations?.[REV];
const dep = (c: any): KubeObject => c.get("deployments", "web") as KubeObject;
const cond = (d: KubeObject, type: string): any => (d.status?.conditions ?? []).find((x: any) => x.type === type);
const byImage = (c: any, image: string) => listReplicaSets(c).find((rs) => rs.spec.template.spec.containers[0].image === image)!;

test("rollback (kubectl rollout undo): the old template comes back, its RS is reused with the next revision", () => {
  const { c } = startHarness(both);
  startFakeKubelet(c);
  c.apply(deploymentYaml("web", 2));
  c.runFor("10s");
  const v1 = byImage(c, "nginx:1.27");
  setImage(c, "web", "nginx:1.28");
  c.runFor("20s");
  assert.is(rev(byImage(c, "nginx:1.28")), "2");
  const out = c.wait<string>((cb) => rolloutUndo(c.admin, "default", "web", 0, cb));
  assert.is(out, "deployment.apps/web rolled back");
  c.runFor("20s");
  const d = dep(c);
  assert.is(d.spec.template.spec.containers[0].image, "nginx:1.27");
  assert.equal(d.spec.template.metadata.labels, { app: "web" }, "no pod-template-hash in the Deployment's template");
  const again = byImage(c, "nginx:1.27");
  assert.is(again.metadata.name, v1.metadata.name, "the revision-1 RS is the new RS again");
  assert.is(rev(again), "3");
  assert.is(again.metadata.annotations!["deployment.kubernetes.io/revision-history"], "1");
  assert.is(again.spec.replicas, 2);
  assert.is(byImage(c, "nginx:1.28").spec.replicas, 0);
  assert.ok(listPods(c).every((p) => p.spec.containers[0].image === "nginx:1.27"));
  // Undo to the revision we are at: kubectl skips.
  assert.is(c.wait<string>((cb) => rolloutUndo(c.admin, "default", "web", 3, cb)), "deployment.apps/web skipped rollback (current template already matches revision 3)");
  assert.throws(() => c.wait<string>((cb) => rolloutUndo(c.admin, "default", "web", 9, cb)), /unable to find specified revision 9 in history/);
});

test("a paused Deployment does not roll out a template change; resuming does", () => {
  const { c } = startHarness(both);
  startFakeKubelet(c);
  c.apply(deploymentYaml("web", 2));
  c.runFor("10s");
  c.patch("deployments", "web", { spec: { paused: true } }, "merge");
  c.runFor("2s");
  let d = dep(c);
  assert.equal([cond(d, "Progressing").status, cond(d, "Progressing").reason, cond(d, "Progressing").message], ["Unknown", "DeploymentPaused", "Deployment is paused"]);
  setImage(c, "web", "nginx:1.28");
  c.runFor("20s");
  assert.is(listReplicaSets(c).length, 1, "no new ReplicaSet while paused");
  assert.ok(listPods(c).every((p) => p.spec.containers[0].image === "nginx:1.27"));
  d = dep(c);
  assert.is(d.status.observedGeneration, d.metadata.generation, "the change is observed, just not rolled");
  c.patch("deployments", "web", { spec: { paused: false } }, "merge");
  c.runFor("30s");
  d = dep(c);
  assert.ok(listPods(c).every((p) => p.spec.containers[0].image === "nginx:1.28"));
  assert.is(cond(d, "Progressing").reason, "NewReplicaSetAvailable");
  assert.ok(listEvents(c).length > 0);
});

test("scaling mid-rollout splits the new replicas proportionally (10→20 with old 8 / new 5 → 15 / 10)", () => {
  const { c } = startHarness(both);
  // Pods of the bad image run but never become ready: the rollout stalls at old 8 / new 5.
  startFakeKubelet(c, { ready: (p) => p.spec.containers[0].image !== "bad:1" });
  c.apply(deploymentYaml("web", 10));
  c.runFor("15s");
  setImage(c, "web", "bad:1");
  c.runFor("20s");
  assert.equal([byImage(c, "nginx:1.27").spec.replicas, byImage(c, "bad:1").spec.replicas], [8, 5]);
  c.patch("deployments", "web", { spec: { replicas: 20 } }, "merge");
  c.runFor("5s");
  const old = byImage(c, "nginx:1.27");
  const nu = byImage(c, "bad:1");
  assert.equal([old.spec.replicas, nu.spec.replicas], [15, 10]);
  assert.equal([old.metadata.annotations!["deployment.kubernetes.io/desired-replicas"], old.metadata.annotations!["deployment.kubernetes.io/max-replicas"]], ["20", "25"]);
  const msgs = listEvents(c).filter((e) => e.reason === "ScalingReplicaSet").map((e) => e.message);
  assert.ok(msgs.includes(`Scaled up replica set ${old.metadata.name} from 8 to 15`), msgs.join("\n"));
  assert.ok(msgs.includes(`Scaled up replica set ${nu.metadata.name} from 5 to 10`), msgs.join("\n"));
});

test("ProgressDeadlineExceeded once new pods stay unready past progressDeadlineSeconds", () => {
  const { c } = startHarness(both);
  startFakeKubelet(c, { ready: (p) => p.spec.containers[0].image !== "bad:1" });
  c.apply(deploymentYaml("web", 2, { progressDeadlineSeconds: 30 }));
  c.runFor("10s");
  setImage(c, "web", "bad:1");
  c.runFor("20s");
  let p = cond(dep(c), "Progressing");
  assert.equal([p.status, p.reason], ["True", "ReplicaSetUpdated"]);
  c.runFor("30s");
  const d = dep(c);
  p = cond(d, "Progressing");
  const nu = byImage(c, "bad:1");
  assert.equal([p.status, p.reason, p.message], ["False", "ProgressDeadlineExceeded", `ReplicaSet "${nu.metadata.name}" has timed out progressing.`]);
  // Available stays True: maxUnavailable 0 of 2 (25% rounds down) kept the old pods.
  assert.equal([cond(d, "Available").status, cond(d, "Available").reason], ["True", "MinimumReplicasAvailable"]);
  assert.is(byImage(c, "nginx:1.27").spec.replicas, 2);
});

test("revisionHistoryLimit: only that many old ReplicaSets (at 0 replicas) are kept", () => {
  const { c } = startHarness(both);
  startFakeKubelet(c);
  c.apply(deploymentYaml("web", 1, { revisionHistoryLimit: 1 }));
  c.runFor("10s");
  for (const image of ["nginx:1.28", "nginx:1.29", "nginx:1.30"]) {
    setImage(c, "web", image);
    c.runFor("15s");
  }
  const rss = listReplicaSets(c);
  assert.equal(rss.map((rs) => rs.spec.template.spec.containers[0].image).sort(), ["nginx:1.29", "nginx:1.30"]);
  assert.equal(rss.map(rev).sort(), ["3", "4"]);
});

test.run();
