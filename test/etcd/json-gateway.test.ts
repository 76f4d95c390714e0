// The JSON gateway encoding (reference §3.1–3.4).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EtcdError, MvccStore, base64Decode, base64Encode, gateway } from "../../src/etcd/mvcc";

function decodeError(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (err instanceof EtcdError) return err.message;
    throw err;
  }
}

test("§3.1 routes: /v3 and /v3beta, kv and lease aliases, streams", () => {
  const cases: [string, string | undefined, boolean?][] = [
    ["/v3/kv/range", "range"],
    ["/v3beta/kv/put", "put"],
    ["/v3/kv/deleterange", "deleteRange"],
    ["/v3/kv/txn", "txn"],
    ["/v3/kv/compaction", "compaction"],
    ["/v3/lease/grant", "leaseGrant"],
    ["/v3/kv/lease/revoke", "leaseRevoke"],
    ["/v3/lease/timetolive", "leaseTimeToLive"],
    ["/v3/kv/lease/leases", "leaseLeases"],
    ["/v3/lease/keepalive", "leaseKeepAlive", true],
    ["/v3/watch", "watch", true],
    ["/v3alpha/kv/range", undefined],
    ["/v3/kv/nope", undefined],
  ];
  for (const [p, kind, stream] of cases) {
    const r = gateway.route(p);
    assert.is(r?.kind, kind, p);
    if (r) assert.is(r.stream, !!stream, p);
  }
});

test("§3.2 base64 as Go's StdEncoding, with Go's error offsets", () => {
  for (const s of ["", "f", "fo", "foo", "foo1", "\x00\xff\x80"]) assert.is(base64Decode(base64Encode(s)), s);
  assert.is(base64Encode("foo"), "Zm9v");
  assert.is(base64Encode("foo1"), "Zm9vMQ==");
  const cases: [string, string | null][] = [
    ["Zm9v", null],
    ["Zm9vMQ==", null],
    ["Zm9v\nMQ==", null], // CR/LF are skipped
    ["!!!", "illegal base64 data at input byte 0"],
    ["YmF", "illegal base64 data at input byte 0"], // missing padding: at the quantum's start
    ["Zm9vY", "illegal base64 data at input byte 4"],
    ["Zm9vMQ=", "illegal base64 data at input byte 7"],
    ["Zm9vMQ==x", "illegal base64 data at input byte 8"],
    ["Zm=v", "illegal base64 data at input byte 2"],
    ["Zm9vMQ", "illegal base64 data at input byte 4"],
    ["=", "illegal base64 data at input byte 0"],
  ];
  // Each expectation was checked against etcd 3.4.23's gateway.
  for (const [input, want] of cases) assert.is(decodeError(() => base64Decode(input)), want, input);
});

test("§3.2 decoding: proto and lowerCamel names, int64 as number or string, enums by name or number, unknown fields ignored", () => {
  assert.equal(gateway.decode.range({ key: "Zm9v", rangeEnd: "AA==", limit: 2, revision: "3", sortOrder: "DESCEND", sort_target: 3, keysOnly: true, bogus: 1 }), {
    key: "foo",
    range_end: "\0",
    limit: 2,
    revision: 3,
    sort_order: "DESCEND",
    sort_target: "MOD",
    keys_only: true,
  });
  const t = gateway.decode.txn({
    compare: [{ key: "YQ==", target: "CREATE", result: "EQUAL", createRevision: "0" }],
    success: [{ requestPut: { key: "YQ==", value: "MQ==" } }, { request_txn: { failure: [{ request_delete_range: { key: "Yg==", prevKv: true } }] } }],
  });
  assert.equal(t, {
    compare: [{ key: "a", target: "CREATE", result: "EQUAL", create_revision: 0 }],
    success: [{ request_put: { key: "a", value: "1" } }, { request_txn: { compare: undefined, success: undefined, failure: [{ request_delete_range: { key: "b", prev_kv: true } }] } }],
    failure: undefined,
  });
  assert.equal(gateway.decode.leaseGrant({ TTL: "60", ID: 1000 }), { TTL: 60, ID: 1000 });
  assert.equal(gateway.decode.watch({ create_request: { key: "YQ==", filters: ["NOPUT", 1], start_revision: "5" } }), {
    create_request: { key: "a", filters: ["NOPUT", "NODELETE"], start_revision: 5 },
  });
  assert.equal(gateway.decode.put({ key: null, value: "YQ==" }), { key: "", value: "a" }, "null is the default");
});

test("§3.2 decoding errors carry etcd's (Go's) messages", () => {
  const cases: [() => unknown, string][] = [
    [() => gateway.decode.put({ key: "Zm9v", prev_kv: "true" }), "json: cannot unmarshal string into Go value of type bool"],
    [() => gateway.decode.range({ key: "Zm9v", limit: "x" }), "invalid character 'x' looking for beginning of value"],
    [() => gateway.decode.range({ key: "Zm9v", limit: 1.5 }), "json: cannot unmarshal number 1.5 into Go value of type int64"],
    [() => gateway.decode.range({ key: "Zm9v", limit: true }), "json: cannot unmarshal bool into Go value of type int64"],
    [() => gateway.decode.range({ key: "Zm9v", sort_order: "FOO" }), 'unknown value "FOO" for enum etcdserverpb.RangeRequest_SortOrder'],
    [() => gateway.decode.range([]), "json: cannot unmarshal array into Go value of type map[string]json.RawMessage"],
    [() => gateway.decode.range({ key: 5 }), "json: cannot unmarshal number into Go value of type []uint8"],
    [() => gateway.decode.txn({ success: {} }), "json: cannot unmarshal object into Go value of type []json.RawMessage"],
    [() => gateway.decode.range({ key: "Zm9v", revision: "99999999999999999999" }), "json: cannot unmarshal number 99999999999999999999 into Go value of type int64"],
    [() => gateway.decode.range({ key: "Zm9v", revision: "9007199254740993" }), "kubelab: int64 value 9007199254740993 is beyond 2^53, which this server does not represent"],
    [() => gateway.parseBody('{"key":'), "unexpected EOF"],
  ];
  for (const [fn, want] of cases) assert.is(decodeError(fn), want);
  assert.equal(gateway.parseBody(""), {}, "an empty body is an empty message");
  assert.equal(gateway.splitJsonValues('{"a":"}{"}\n{"b":[1,{"c":2}]}  {}'), [{ a: "}{" }, { b: [1, { c: 2 }] }, {}]);
});

test("§3.2/§3.3 encoding: proto order, int64 as strings, zero values omitted, empty messages kept", () => {
  const s = new MvccStore({ clusterId: 11, memberId: 22, raftTerm: 2 });
  const put = gateway.encodeResponse("put", s.put({ key: "foo", value: "bar" }));
  assert.is(JSON.stringify(put), '{"header":{"cluster_id":"11","member_id":"22","revision":"2","raft_term":"2"}}');
  const r = gateway.encodeResponse("range", s.range({ key: "nope" }));
  assert.is(JSON.stringify(r), '{"header":{"cluster_id":"11","member_id":"22","revision":"2","raft_term":"2"}}', "no kvs, no count, no more");
  s.leaseGrant({ ID: 1000, TTL: 60 });
  s.put({ key: "foo", value: "", lease: 1000 });
  const kv = gateway.encodeResponse("range", s.range({ key: "foo" }));
  assert.is(JSON.stringify(kv.kvs), '[{"key":"Zm9v","create_revision":"2","mod_revision":"3","version":"2","lease":"1000"}]', "empty value omitted");
  const txn = gateway.encodeResponse("txn", s.txn({ compare: [{ key: "x", target: "VERSION", result: "GREATER", version: 0 }], failure: [{ request_txn: {} }] }));
  assert.is(JSON.stringify(txn), '{"header":{"cluster_id":"11","member_id":"22","revision":"3","raft_term":"2"},"responses":[{"response_txn":{"header":{},"succeeded":true}}]}', "succeeded false omitted; nested header {}");
  const ttl = gateway.encodeResponse("leaseTimeToLive", s.leaseTimeToLive({ ID: 5 }));
  assert.is(JSON.stringify(ttl), '{"header":{"cluster_id":"11","member_id":"22","revision":"3","raft_term":"2"},"ID":"5","TTL":"-1"}');
  const w = s.watchStream();
  w.watch({ key: "foo", start_revision: 2, prev_kv: true });
  s.deleteRange({ key: "foo" });
  const msgs = w.drain().map((m) => JSON.stringify(gateway.encodeStreamMessage("watch", m)));
  assert.equal(msgs, [
    '{"result":{"header":{"cluster_id":"11","member_id":"22","revision":"3","raft_term":"2"},"created":true}}',
    '{"result":{"header":{"cluster_id":"11","member_id":"22","revision":"3","raft_term":"2"},"events":[{"kv":{"key":"Zm9v","create_revision":"2","mod_revision":"2","version":"1","value":"YmFy"}},{"kv":{"key":"Zm9v","create_revision":"2","mod_revision":"3","version":"2","lease":"1000"},"prev_kv":{"key":"Zm9v","create_revision":"2","mod_revision":"2","version":"1","value":"YmFy"}}]}}',
    '{"result":{"header":{"cluster_id":"11","member_id":"22","revision":"4","raft_term":"2"},"events":[{"type":"DELETE","kv":{"key":"Zm9v","mod_revision":"4"},"prev_kv":{"key":"Zm9v","create_revision":"2","mod_revision":"3","version":"2","lease":"1000"}}]}}',
  ]);
});

test("§2.10 errors: body and HTTP status per gRPC code", () => {
  const s = new MvccStore();
  const cases: [string, string, number, string, number][] = [
    ["put", '{"key":""}', 400, "etcdserver: key is not provided", 3],
    ["range", '{"key":"YQ==","revision":"9"}', 400, "etcdserver: mvcc: required revision is a future revision", 11],
    ["put", '{"key":"YQ==","lease":"5"}', 404, "etcdserver: requested lease not found", 5],
    ["leaseGrant", '{"ID":"5","TTL":"9000000001"}', 400, "etcdserver: too large lease TTL", 11],
  ];
  for (const [kind, body, status, message, code] of cases) {
    const r = gateway.serveUnary(s, kind as gateway.UnaryKind, body);
    assert.equal(r, { status, body: { error: message, message, code } }, `${kind} ${body}`);
  }
  gateway.serveUnary(s, "leaseGrant", '{"ID":"5","TTL":"60"}');
  assert.equal(gateway.serveUnary(s, "leaseGrant", '{"ID":"5","TTL":"60"}').status, 412, "FailedPrecondition is 412 in Debian's 3.4 gateway");
});

test.run();
