// The v3 JSON API served over real HTTP on loopback in front of the simulated cluster.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as http from "http";
import { serveEtcd } from "../../src/etcd/http";

const b64 = (s: string) => Buffer.from(s).toString("base64");

async function post(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(url, { method: "POST", body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}

test("put, range, txn and errors over HTTP, in etcd's JSON shapes", async () => {
  const s = await serveEtcd({ port: 0, seed: 9 });
  try {
    const put = await post(`${s.url}/v3/kv/put`, { key: b64("foo"), value: b64("bar") });
    assert.is(put.status, 200);
    assert.is(put.json.header.revision, "2", "a fresh etcd's first write is revision 2");
    assert.type(put.json.header.cluster_id, "string", "int64 as a decimal string");
    const range = await post(`${s.url}/v3/kv/range`, { key: b64("foo") });
    assert.equal(range.json.kvs, [{ key: b64("foo"), create_revision: "2", mod_revision: "2", version: "1", value: b64("bar") }]);
    assert.is(range.json.count, "1");
    const txn = await post(`${s.url}/v3/kv/txn`, {
      compare: [{ key: b64("foo"), target: "MOD", result: "EQUAL", mod_revision: "2" }],
      success: [{ request_put: { key: b64("foo"), value: b64("baz") } }],
    });
    assert.is(txn.json.succeeded, true);
    const bad = await post(`${s.url}/v3/kv/put`, { key: "" });
    assert.is(bad.status, 400);
    assert.equal(bad.json, { error: "etcdserver: key is not provided", message: "etcdserver: key is not provided", code: 3 });
    const nope = await fetch(`${s.url}/v3/kv/nothing`, { method: "POST", body: "{}" });
    assert.is(nope.status, 404);
  } finally {
    await s.close();
  }
});

test("a watch streams created, then events, one JSON value per line", async () => {
  const s = await serveEtcd({ port: 0, seed: 10 });
  try {
    await post(`${s.url}/v3/kv/put`, { key: b64("w"), value: b64("1") });
    const lines: any[] = await new Promise((resolve, reject) => {
      const got: any[] = [];
      const req = http.request(`${s.url}/v3/watch`, { method: "POST" }, (res) => {
        let buf = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buf += chunk;
          const parts = buf.split("\n");
          buf = parts.pop()!;
          for (const p of parts) if (p.trim()) got.push(JSON.parse(p));
          if (got.length >= 2) {
            req.destroy();
            resolve(got);
          }
        });
      });
      req.on("error", (e) => (got.length >= 2 ? resolve(got) : reject(e)));
      req.end(JSON.stringify({ create_request: { key: b64("w"), start_revision: "1" } }));
    });
    assert.is(lines[0].result.created, true);
    assert.is(lines[1].result.events[0].kv.value, b64("1"));
  } finally {
    await s.close();
  }
});

test.run();
