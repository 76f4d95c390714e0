// Fuzz: thousands of generated bad requests at the HTTP front of a simulated cluster. Malformed
// JSON and YAML, wrong types, unknown kinds, bad names, huge bodies, bad patches, non-object
// bodies, bad query parameters, bad paths and methods. Checked: never a 5xx; every error is a
// Kubernetes Status whose code is the HTTP status; the server keeps answering; and nothing is
// stored in part (every object in the cluster is the same before and after).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { serveApi } from "../../src/apiserver/http/index";
import type { ApiHttpServer } from "../../src/apiserver/http/index";
import { RESOURCES } from "../../src/apiserver/registry/resources";

const N = Number(process.env.KUBELAB_FUZZ_N || 3000);
const SEED = Number(process.env.KUBELAB_FUZZ_SEED || 42);

/** mulberry32: the test's own seeded generator (the engine's RNG is not for test inputs). */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] };
}

interface FuzzRequest {
  category: string;
  /** body is bytes (latin1), not text */
  binary?: boolean;
  method: string;
  path: string;
  body?: string;
  contentType?: string;
}

const NS = "fuzz";
const COLLECTIONS: Record<string, { path: string; apiVersion: string; kind: string }> = {
  configmaps: { path: `/api/v1/namespaces/${NS}/configmaps`, apiVersion: "v1", kind: "ConfigMap" },
  secrets: { path: `/api/v1/namespaces/${NS}/secrets`, apiVersion: "v1", kind: "Secret" },
  pods: { path: `/api/v1/namespaces/${NS}/pods`, apiVersion: "v1", kind: "Pod" },
  services: { path: `/api/v1/namespaces/${NS}/services`, apiVersion: "v1", kind: "Service" },
  deployments: { path: `/apis/apps/v1/namespaces/${NS}/deployments`, apiVersion: "apps/v1", kind: "Deployment" },
  namespaces: { path: `/api/v1/namespaces`, apiVersion: "v1", kind: "Namespace" },
};

const validPod = (name: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: "nginx" }] } });
const validDeploy = (name: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
});

function generate(r: ReturnType<typeof rng>): FuzzRequest {
  const coll = r.pick(Object.keys(COLLECTIONS));
  const c = COLLECTIONS[coll];
  const name = `f${r.int(1e6)}`;
  const category = r.pick(["malformed-json", "malformed-yaml", "wrong-types", "unknown-kind", "bad-name", "huge-body", "bad-patch", "non-object", "bad-query", "bad-path", "bad-protobuf"]);
  switch (category) {
    case "malformed-json": {
      const good = JSON.stringify(coll === "pods" ? validPod(name) : coll === "deployments" ? validDeploy(name) : { apiVersion: c.apiVersion, kind: c.kind, metadata: { name } });
      const cut = good.slice(0, 1 + r.int(good.length - 2));
      const body = r.pick([cut, good + "}", good.replace(/"/g, "'"), "{", "{{}}", '{"a":}', "\u0000\u0001", '{"metadata":{"name":"x",}}', good.replace(":", "")]);
      return { category, method: "POST", path: c.path, body, contentType: "application/json" };
    }
    case "malformed-yaml": {
      const body = r.pick(["apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n", "\tkey: value\n", "a: b: c\n", "- a\nb: c\n", "metadata: {name: x\n", "!!binary 123", "&a [*a]"]);
      return { category, method: r.pick(["POST", "PUT"]), path: r.pick([c.path, `${c.path}/${name}`]), body, contentType: "application/yaml" };
    }
    case "wrong-types": {
      const variants: object[] = [
        { apiVersion: c.apiVersion, kind: c.kind, metadata: "x" },
        { apiVersion: c.apiVersion, kind: c.kind, metadata: { name: 5 } },
        { apiVersion: c.apiVersion, kind: c.kind, metadata: { name, labels: [1, 2] } },
        { apiVersion: c.apiVersion, kind: c.kind, metadata: { name, labels: { a: 1 } } },
        { apiVersion: c.apiVersion, kind: c.kind, metadata: { name, annotations: "no" } },
        { apiVersion: 1, kind: c.kind, metadata: { name } },
        { apiVersion: c.apiVersion, kind: ["x"], metadata: { name } },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { a: 1 } },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: "abc" },
        { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: "nginx" } },
        { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: 7 }] } },
        { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [] } },
        { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c" }] } },
        { apiVersion: "apps/v1", kind: "Deployment", metadata: { name }, spec: { ...validDeploy(name).spec, replicas: "three" } },
        { apiVersion: "apps/v1", kind: "Deployment", metadata: { name }, spec: { ...validDeploy(name).spec, replicas: -1 } },
        { apiVersion: "apps/v1", kind: "Deployment", metadata: { name }, spec: { ...validDeploy(name).spec, selector: { matchLabels: { app: "other" } } } },
        { apiVersion: "v1", kind: "Service", metadata: { name }, spec: { ports: [{ port: 99999 }] } },
        { apiVersion: "v1", kind: "Service", metadata: { name }, spec: { ports: [{ port: "http" }] } },
      ];
      const pick = r.pick(variants) as any;
      // Send each to its own kind's collection so the only fault is the typed field.
      const target = Object.values(COLLECTIONS).find((x) => x.kind === pick.kind && x.apiVersion === pick.apiVersion) ?? c;
      return { category, method: "POST", path: target.path, body: JSON.stringify(pick), contentType: "application/json" };
    }
    case "unknown-kind": {
      const body = r.pick([
        { apiVersion: "v1", kind: "Foo", metadata: { name } },
        { apiVersion: "foo.example.com/v9", kind: c.kind, metadata: { name } },
        { apiVersion: "apps/v1", kind: "Pod", metadata: { name } },
        { apiVersion: c.apiVersion, kind: c.kind === "ConfigMap" ? "Secret" : "ConfigMap", metadata: { name } },
        { apiVersion: "v2", kind: c.kind, metadata: { name } },
        // (No apiVersion/kind at all is not bad: the server takes them from the URL, as the real one does.)
      ]);
      return { category, method: "POST", path: c.path, body: JSON.stringify(body), contentType: "application/json" };
    }
    case "bad-name": {
      const bad = r.pick(["UPPER", "a_b", "-a", "a-", "a".repeat(300), "", "../etc", "a b", "ünï", "a.b..c", ".", "..", "x".repeat(254)]);
      const kind = r.pick(["configmaps", "pods", "deployments", "namespaces", "services"]);
      const k = COLLECTIONS[kind];
      let obj: any = kind === "pods" ? validPod(bad) : kind === "deployments" ? validDeploy("d") : { apiVersion: k.apiVersion, kind: k.kind, metadata: { name: bad } };
      if (kind === "deployments") obj = { ...obj, metadata: { name: bad } };
      if (kind === "services") obj.spec = { ports: [{ port: 80 }] };
      // Names that are fine for some kinds (ConfigMaps take subdomains) are excluded above by using only invalid ones.
      return { category, method: "POST", path: k.path, body: JSON.stringify(obj), contentType: "application/json" };
    }
    case "huge-body": {
      const size = r.pick([1_600_000, 2_000_000, 3_200_000, 5_000_000]);
      const obj = { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { big: "x".repeat(size) } };
      return { category, method: "POST", path: COLLECTIONS.configmaps.path, body: JSON.stringify(obj), contentType: "application/json" };
    }
    case "bad-patch": {
      const target = r.pick([`${COLLECTIONS.configmaps.path}/keep`, `${COLLECTIONS.deployments.path}/keep`, `${COLLECTIONS.configmaps.path}/missing`]);
      const variant = r.pick([
        { ct: "application/json-patch+json", body: '[{"op":"bogus","path":"/a"}]' },
        { ct: "application/json-patch+json", body: '[{"op":"replace","path":"/metadata/nope/deeper","value":1}]' },
        { ct: "application/json-patch+json", body: '[{"op":"test","path":"/metadata/name","value":"other"}]' },
        { ct: "application/json-patch+json", body: '{"op":"add"}' },
        { ct: "application/json-patch+json", body: '[{"op":"remove","path":"/metadata/name"}]' },
        { ct: "application/merge-patch+json", body: "[1,2]" },
        { ct: "application/merge-patch+json", body: '{"metadata":{"name":"renamed"}}' },
        { ct: "application/merge-patch+json", body: '{"kind":"Secret"}' },
        { ct: "application/merge-patch+json", body: '{"metadata":{"labels":{"a":5}}}' },
        { ct: "application/merge-patch+json", body: '{"spec":{"replicas":"x"}}' },
        { ct: "application/strategic-merge-patch+json", body: '{"$patch":"bogus"}' },
        { ct: "application/strategic-merge-patch+json", body: '{"metadata":{"resourceVersion":"1"},"data":{"z":"1"}}' },
        { ct: "application/strategic-merge-patch+json", body: "{" },
        { ct: "application/x-unknown-patch", body: "{}" },
        { ct: "text/plain", body: "hello" },
      ]);
      // A patch of spec only makes sense (and only fails for its type) on the Deployment.
      const path = variant.body.includes('"spec"') ? `${COLLECTIONS.deployments.path}/keep` : target;
      return { category, method: "PATCH", path, body: variant.body, contentType: variant.ct };
    }
    case "non-object": {
      const body = r.pick(["null", "42", '"str"', "true", "[]", '[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}]', ""]);
      return { category, method: r.pick(["POST", "PUT"]), path: r.pick([c.path, `${c.path}/keep`]), body, contentType: "application/json" };
    }
    case "bad-query": {
      const q = r.pick([
        "limit=-1", "limit=abc", "labelSelector=a%20in%20(", "labelSelector=%3D%3D%3D", "fieldSelector=spec.bogus%3Dx", "fieldSelector=%3D",
        "resourceVersion=abc", "resourceVersionMatch=Bogus&resourceVersion=1", "continue=%%%bad", "timeoutSeconds=x",
      ]);
      const isWrite = r.next() < 0.4;
      if (isWrite) {
        const wq = r.pick(["dryRun=Maybe", "fieldValidation=Bogus", "fieldManager=" + "m".repeat(200)]);
        const body = JSON.stringify(coll === "pods" ? validPod(name) : coll === "deployments" ? validDeploy(name) : { apiVersion: c.apiVersion, kind: c.kind, metadata: { name } });
        return { category, method: "POST", path: `${c.path}?${wq}`, body, contentType: "application/json" };
      }
      return { category, method: "GET", path: `${c.path}?${q}` };
    }
    case "bad-protobuf": {
      // What kubectl's typed clients send, broken: no prefix, truncated, random bytes, unknown kinds.
      const rand = (n: number) => Buffer.from(Array.from({ length: n }, () => r.int(256)));
      const s = (n: number, v: string) => Buffer.concat([Buffer.from([(n << 3) | 2, Buffer.byteLength(v)]), Buffer.from(v)]);
      const tm = Buffer.concat([s(1, "v1"), s(2, r.pick(["ConfigMap", "Secret", "Namespace", "Pod", "Bogus"]))]);
      const env = Buffer.concat([Buffer.from("k8s\0", "latin1"), Buffer.from([0x0a, tm.length]), tm, Buffer.from([0x12, 0x10]), rand(16)]);
      const body = r.pick([rand(1 + r.int(64)), Buffer.concat([Buffer.from("k8s\0", "latin1"), rand(r.int(64))]), env, env.subarray(0, 4 + r.int(env.length - 4)), Buffer.from("k8s")]);
      return { category, method: "POST", path: r.pick([COLLECTIONS.configmaps.path, COLLECTIONS.secrets.path, COLLECTIONS.namespaces.path]), body: body.toString("latin1"), contentType: "application/vnd.kubernetes.protobuf", binary: true };
    }
    default: {
      const variant = r.pick([
        { method: "GET", path: `/api/v1/namespaces/${NS}/nothings` },
        { method: "GET", path: "/apis/nope.example.com/v1/things" },
        { method: "POST", path: `/api/v1/namespaces/${NS}/configmaps/keep`, body: "{}" },
        { method: "PUT", path: COLLECTIONS.configmaps.path, body: "{}" },
        { method: "DELETE", path: `${COLLECTIONS.configmaps.path}/keep`, body: '{"propagationPolicy":"Sideways"}' },
        { method: "DELETE", path: `${COLLECTIONS.configmaps.path}/keep`, body: "{bad" },
        { method: "DELETE", path: `${COLLECTIONS.configmaps.path}/keep`, body: '{"preconditions":{"uid":"not-the-uid"}}' },
        { method: "GET", path: `/api/v1/namespaces/${NS}/pods/x/y/z/w` },
        { method: "OPTIONS", path: COLLECTIONS.pods.path },
        { method: "POST", path: `/api/v1/namespaces/does-not-exist/configmaps`, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name } }) },
        { method: "PUT", path: `${COLLECTIONS.configmaps.path}/keep`, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "other" } }) },
        { method: "PUT", path: `${COLLECTIONS.configmaps.path}/keep`, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "keep", resourceVersion: "1" }, data: { changed: "1" } }) },
      ]);
      return { category, contentType: "application/json", ...variant };
    }
  }
}

let cluster: Cluster;
let server: ApiHttpServer;
let token: string;

async function call(req: { method: string; path: string; body?: string; contentType?: string; binary?: boolean }): Promise<{ status: number; text: string; ctype: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: "application/json" };
  if (req.contentType) headers["content-type"] = req.contentType;
  const res = await fetch(server.url + req.path, { method: req.method, headers, body: req.method === "GET" || req.method === "OPTIONS" ? undefined : req.binary ? Buffer.from(req.body ?? "", "latin1") : req.body, signal: AbortSignal.timeout(20_000) });
  return { status: res.status, text: await res.text(), ctype: res.headers.get("content-type") ?? "" };
}

async function snapshot(): Promise<string> {
  const parts: string[] = [];
  for (const r of RESOURCES) {
    if (!r.verbs.includes("list")) continue;
    if (r.resource === "events" || r.resource === "leases") continue; // written by components on their own
    const p = r.group ? `/apis/${r.group}/${r.version}/${r.resource}` : `/api/${r.version}/${r.resource}`;
    const res = await call({ method: "GET", path: p });
    assert.is(res.status, 200, `list ${p}: ${res.text.slice(0, 300)}`);
    const list = JSON.parse(res.text);
    for (const o of list.items) parts.push(`${r.resource} ${o.metadata.namespace ?? ""}/${o.metadata.name} rv=${o.metadata.resourceVersion}`);
  }
  return parts.sort().join("\n");
}

test.before(async () => {
  cluster = new Cluster({ seed: 11 });
  token = cluster.adminToken;
  server = await serveApi({ port: 0, cluster, tls: false });
  const setup = [
    { method: "POST", path: "/api/v1/namespaces", body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } }) },
    { method: "POST", path: COLLECTIONS.configmaps.path, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "keep" }, data: { a: "1" } }) },
    { method: "POST", path: COLLECTIONS.deployments.path, body: JSON.stringify(validDeploy("keep")) },
  ];
  for (const s of setup) {
    const r = await call({ ...s, contentType: "application/json" });
    assert.ok(r.status === 201, `setup ${s.path}: ${r.status} ${r.text.slice(0, 300)}`);
  }
});

test.after(async () => {
  await server.close();
});

// What a run found, shared by the two tests below.
const found = { accepted: [] as string[], touched: new Set<string>(), namespaces: new Set<string>() };

test(`${N} bad requests: no 5xx, every error a Status, no partial writes, still serving`, async () => {
  const before = await snapshot();
  // Generated one at a time as the workers take them (the order of generate() calls, and so every
  // request, depends only on the seed): thousands of multi-megabyte bodies are never all in memory.
  const r = rng(SEED);
  const byCategory: Record<string, Record<string, number>> = {};
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < N) {
      next++;
      const req = generate(r);
      let res: { status: number; text: string; ctype: string };
      try {
        res = await call(req);
      } catch (e) {
        failures.push(`${req.category} ${req.method} ${req.path} body=${(req.body ?? "").slice(0, 80)}: no answer (${(e as Error).message}: ${String((e as any).cause?.code ?? (e as any).cause ?? "")})`);
        continue;
      }
      const counts = (byCategory[req.category] ??= {});
      counts[res.status] = (counts[res.status] ?? 0) + 1;
      const show = `${req.category} ${req.method} ${req.path.slice(0, 100)} ${req.contentType ?? ""} body=${(req.body ?? "").slice(0, 120)} → ${res.status} ${res.text.slice(0, 160)}`;
      if (res.status >= 500) failures.push(show);
      else if (res.status >= 400) {
        let s: any;
        try {
          s = JSON.parse(res.text);
        } catch {
          failures.push(`not JSON: ${show}`);
          continue;
        }
        if (s.kind !== "Status" || s.code !== res.status || typeof s.message !== "string" || !s.message || typeof s.reason !== "string") failures.push(`not a Status: ${show}`);
      } else {
        // Accepted: whatever it wrote is a whole write, not a partial one; the second test says
        // whether accepting it was right.
        found.accepted.push(show);
        try {
          const o = JSON.parse(res.text);
          const info = RESOURCES.find((x) => x.kind === o.kind);
          if (info && o.metadata?.name) found.touched.add(`${info.resource} ${o.metadata.namespace ?? ""}/${o.metadata.name}`);
          if (o.kind === "Namespace") found.namespaces.add(o.metadata.name);
        } catch {
          /* a list or a non-JSON answer: nothing written */
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  console.log(`  fuzz: ${N} requests (seed ${SEED}), status counts by category:`);
  for (const [cat, counts] of Object.entries(byCategory).sort()) console.log(`    ${cat.padEnd(15)} ${JSON.stringify(counts)}`);
  const health = await call({ method: "GET", path: "/healthz" });
  assert.is(health.status, 200, "the server still answers /healthz");
  const keep = await call({ method: "GET", path: `${COLLECTIONS.configmaps.path}/keep` });
  assert.is(keep.status, 200, "the server still serves objects");
  assert.is(failures.length, 0, `${failures.length} failures:\n${[...new Set(failures.map((f) => f.replace(/f\d+/g, "fN")))].slice(0, 30).join("\n")}`);
  // No partial writes: apart from what accepted requests wrote (and the default ServiceAccount
  // of a namespace an accepted request created), every object is exactly as before.
  const untouched = (line: string) => {
    const [res, key] = line.split(" ");
    const ns = key.split("/")[0];
    return !found.touched.has(`${res} ${key}`) && !found.namespaces.has(ns);
  };
  const after = await snapshot();
  assert.fixture(after.split("\n").filter(untouched).join("\n"), before.split("\n").filter(untouched).join("\n"), "nothing stored in part, nothing else changed");
});

test("every generated request is refused (accepted ones are engine gaps)", () => {
  const uniq = [...new Set(found.accepted.map((a) => a.replace(/f\d+/g, "fN").replace(/"uid":"[^"]*"/g, '"uid":…').replace(/(→ \d+).*/, "$1")))];
  assert.is(uniq.length, 0, `${found.accepted.length} bad requests were accepted (${uniq.length} distinct):\n${uniq.join("\n")}`);
});

test.run();
