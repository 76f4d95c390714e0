// Audit: creates refused because the namespace is terminating. The API server says so with a
// StatusCause whose JSON field is "reason" (Go: StatusCause.Type `json:"reason"`) =
// "NamespaceTerminating"; upstream controllers test it with apierrors.HasStatusCause and treat
// it as "nothing to do", not as a failure:
//   - ReplicaSet: the create counts as done, no FailedCreate event, no ReplicaFailure condition
//     [k/k pkg/controller/replicaset/replica_set.go manageReplicas, controller_utils.go createPods];
//   - Deployment: no ReplicaSetCreateError condition or event [k/k pkg/controller/deployment/sync.go getNewReplicaSet];
//   - Endpoints: the key is dropped, no retries [k/k pkg/controller/endpoint/endpoints_controller.go syncService].
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { replicaSetController } from "../../src/controllers/replicaset/replicaset-controller";
import { deploymentController } from "../../src/controllers/deployment/deployment-controller";
import { endpointsController } from "../../src/controllers/endpoints/endpoints-controller";
import { hasStatusCause } from "../../src/controllers/util/errors";
import { deploymentYaml, replicaSetYaml, startFakeKubelet, startHarness, traceRows } from "./helpers-b";

const NS = "doomed";
const inNs = (yaml: string) => yaml.replace("metadata:\n", `metadata:\n  namespace: ${NS}\n`);

function terminatingNamespace(c: any): void {
  c.apply(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n`);
}

test("hasStatusCause reads the cause's JSON field reason, as the API server sends it", () => {
  const err = { status: { code: 403, reason: "Forbidden", details: { causes: [{ reason: "NamespaceTerminating", message: "namespace x is being terminated", field: "metadata.namespace" }] } } };
  assert.ok(hasStatusCause(err, "NamespaceTerminating"));
  assert.not.ok(hasStatusCause(err, "FieldValueInvalid"));
  assert.not.ok(hasStatusCause(new Error("plain"), "NamespaceTerminating"));
});

test("ReplicaSet in a terminating namespace: a refused create is no failure (no ReplicaFailure, no retry storm)", () => {
  const { c } = startHarness([replicaSetController]);
  startFakeKubelet(c);
  terminatingNamespace(c);
  c.apply(inNs(replicaSetYaml("web", 2)));
  c.runFor("5s");
  // No namespace controller runs: the namespace stays Terminating (finalizer "kubernetes").
  c.delete("namespaces", NS, undefined);
  c.runFor("1s");
  assert.is((c.get("namespaces", NS, undefined) as KubeObject).status.phase, "Terminating");
  const before = traceRows(c, "replicaset-controller", "create-pods").length;
  c.patch("replicasets", "web", { spec: { replicas: 3 } }, "merge", NS);
  c.runFor("10s");
  const rs = c.get("replicasets", "web", NS) as KubeObject;
  const failure = (rs.status?.conditions ?? []).find((x: any) => x.type === "ReplicaFailure");
  assert.is(failure, undefined, `no ReplicaFailure condition, got ${JSON.stringify(failure)}`);
  // The create "succeeded" as far as the expectations go: no new attempt until they expire (5 min).
  assert.is(traceRows(c, "replicaset-controller", "create-pods").length - before, 1);
});

test("Deployment in a terminating namespace: no ReplicaSetCreateError condition for the refused new RS", () => {
  const { c } = startHarness([replicaSetController, deploymentController]);
  startFakeKubelet(c);
  terminatingNamespace(c);
  c.apply(inNs(deploymentYaml("web", 2)));
  c.runFor("10s");
  c.delete("namespaces", NS, undefined);
  c.runFor("1s");
  c.patch("deployments", "web", { spec: { template: { spec: { containers: [{ name: "app", image: "nginx:1.28" }] } } } }, "strategic", NS);
  c.runFor("10s");
  const d = c.get("deployments", "web", NS) as KubeObject;
  const p = (d.status?.conditions ?? []).find((x: any) => x.type === "Progressing");
  assert.is.not(p.reason, "ReplicaSetCreateError", `Progressing: ${JSON.stringify(p)}`);
});

test("Endpoints for a Service in a terminating namespace: the refused create is dropped, not retried", () => {
  const { c, ctx } = startHarness([]);
  terminatingNamespace(c);
  c.apply(`apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: ${NS}\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n`);
  c.delete("namespaces", NS, undefined);
  c.runFor("1s");
  const ec = endpointsController(ctx);
  ctx.informers.start();
  ec.start();
  c.runFor("30s");
  ec.stop();
  assert.is(traceRows(c, "endpoints-controller", "create-error").length, 0);
});

test.run();
