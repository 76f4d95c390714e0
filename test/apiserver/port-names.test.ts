// Port names: a container port's name and a Service's string targetPort must be IANA service
// names [apimachinery pkg/util/validation IsValidPortName; k/k pkg/apis/core/validation
// validateContainerPorts, validateServicePort]. Each broken rule is its own field error.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { validateCreate } from "../../src/apiserver/registry/validation";
import { applyDefaults } from "../../src/apiserver/registry/defaults";
import { findByKind } from "../../src/apiserver/registry/resources";
import { Errors } from "../../src/apiserver/registry/errors";
import { isValidPortName } from "../../src/apiserver/registry/names";

const CHARSET = "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)";
const LETTER = "must contain at least one letter (a-z)";

test("isValidPortName: each rule and its message", () => {
  for (const ok of ["http", "web-8080", "a", "h2c", "x1234567890abcd"]) assert.equal(isValidPortName(ok), [], ok);
  assert.equal(isValidPortName("x1234567890abcde"), ["must be no more than 15 characters"]);
  assert.equal(isValidPortName("Http"), [CHARSET]);
  assert.equal(isValidPortName("8080"), [LETTER]);
  assert.equal(isValidPortName("my--port"), ["must not contain consecutive hyphens"]);
  assert.equal(isValidPortName("-web"), ["must not begin or end with a hyphen"]);
  assert.equal(isValidPortName("web-"), ["must not begin or end with a hyphen"]);
  assert.equal(isValidPortName(""), [CHARSET, LETTER]);
  assert.equal(isValidPortName("--"), [LETTER, "must not contain consecutive hyphens", "must not begin or end with a hyphen"]);
});

function service(targetPort: unknown) {
  const s: any = { apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "d" }, spec: { selector: { app: "a" }, ports: [{ port: 80, targetPort }] } };
  applyDefaults(s);
  return s;
}

function message(obj: any): string {
  const info = findByKind(obj.apiVersion, obj.kind)!;
  const errs = validateCreate(obj, info);
  return errs.length === 0 ? "" : Errors.invalid(info, obj.metadata.name, errs).message;
}

test("Service: a string targetPort must be a valid port name; a named one passes; a number is a port number", () => {
  assert.is(message(service("http")), "");
  assert.is(message(service(8080)), "");
  assert.is(message(service("Not_A_Port!")), `Service "s" is invalid: spec.ports[0].targetPort: Invalid value: "Not_A_Port!": ${CHARSET}`);
  assert.is(message(service("8080")), `Service "s" is invalid: spec.ports[0].targetPort: Invalid value: "8080": ${LETTER}`, "a quoted number is a (bad) name");
  assert.is(message(service("averyveryverylongname")), `Service "s" is invalid: spec.ports[0].targetPort: Invalid value: "averyveryverylongname": must be no more than 15 characters`);
  assert.match(message(service(70000)), "spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive");
});

test("Pod: container port names follow the same rule; a bad name is not also reported as a duplicate", () => {
  const pod = (ports: any[]) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "d" }, spec: { containers: [{ name: "c", image: "i", ports }] } });
  assert.is(message(pod([{ containerPort: 80, name: "http" }])), "");
  assert.is(message(pod([{ containerPort: 80, name: "-web" }])), `Pod "p" is invalid: spec.containers[0].ports[0].name: Invalid value: "-web": must not begin or end with a hyphen`);
  assert.is(message(pod([{ containerPort: 80, name: "a--b" }, { containerPort: 81, name: "a--b" }])),
    `Pod "p" is invalid: [spec.containers[0].ports[0].name: Invalid value: "a--b": must not contain consecutive hyphens, spec.containers[0].ports[1].name: Invalid value: "a--b": must not contain consecutive hyphens]`);
  assert.is(message(pod([{ containerPort: 80, name: "web" }, { containerPort: 81, name: "web" }])), `Pod "p" is invalid: spec.containers[0].ports[1].name: Duplicate value: "web"`);
  const deploy = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "d" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i", ports: [{ containerPort: 80, name: "HTTP" }] }] } } } };
  const f = `spec.template.spec.containers[0].ports[0].name: Invalid value: "HTTP"`;
  assert.is(message(deploy), `Deployment.apps "d" is invalid: [${f}: ${CHARSET}, ${f}: ${LETTER}]`, "upper case is no letter (a-z)");
});

test.run();
