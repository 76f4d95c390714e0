// The HTTP front itself, against a stub engine (no cluster): request translation (lower-case
// headers, repeated query keys, decoded path), what it answers alone (health, version,
// discovery, OpenAPI), Tables made from the engine's JSON, watch streams (chunked NDJSON,
// Table events, closed when the client goes), body limits, protobuf bodies, https + kubeconfig.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as http from "http";
import * as https from "https";
import * as crypto from "crypto";
import { Simulation } from "../../src/sim/index";
import { serveApi, kubeconfigYaml } from "../../src/apiserver/http/index";
import type { ApiHttpServer } from "../../src/apiserver/http/index";
import type { RestRequest, RestResponder, RestStream } from "../../src/apiserver/rest";
import { protobufToJson } from "../../src/apiserver/http/protobuf";
import { selfSignedCert } from "../../src/apiserver/http/tls";
import { DEFAULT_EPOCH_SECONDS } from "../../src/apiserver/registry/object";
import { parse as parseYaml } from "yaml";

const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
const json = async (r: Response | Promise<Response>): Promise<any> => (await r).json();
const ts = (virtualMs: number) => new Date(DEFAULT_EPOCH_SECONDS * 1000 + virtualMs).toISOString().replace(/\.\d+Z$/, "Z");

interface Stub {
  sim: Simulation;
  apiserver: { serve(req: RestRequest, res: RestResponder): void };
  seen: RestRequest[];
  streams: { stream: RestStream; closed: boolean }[];
}

function stub(): Stub {
  const sim = new Simulation({ seed: 1, trace: false });
  const s: Stub = {
    sim,
    seen: [],
    streams: [],
    apiserver: {
      serve(req, res) {
        s.seen.push(req);
        const cm = (name: string) => ({ kind: "ConfigMap", apiVersion: "v1", metadata: { name, namespace: "default", resourceVersion: "5", creationTimestamp: ts(0) }, data: { a: "1" } });
        if (req.method === "POST") return res.send(201, JSON.parse(req.body!));
        if (req.path === "/api/v1/namespaces/default/configmaps" && req.query.watch === "true") {
          const stream = res.stream(200, { "content-type": "application/json" });
          const entry = { stream, closed: false };
          stream.onClose(() => (entry.closed = true));
          s.streams.push(entry);
          stream.event({ type: "ADDED", object: cm("a") });
          sim.after("100ms", () => stream.event({ type: "MODIFIED", object: cm("a") }));
          return;
        }
        if (req.path === "/api/v1/namespaces/default/configmaps") return res.send(200, { kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: "9" }, items: [cm("a"), cm("b")] });
        if (req.path === "/api/v1/namespaces/default/configmaps/a") return res.send(200, cm("a"));
        if (req.path === "/api/v1/namespaces/default/configmaps/slow") return sim.after("200ms", () => res.send(200, cm("slow")));
        res.send(404, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "not found", reason: "NotFound", code: 404 });
      },
    },
  };
  return s;
}

async function withServer(fn: (s: ApiHttpServer, st: Stub) => Promise<void>, opts: { tls?: boolean } = {}) {
  const st = stub();
  const s = await serveApi({ port: 0, cluster: st, tls: opts.tls ?? false, requestTimeoutMs: 2000 });
  try {
    await fn(s, st);
  } finally {
    await s.close();
  }
}

test("health, version, discovery and OpenAPI are answered by the front", () =>
  withServer(async (s, st) => {
    for (const p of ["/healthz", "/readyz", "/livez"]) {
      const r = await fetch(s.url + p);
      assert.is(r.status, 200);
      assert.is(await r.text(), "ok");
    }
    assert.is((await json(fetch(s.url + "/version"))).gitVersion, "v1.32.0");
    const agg = await fetch(s.url + "/apis", { headers: { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json" } });
    assert.is(agg.headers.get("content-type"), "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    const legacy = await fetch(s.url + "/apis/apps/v1");
    assert.is((await json(legacy)).kind, "APIResourceList");
    assert.ok((await json(fetch(s.url + "/openapi/v3"))).paths["api/v1"]);
    assert.is((await fetch(s.url + "/openapi/v2")).status, 404);
    assert.is(st.seen.length, 0, "the engine saw none of these");
  }));

test("requests reach the engine as RestRequests: lower-case headers, repeated query keys, decoded path", () =>
  withServer(async (s, st) => {
    await fetch(s.url + "/api/v1/namespaces/default/configmaps/a?x=1&x=2&labelSelector=a%3Db", { headers: { "X-Custom": "v", Authorization: "Bearer t" } });
    const r = st.seen[0];
    assert.is(r.method, "GET");
    assert.is(r.path, "/api/v1/namespaces/default/configmaps/a");
    assert.equal(r.query, { x: ["1", "2"], labelSelector: "a=b" });
    assert.is(r.headers["x-custom"], "v");
    assert.is(r.headers.authorization, "Bearer t");
    const post = await fetch(s.url + "/api/v1/namespaces/default/configmaps", { method: "POST", body: '{"kind":"ConfigMap"}', headers: { "content-type": "application/json" } });
    assert.is(post.status, 201);
    assert.is(st.seen[1].body, '{"kind":"ConfigMap"}');
    const slow = await fetch(s.url + "/api/v1/namespaces/default/configmaps/slow");
    assert.is(slow.status, 200, "an answer that takes virtual time arrives as the bridge runs the simulation");
  }));

test("Tables from the engine's JSON when the Accept header asks; plain JSON otherwise", () =>
  withServer(async (s, st) => {
    const t = await json(fetch(s.url + "/api/v1/namespaces/default/configmaps?limit=500&includeObject=Object", { headers: { accept: TABLE } }));
    assert.is(t.kind, "Table");
    assert.equal(t.metadata, { resourceVersion: "9" });
    assert.equal(t.columnDefinitions.map((c: any) => c.name), ["Name", "Data", "Age"]);
    assert.equal(t.rows.map((r: any) => r.cells.slice(0, 2)), [["a", 1], ["b", 1]]);
    assert.is(t.rows[0].object.kind, "ConfigMap", "includeObject=Object: the full object");
    assert.is(st.seen[0].headers.accept, "application/json", "the engine is asked for JSON");
    assert.is(st.seen[0].query.includeObject, undefined);
    const one = await json(fetch(s.url + "/api/v1/namespaces/default/configmaps/a", { headers: { accept: TABLE } }));
    assert.is(one.rows.length, 1);
    assert.is(one.rows[0].object.kind, "PartialObjectMetadata");
    const plain = await json(fetch(s.url + "/api/v1/namespaces/default/configmaps/a"));
    assert.is(plain.kind, "ConfigMap");
    const err = await fetch(s.url + "/api/v1/namespaces/default/configmaps/nope", { headers: { accept: TABLE } });
    assert.is(err.status, 404);
    assert.is((await json(err)).kind, "Status", "errors stay Status objects");
  }));

function readLines(url: string, n: number, accept?: string): Promise<{ lines: any[]; headers: http.IncomingHttpHeaders; req: http.ClientRequest }> {
  return new Promise((resolve, reject) => {
    const lines: any[] = [];
    const req = http.get(url, { headers: accept ? { accept } : {} }, (res) => {
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        buf += d;
        const parts = buf.split("\n");
        buf = parts.pop()!;
        for (const p of parts) if (p) lines.push(JSON.parse(p));
        if (lines.length >= n) resolve({ lines, headers: res.headers, req });
      });
    });
    req.on("error", reject);
  });
}

test("watch: chunked NDJSON, Table events with headers once, closed when the client goes", () =>
  withServer(async (s, st) => {
    const { lines, headers, req } = await readLines(s.url + "/api/v1/namespaces/default/configmaps?watch=true", 2);
    assert.is(headers["transfer-encoding"], "chunked");
    assert.is(headers["content-type"], "application/json");
    assert.equal(lines.map((l) => [l.type, l.object.kind]), [["ADDED", "ConfigMap"], ["MODIFIED", "ConfigMap"]]);
    req.destroy();
    const t = await readLines(s.url + "/api/v1/namespaces/default/configmaps?watch=true", 2, TABLE);
    assert.is(t.lines[0].object.kind, "Table");
    assert.ok(t.lines[0].object.columnDefinitions.length > 0);
    assert.equal(t.lines[1].object.columnDefinitions, []);
    assert.equal(t.lines[1].object.rows[0].cells.slice(0, 2), ["a", 1]);
    t.req.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(st.streams.map((x) => x.closed), [true, true], "the engine heard that both clients went away");
  }));

test("bad requests at the front: 413 over the body limit, 405 for other methods, Status bodies", () =>
  withServer(async (s) => {
    const big = await fetch(s.url + "/api/v1/namespaces/default/configmaps", { method: "POST", body: "x".repeat(3 * 1024 * 1024 + 1) });
    assert.is(big.status, 413);
    const b = await json(big);
    assert.equal([b.kind, b.reason, b.code], ["Status", "RequestEntityTooLarge", 413]);
    const opt = await fetch(s.url + "/api/v1/pods", { method: "OPTIONS" });
    assert.is(opt.status, 405);
    assert.is((await json(opt)).reason, "MethodNotAllowed");
    const pb = await fetch(s.url + "/api/v1/namespaces/default/configmaps", { method: "POST", body: "not protobuf", headers: { "content-type": "application/vnd.kubernetes.protobuf" } });
    assert.is(pb.status, 400);
  }));

// Protobuf as kubectl's typed clients write it: "k8s\0" + Unknown{typeMeta, raw}.
const pbStr = (n: number, s: string | Buffer) => {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
  return Buffer.concat([Buffer.from([(n << 3) | 2, b.length]), b]);
};
const envelope = (apiVersion: string, kind: string, raw: Buffer) => Buffer.concat([Buffer.from("k8s\0", "latin1"), pbStr(1, Buffer.concat([pbStr(1, apiVersion), pbStr(2, kind)])), pbStr(2, raw)]);

test("protobuf bodies of kubectl's typed clients become JSON", () => {
  const ra = Buffer.concat([pbStr(1, "default"), pbStr(2, "create"), pbStr(3, "apps"), pbStr(5, "deployments")]);
  const ssar = envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", Buffer.concat([pbStr(1, Buffer.alloc(0)), pbStr(2, pbStr(1, ra))]));
  assert.equal(JSON.parse(protobufToJson(ssar).json!), {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SelfSubjectAccessReview",
    metadata: {},
    spec: { resourceAttributes: { namespace: "default", verb: "create", group: "apps", resource: "deployments" } },
  });
  const meta = Buffer.concat([pbStr(1, "c1"), pbStr(2, ""), pbStr(11, Buffer.concat([pbStr(1, "app"), pbStr(2, "web")]))]);
  const cm = envelope("v1", "ConfigMap", Buffer.concat([pbStr(1, meta), pbStr(2, Buffer.concat([pbStr(1, "k"), pbStr(2, "v")]))]));
  assert.equal(JSON.parse(protobufToJson(cm).json!), { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c1", labels: { app: "web" } }, data: { k: "v" } });
  assert.is(protobufToJson(envelope("batch/v1", "Job", Buffer.alloc(0))).error!.status, 415);
  assert.is(protobufToJson(Buffer.from("k8s\0\x0a\xff", "latin1")).error!.status, 400);
});

test("https with a fresh self-signed certificate for loopback; the kubeconfig carries it as the CA", async () => {
  const c = selfSignedCert();
  const x = new crypto.X509Certificate(c.cert);
  assert.ok(x.checkIP("127.0.0.1"));
  assert.ok(x.checkHost("localhost"));
  assert.ok(x.verify(x.publicKey), "self-signed");
  await withServer(
    async (s) => {
      assert.ok(s.url.startsWith("https://"));
      const body: string = await new Promise((resolve, reject) =>
        https.get(s.url + "/healthz", { ca: s.ca }, (res) => {
          let b = "";
          res.on("data", (d) => (b += d));
          res.on("end", () => resolve(b));
        }).on("error", reject),
      );
      assert.is(body, "ok", "the certificate verifies against itself as the CA");
      const kc = parseYaml(kubeconfigYaml(s.url, "tok", s.ca));
      assert.is(Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64").toString(), s.ca);
    },
    { tls: true },
  );
});

test.run();
