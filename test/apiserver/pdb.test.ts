// policy/v1 PodDisruptionBudget in the API server (catalog, defaults, validation, table,
// discovery) and the pods/eviction subresource [k/k pkg/registry/core/pod/storage/eviction.go].
// No disruption controller here: each test writes the PDB's status itself, as the controller
// would, so the eviction's decisions are pinned one by one.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { parseTimestamp, timestamp } from "../../src/apiserver/registry/object";
import { apiGroupList, apiResourceList } from "../../src/apiserver/discovery";
import { KubeApiError } from "../../src/client/kube-client";
import { toTable } from "../../src/apiserver/table";
import { findByResource } from "../../src/apiserver/registry/resources";
import { raw } from "./helpers";

const pdbYaml = (name: string, bound: string, extra = "") => `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: ${name}}
spec:
  ${bound}
  selector: {matchLabels: {app: web}}
${extra}`;

/** A pod bound to node-1, Running (or phase), Ready or not: its status written as a kubelet would. */
function runningPod(c: Cluster, name: string, ready: boolean, labels: Record<string, string> = { app: "web" }, phase = "Running"): KubeObject {
  c.apply(`
apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: ${JSON.stringify(labels)}}
spec: {nodeName: node-1, containers: [{name: c, image: nginx}]}`);
  return c.wait<KubeObject>((cb) => c.admin.patch("pods", name, "default", "merge", { status: { phase, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] } }, cb, "status"));
}

/** Writes the PDB's status as the disruption controller would. */
function setBudget(c: Cluster, name: string, s: { allowed: number; current: number; desired: number; expected?: number; observedGeneration?: number }): KubeObject {
  const status = { observedGeneration: s.observedGeneration ?? 1, disruptionsAllowed: s.allowed, currentHealthy: s.current, desiredHealthy: s.desired, expectedPods: s.expected ?? s.current };
  return c.wait<KubeObject>((cb) => c.admin.patch("pdb", name, "default", "merge", { status }, cb, "status"));
}

function evict(c: Cluster, pod: string, body?: unknown): { status: number; body: any } {
  return raw(c, {
    method: "POST",
    path: `/api/v1/namespaces/default/pods/${pod}/eviction`,
    body: JSON.stringify(body ?? { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: pod, namespace: "default" } }),
  });
}

const podExists = (c: Cluster, name: string) => (c.get("pods", undefined) as any).items.some((p: KubeObject) => p.metadata.name === name);

test("a PodDisruptionBudget is stored with generation 1 and a zeroed status; short name pdb; status is a subresource", () => {
  const c = new Cluster({ seed: 3 });
  const [pdb] = c.apply(pdbYaml("web", "minAvailable: 2", "status: {disruptionsAllowed: 5}"));
  assert.is(pdb.apiVersion, "policy/v1");
  assert.is(pdb.metadata.generation, 1);
  // The create ignores a status; the counters are not omitempty.
  assert.equal(pdb.status, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  assert.is(pdb.spec.unhealthyPodEvictionPolicy, undefined, "no default: unset acts as IfHealthyBudget");
  const got = c.get("pdb", "web") as KubeObject;
  assert.is(got.metadata.name, "web");
  // A spec change bumps generation; a status write does not.
  const changed = c.patch("pdb", "web", { spec: { minAvailable: 1 } }, "merge");
  assert.is(changed.metadata.generation, 2);
  const st = setBudget(c, "web", { allowed: 1, current: 2, desired: 1, observedGeneration: 2 });
  assert.is(st.metadata.generation, 2);
  assert.is(st.status.disruptionsAllowed, 1);
  // A spec update through the main resource keeps the status.
  const again = c.patch("pdb", "web", { status: { disruptionsAllowed: 9 } }, "merge");
  assert.is(again.status.disruptionsAllowed, 1);
});

test("validation: both bounds, bad percent, over 100%, negative, bad policy, bad selector, negative status", () => {
  const c = new Cluster({ seed: 3 });
  const fail = (yaml: string): KubeApiError => {
    try {
      c.apply(yaml);
    } catch (e) {
      return e as KubeApiError;
    }
    throw new Error("accepted");
  };
  let e = fail(pdbYaml("a", "minAvailable: 1\n  maxUnavailable: 1"));
  assert.is(e.code, 422);
  assert.match(e.message, /^PodDisruptionBudget\.policy "a" is invalid: spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set$/);
  e = fail(pdbYaml("b", "minAvailable: 50x"));
  assert.is(e.message, `PodDisruptionBudget.policy "b" is invalid: spec.minAvailable: Invalid value: 50x: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`);
  e = fail(pdbYaml("c", "maxUnavailable: 120%"));
  assert.is(e.message, `PodDisruptionBudget.policy "c" is invalid: spec.maxUnavailable: Invalid value: 120%: must not be greater than 100%`);
  e = fail(pdbYaml("d", "minAvailable: -1"));
  assert.is(e.message, `PodDisruptionBudget.policy "d" is invalid: spec.minAvailable: Invalid value: -1: must be greater than or equal to 0`);
  e = fail(pdbYaml("e", "minAvailable: 1", "  unhealthyPodEvictionPolicy: Sometimes"));
  assert.is(e.message, `PodDisruptionBudget.policy "e" is invalid: spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"`);
  e = fail(`
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: f}
spec: {minAvailable: 1, selector: {matchExpressions: [{key: app, operator: In}]}}`);
  assert.match(e.message, /spec\.selector\.matchExpressions\[0\]\.values: Required value/);
  // Nothing half-stored.
  assert.is((c.get("pdb") as any).items.length, 0);
  c.apply(pdbYaml("ok", "maxUnavailable: 25%", "  unhealthyPodEvictionPolicy: AlwaysAllow"));
  try {
    setBudget(c, "ok", { allowed: -1, current: 0, desired: 0 });
    assert.unreachable("negative status accepted");
  } catch (err) {
    assert.is((err as KubeApiError).message, `PodDisruptionBudget.policy "ok" is invalid: status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0`);
  }
});

test("kubectl's table: NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE, N/A for the unset bound", () => {
  const c = new Cluster({ seed: 3 });
  c.apply(pdbYaml("min", "minAvailable: 2"));
  c.apply(pdbYaml("max", "maxUnavailable: 25%"));
  setBudget(c, "max", { allowed: 3, current: 10, desired: 7 });
  c.runFor("90s");
  const list = c.get("pdb") as any;
  const info = findByResource("policy", "v1", "poddisruptionbudgets")!;
  const t = toTable(info, list, { now: Date.parse(timestamp(c.sim.now)) });
  assert.equal(t.columnDefinitions.map((d) => d.name), ["Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"]);
  assert.equal(t.columnDefinitions.map((d) => d.type), ["string", "string", "string", "integer", "string"]);
  const rows = t.rows.map((r) => r.cells);
  assert.equal(rows.map((r) => r.slice(0, 4)), [
    ["max", "N/A", "25%", 3],
    ["min", "2", "N/A", 0],
  ]);
  // Created about 90 s of virtual time ago.
  for (const r of rows) assert.match(String(r[4]), /^9\ds$/);
});

test("discovery: group policy/v1 serves poddisruptionbudgets (+status); pods/eviction is a policy/v1 Eviction", () => {
  const groups = (apiGroupList() as any).groups.map((g: any) => g.name);
  assert.ok(groups.includes("policy"), groups.join(","));
  const policy = (apiResourceList("policy", "v1") as any).resources;
  const pdb = policy.find((r: any) => r.name === "poddisruptionbudgets");
  assert.equal({ kind: pdb.kind, namespaced: pdb.namespaced, shortNames: pdb.shortNames }, { kind: "PodDisruptionBudget", namespaced: true, shortNames: ["pdb"] });
  assert.ok(policy.some((r: any) => r.name === "poddisruptionbudgets/status"));
  // What kubectl drain's CheckEvictionSupport looks for in /api/v1.
  const ev = (apiResourceList("", "v1") as any).resources.find((r: any) => r.name === "pods/eviction");
  assert.equal({ group: ev.group, version: ev.version, kind: ev.kind, verbs: ev.verbs }, { group: "policy", version: "v1", kind: "Eviction", verbs: ["create"] });
});

test("eviction without a PDB deletes the pod (gracefully, honouring deleteOptions) and answers 201 Success", () => {
  const c = new Cluster({ seed: 3 });
  runningPod(c, "a", true);
  runningPod(c, "b", true);
  let r = evict(c, "a");
  assert.is(r.status, 201);
  assert.equal(r.body, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
  const a = c.get("pods", "a") as KubeObject;
  // A pod on a node is deleted gracefully: the kubelet (absent here) would finish it.
  assert.is(a.metadata.deletionGracePeriodSeconds, 30);
  assert.ok(!a.status.conditions.some((x: any) => x.type === "DisruptionTarget"), "no PDB: no disruption mark");
  r = evict(c, "b", { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "b" }, deleteOptions: { gracePeriodSeconds: 0 } });
  assert.is(r.status, 201);
  assert.not.ok(podExists(c, "b"));
  // Bad input.
  r = evict(c, "a", { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "other" } });
  assert.equal([r.status, r.body.message], [400, "name in URL does not match name in Eviction object"]);
  r = evict(c, "ghost");
  assert.equal([r.status, r.body.reason], [404, "NotFound"]);
  // The deleteOptions' preconditions hold: a wrong UID is a conflict (retried, then reported).
  r = evict(c, "a", { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "a" }, deleteOptions: { preconditions: { uid: "nope" } } });
  assert.is(r.status, 409);
  assert.match(r.body.message, /^Operation cannot be fulfilled on pods "a": Precondition failed: UID in precondition: nope, UID in object meta: /);
});

test("eviction with a budget: decrements disruptionsAllowed (CAS), records disruptedPods, marks and deletes; at 0 answers 429 with the cause", () => {
  const c = new Cluster({ seed: 3 });
  for (const n of ["p1", "p2", "p3"]) runningPod(c, n, true);
  c.apply(pdbYaml("web", "minAvailable: 2"));
  setBudget(c, "web", { allowed: 1, current: 3, desired: 2, expected: 3 });
  c.runFor("5s");
  const before = c.sim.now;
  let r = evict(c, "p1");
  assert.is(r.status, 201);
  const pdb = c.get("pdb", "web") as KubeObject;
  assert.is(pdb.status.disruptionsAllowed, 0);
  // disruptedPods[pod] = when the eviction was granted.
  assert.equal(Object.keys(pdb.status.disruptedPods), ["p1"]);
  const at = parseTimestamp(pdb.status.disruptedPods.p1);
  assert.ok(at >= Math.floor(before / 1000) * 1000 && at <= c.sim.now, pdb.status.disruptedPods.p1);
  // Reaching 0 flips the condition, as pdbhelper.UpdateDisruptionAllowedCondition does.
  assert.equal(
    pdb.status.conditions.map((x: any) => [x.type, x.status, x.reason]),
    [["DisruptionAllowed", "False", "InsufficientPods"]],
  );
  const p1 = c.get("pods", "p1") as KubeObject;
  assert.ok(p1.metadata.deletionTimestamp);
  const mark = p1.status.conditions.find((x: any) => x.type === "DisruptionTarget");
  assert.equal({ status: mark.status, reason: mark.reason, message: mark.message }, { status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting" });

  r = evict(c, "p2");
  assert.is(r.status, 429);
  assert.equal(r.body, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: "Cannot evict pod as it would violate the pod's disruption budget.",
    reason: "TooManyRequests",
    details: { causes: [{ reason: "DisruptionBudget", message: "The disruption budget web needs 2 healthy pods and has 3 currently" }] },
    code: 429,
  });
  assert.ok(!(c.get("pods", "p2") as KubeObject).metadata.deletionTimestamp, "the refused pod is untouched");
  // KubeClient.evict sees the same refusal as a KubeApiError.
  const client = c.client("drainer", c.adminToken);
  let err: KubeApiError | undefined;
  c.wait<unknown>((cb) => client.evict("default", "p3", {}, (e, s) => {
    err = e;
    cb(undefined, s ?? {});
  }));
  assert.equal([err?.code, err?.reason], [429, "TooManyRequests"]);
});

test("eviction: a stale PDB status (observedGeneration < generation) is 429 'still being processed'; dry run writes nothing", () => {
  const c = new Cluster({ seed: 3 });
  runningPod(c, "p1", true);
  c.apply(pdbYaml("web", "maxUnavailable: 1"));
  // The controller has not seen generation 1 yet.
  setBudget(c, "web", { allowed: 1, current: 1, desired: 0, observedGeneration: 0 });
  let r = evict(c, "p1");
  assert.is(r.status, 429);
  assert.equal(r.body.details, { causes: [{ reason: "DisruptionBudget", message: "The disruption budget web is still being processed by the server." }], retryAfterSeconds: 10 });
  setBudget(c, "web", { allowed: 1, current: 1, desired: 0 });
  r = raw(c, { method: "POST", path: "/api/v1/namespaces/default/pods/p1/eviction", query: { dryRun: "All" }, body: JSON.stringify({ apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "p1" } }) });
  assert.is(r.status, 201);
  assert.is((c.get("pdb", "web") as KubeObject).status.disruptionsAllowed, 1);
  assert.ok(!(c.get("pods", "p1") as KubeObject).metadata.deletionTimestamp);
});

test("eviction: two PDBs over one pod is a 500; terminal and Pending pods skip the budget", () => {
  const c = new Cluster({ seed: 3 });
  runningPod(c, "p1", true);
  c.apply(pdbYaml("one", "minAvailable: 1"));
  c.apply(pdbYaml("two", "maxUnavailable: 0"));
  let r = evict(c, "p1");
  assert.equal(r.body, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.", code: 500 });
  assert.is(r.status, 500);
  // A Failed pod already disrupted: deleted regardless of the budgets (and at once: terminal).
  runningPod(c, "done", false, { app: "web" }, "Failed");
  r = evict(c, "done");
  assert.is(r.status, 201);
  assert.not.ok(podExists(c, "done"));
  runningPod(c, "new", false, { app: "web" }, "Pending");
  assert.is(evict(c, "new").status, 201);
});

test("eviction of a not-Ready pod: IfHealthyBudget only while the budget is met; AlwaysAllow always; neither costs budget", () => {
  const c = new Cluster({ seed: 3 });
  runningPod(c, "sick", false);
  runningPod(c, "ok1", true);
  c.apply(pdbYaml("web", "minAvailable: 2"));
  // 1 healthy of 2 desired: the budget is not met, the unhealthy pod is protected.
  setBudget(c, "web", { allowed: 0, current: 1, desired: 2 });
  let r = evict(c, "sick");
  assert.is(r.status, 429);
  assert.is(r.body.details.causes[0].message, "The disruption budget web needs 2 healthy pods and has 1 currently");
  // Budget met (2 ≥ 2): the unhealthy pod may go, without touching disruptionsAllowed.
  setBudget(c, "web", { allowed: 0, current: 2, desired: 2 });
  r = evict(c, "sick");
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.is((c.get("pdb", "web") as KubeObject).status.disruptionsAllowed, 0);
  assert.ok((c.get("pods", "sick") as KubeObject).metadata.deletionTimestamp);

  runningPod(c, "sick2", false);
  setBudget(c, "web", { allowed: 0, current: 1, desired: 2 });
  assert.is(evict(c, "sick2").status, 429);
  c.patch("pdb", "web", { spec: { unhealthyPodEvictionPolicy: "AlwaysAllow" } }, "merge");
  setBudget(c, "web", { allowed: 0, current: 1, desired: 2, observedGeneration: 2 });
  assert.is(evict(c, "sick2").status, 201);
  // A Ready pod still needs the budget under AlwaysAllow.
  assert.is(evict(c, "ok1").status, 429);
});

test("RBAC: eviction is create on pods/eviction", () => {
  const c = new Cluster({ seed: 3 });
  runningPod(c, "p1", true);
  const token = "viewer-token";
  c.apiserver.addToken({ token, user: "viewer", uid: "viewer", groups: ["system:authenticated"] });
  const r = raw(c, { method: "POST", path: "/api/v1/namespaces/default/pods/p1/eviction", body: JSON.stringify({ apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "p1" } }) }, token);
  assert.is(r.status, 403);
  assert.is(r.body.message, `pods "p1" is forbidden: User "viewer" cannot create resource "pods/eviction" in API group "" in the namespace "default"`);
});

test.run();
