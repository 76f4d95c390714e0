// The ServiceAccount controller: every active namespace has its accounts; a deleted "default"
// comes back; a terminating namespace gets none.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { serviceAccountController, serviceAccountControllerWith } from "../../src/controllers/serviceaccount/serviceaccounts-controller";
import { newCluster, newManager, tryGet } from "./helpers-d";

test("a deleted default ServiceAccount is recreated (a new object, new uid)", () => {
  const c = newCluster(1);
  newManager(c, "sa", { serviceaccount: serviceAccountController }, { leaderElect: false }).kcm.start();
  c.runFor("1s");
  const before = tryGet(c, "serviceaccounts", "default", "default")!;
  c.delete("serviceaccounts", "default", "default");
  c.sim.runUntil(() => tryGet(c, "serviceaccounts", "default", "default") !== undefined, "5s");
  const after = tryGet(c, "serviceaccounts", "default", "default")!;
  assert.ok(after, "recreated");
  assert.is.not(after.metadata.uid, before.metadata.uid);
  const rows = c.sim.trace.rows().filter((r: any) => r.component === "serviceaccount-controller" && r.kind === "created");
  assert.equal(rows.map((r: any) => `${r.namespace}/${r.serviceAccount}`), ["default/default"]);
});

test("without the controller, nothing recreates it (the test above is the controller's doing)", () => {
  const c = newCluster(1);
  c.runFor("1s");
  c.delete("serviceaccounts", "default", "default");
  c.runFor("5s");
  assert.is(tryGet(c, "serviceaccounts", "default", "default"), undefined);
});

test("every active namespace gets every configured account; new namespaces too; terminating ones do not", () => {
  const c = newCluster(2);
  c.apply(`apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n`);
  newManager(c, "sa", { serviceaccount: serviceAccountControllerWith({ serviceAccounts: ["default", "builder"] }) }, { leaderElect: false }).kcm.start();
  c.runFor("2s");
  const nss = (c.get("namespaces") as any).items.map((n: any) => n.metadata.name);
  assert.ok(nss.length >= 5);
  for (const ns of nss) assert.ok(tryGet(c, "serviceaccounts", "builder", ns), `builder in ${ns}`);
  c.apply(`apiVersion: v1\nkind: Namespace\nmetadata: {name: team-b}\n`);
  c.runFor("1s");
  assert.ok(tryGet(c, "serviceaccounts", "builder", "team-b"));
  // A terminating namespace (no namespace controller runs here, so it stays Terminating).
  c.delete("namespaces", "team-a");
  c.delete("serviceaccounts", "builder", "team-a");
  c.runFor("5s");
  assert.is(tryGet(c, "serviceaccounts", "builder", "team-a"), undefined, "not recreated in a terminating namespace");
});

test.run();
