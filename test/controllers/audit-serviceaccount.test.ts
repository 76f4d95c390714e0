// Audit of the ServiceAccount controller against k/k pkg/controller/serviceaccount/serviceaccounts_controller.go (v1.32):
// syncNamespace ignores AlreadyExists and NamespaceTerminating; any other create error (say an
// exceeded quota) fails the sync, which is retried with back-off until it succeeds.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { serviceAccountController } from "../../src/controllers/serviceaccount/serviceaccounts-controller";
import { resourceQuotaController } from "../../src/controllers/resourcequota/resource-quota-controller";
import { startHarness } from "./helpers-b";

test("a refused re-creation of the default ServiceAccount (quota) is retried until it succeeds", () => {
  const { c } = startHarness([serviceAccountController, resourceQuotaController]);
  c.apply(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n`);
  c.runFor("2s");
  assert.ok(c.get("serviceaccounts", "default", "team"));
  c.apply(`apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: q\n  namespace: team\nspec:\n  hard:\n    count/serviceaccounts: "0"\n`);
  c.runFor("3s");
  c.delete("serviceaccounts", "default", "team");
  c.runFor("3s");
  assert.throws(() => c.get("serviceaccounts", "default", "team"), /not found/, "the quota refuses it for now");
  c.patch("resourcequotas", "q", { spec: { hard: { "count/serviceaccounts": "5" } } }, "merge", "team");
  c.runFor("60s");
  const sa = c.get("serviceaccounts", "default", "team") as KubeObject;
  assert.is(sa.metadata.name, "default");
});

test.run();
