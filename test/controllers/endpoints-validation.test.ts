// Bad input the endpoints controllers never see, because the API server refuses it first
// [k/k pkg/apis/core/validation/validation.go validateServicePort → IsValidPortName]. A
// targetPort name that could never match a container port name is an error at create time,
// not a silently empty Endpoints object later.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { KubeApiError } from "../../src/client/kube-client";
import { endpointsController } from "../../src/controllers/endpoints/endpoints-controller";
import { createService, getEndpoints, runningPod, withController } from "./helpers-e";

test("a Service whose targetPort is not a valid port name is refused (422 Invalid) and nothing is stored", () => {
  const { c } = withController(endpointsController);
  let err: unknown;
  try {
    createService(c, "bad", { selector: { app: "web" }, ports: [{ port: 80, targetPort: "Not_A_Port!" }] });
  } catch (e) {
    err = e;
  }
  assert.instance(err, KubeApiError);
  const e = err as KubeApiError;
  assert.is(e.code, 422);
  assert.is(e.reason, "Invalid");
  assert.match(e.message, "spec.ports[0].targetPort: Invalid value");
  assert.match(e.message, "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  c.runFor("2s");
  assert.is(getEndpoints(c, "bad"), undefined);
});

test("a Service whose selector has an invalid label value is refused; the controller keeps serving the others", () => {
  const { c } = withController(endpointsController);
  assert.throws(() => createService(c, "bad", { selector: { app: "no spaces allowed" }, ports: [{ port: 80 }] }), (e: unknown) => e instanceof KubeApiError && e.reason === "Invalid" && /spec\.selector/.test(e.message));
  createService(c, "good", { selector: { app: "web" }, ports: [{ port: 80 }] });
  runningPod(c, "w", "10.0.0.1");
  c.runFor("1s");
  assert.is(getEndpoints(c, "bad"), undefined);
  assert.is(getEndpoints(c, "good")!.subsets[0].addresses[0].ip, "10.0.0.1");
});

test.run();
