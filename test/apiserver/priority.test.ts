// PriorityClass and the Priority admission plugin: what the scheduler reads as spec.priority.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { pod, post, raw } from "./helpers";

const PCS = "/apis/scheduling.k8s.io/v1/priorityclasses";
const PODS = "/api/v1/namespaces/default/pods";
const pc = (name: string, value: number, extra: Record<string, unknown> = {}) => ({ apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name }, value, ...extra });

test("the two system classes exist from the start; a new class defaults preemptionPolicy", () => {
  const c = new Cluster({ seed: 61 });
  const node = raw(c, { path: `${PCS}/system-node-critical` }).body;
  assert.equal([node.value, node.preemptionPolicy, node.globalDefault], [2000001000, "PreemptLowerPriority", undefined]);
  assert.is(raw(c, { path: `${PCS}/system-cluster-critical` }).body.value, 2000000000);
  const hi = post(c, PCS, pc("high", 1000, { description: "important" }));
  assert.is(hi.status, 201);
  assert.is(hi.body.preemptionPolicy, "PreemptLowerPriority");
  assert.is(hi.body.metadata.namespace, undefined, "cluster-scoped");
});

test("validation: reserved system- names, the user maximum, immutable value, one global default", () => {
  const c = new Cluster({ seed: 62 });
  const sys = post(c, PCS, pc("system-mine", 5));
  assert.is(sys.status, 422);
  assert.match(sys.body.message, /metadata\.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only/);
  const big = post(c, PCS, pc("huge", 1_000_000_001));
  assert.equal([big.status, big.body.message], [422, 'PriorityClass.scheduling.k8s.io "huge" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000']);
  const badPolicy = post(c, PCS, pc("p", 1, { preemptionPolicy: "Sometimes" }));
  assert.is(badPolicy.status, 422);
  const low = post(c, PCS, pc("low", 10)).body;
  const changed = raw(c, { method: "PUT", path: `${PCS}/low`, body: JSON.stringify({ ...low, value: 11 }) });
  assert.equal([changed.status, changed.body.message], [422, 'PriorityClass.scheduling.k8s.io "low" is invalid: value: Forbidden: may not be changed in an update.']);
  assert.is(post(c, PCS, pc("default-a", 100, { globalDefault: true })).status, 201);
  const second = post(c, PCS, pc("default-b", 200, { globalDefault: true }));
  assert.equal([second.status, second.body.message], [403, 'priorityclasses.scheduling.k8s.io "default-b" is forbidden: PriorityClass default-a is already marked as default. Only one default can exist']);
});

test("Priority admission: class → spec.priority and preemptionPolicy; no class → 0, or the global default", () => {
  const c = new Cluster({ seed: 63 });
  const none = post(c, PODS, pod("plain")).body;
  assert.is(none.spec.priority, 0);
  assert.is(none.spec.priorityClassName, undefined);
  assert.is(none.spec.preemptionPolicy, undefined);
  post(c, PCS, pc("batch", 50, { preemptionPolicy: "Never" }));
  c.runFor("100ms");
  const crit = post(c, PODS, { ...pod("crit"), spec: { priorityClassName: "system-node-critical", containers: [{ name: "c", image: "i" }] } }).body;
  assert.equal([crit.spec.priority, crit.spec.preemptionPolicy], [2000001000, "PreemptLowerPriority"]);
  const batch = post(c, PODS, { ...pod("batch"), spec: { priorityClassName: "batch", containers: [{ name: "c", image: "i" }] } }).body;
  assert.equal([batch.spec.priority, batch.spec.preemptionPolicy], [50, "Never"]);
  post(c, PCS, pc("normal", 7, { globalDefault: true }));
  c.runFor("100ms");
  const def = post(c, PODS, pod("def")).body;
  assert.equal([def.spec.priorityClassName, def.spec.priority], ["normal", 7]);
  // Priority is set on create only: the plugin puts the stored value back on update.
  const upd = raw(c, { method: "PUT", path: `${PODS}/def`, body: JSON.stringify({ ...def, spec: { ...def.spec, priority: 99 } }) });
  assert.equal([upd.status, upd.body.spec.priority], [200, 7]);
});

test("Priority admission refuses an unknown class and a priority that disagrees with the class", () => {
  const c = new Cluster({ seed: 64 });
  const unknown = post(c, PODS, { ...pod("x"), spec: { priorityClassName: "ghost", containers: [{ name: "c", image: "i" }] } });
  assert.equal([unknown.status, unknown.body.reason, unknown.body.message], [403, "Forbidden", 'pods "x" is forbidden: no PriorityClass with name ghost was found']);
  const lying = post(c, PODS, { ...pod("y"), spec: { priorityClassName: "system-cluster-critical", priority: 5, containers: [{ name: "c", image: "i" }] } });
  assert.equal(
    [lying.status, lying.body.message],
    [403, 'pods "y" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 2000000000 from the given PriorityClass name'],
  );
  const agree = post(c, PODS, { ...pod("z"), spec: { priority: 0, containers: [{ name: "c", image: "i" }] } });
  assert.is(agree.status, 201, "a priority equal to the computed one is accepted");
  const policy = post(c, PODS, { ...pod("w"), spec: { priorityClassName: "system-cluster-critical", preemptionPolicy: "Never", containers: [{ name: "c", image: "i" }] } });
  assert.is(policy.status, 403);
  assert.match(policy.body.message, /the string value of PreemptionPolicy \(Never\) must not be provided in pod spec; priority admission controller computed PreemptLowerPriority/);
});

test.run();
