// The client's side of etcd 3.4's JSON gateway (reference §3): our requests encoded as the JSON
// the gateway reads, and the JSON it writes decoded back into our response types. (The server's
// side — decoding requests, encoding responses — is src/etcd/mvcc/json-gateway.ts.)
//
// Encoding: proto field names, `bytes` as standard base64, int64 as decimal strings, enums by
// name; fields at their zero value are left out (the gateway reads a missing field as its zero),
// except the member of a txn compare's oneof named by `target`, which is always sent.
// Decoding: every field the gateway omitted because it was zero is filled in (0, "", false, []),
// so a response from a real etcd has exactly the shape of one from the simulated cluster.
//
// Numbers. Revisions, versions, counts and TTLs are int64 that never come near 2^53 and decode
// to JS numbers exactly. Two kinds of IDs do not fit:
//   - cluster_id and member_id in headers are uint64 hashes (usually above 2^53): they decode to
//     the nearest JS number. They are informational; nothing is ever sent back with them.
//   - lease IDs chosen by etcd are large int64 (e.g. 7587869123428215301) and must round-trip
//     exactly (keep-alive, revoke, attach). An ID outside [0, 2^53) is given an *alias*: a
//     negative JS number (-1, -2, ...; etcd never assigns a negative ID), remembered for the
//     life of the process, shared by every client, and translated back when sent. So
//     `leaseGrant({TTL: 60})` may answer ID -1, and `put({key, lease: -1})` attaches the key to
//     etcd's lease 7587869123428215301. To get readable IDs, grant with an explicit ID.

import { base64Decode, base64Encode, toBytes } from "../mvcc/bytes";
import type { ByteInput, Bytes } from "../mvcc/bytes";
import type { Json, JsonObject } from "../mvcc/json-gateway";
import type {
  Compare,
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  Event,
  KeyValue,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveRequest,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseHeader,
  ResponseOp,
  TxnRequest,
  TxnResponse,
  WatchCreateRequest,
  WatchResponse,
} from "../mvcc/types";
import type { RpcError } from "../server/protocol";

/** A request that cannot be encoded (gRPC InvalidArgument, as a server would refuse it). */
export class CodecError extends Error {
  readonly code = 3;
  constructor(message: string) {
    super(message);
    this.name = "CodecError";
  }
}

// ---------------------------------------------------------------------------------------------
// Lease ID aliases.

const aliasByInt64 = new Map<string, number>();
const int64ByAlias = new Map<number, string>();
let nextAlias = -1;

/** A lease ID from the wire (decimal string) as a JS number: itself, or its alias. */
export function leaseIdFromWire(s: string): number {
  const big = BigInt(s);
  if (big >= 0n && big <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(big);
  const canonical = big.toString();
  let alias = aliasByInt64.get(canonical);
  if (alias === undefined) {
    alias = nextAlias--;
    aliasByInt64.set(canonical, alias);
    int64ByAlias.set(alias, canonical);
  }
  return alias;
}

/** A JS lease ID (or alias) as the decimal string etcd knows. */
export function leaseIdToWire(id: number): string {
  checkInt(id, "lease ID");
  return int64ByAlias.get(id) ?? String(id);
}

/** The exact int64 behind a lease ID as this process knows it (for display). */
export function leaseIdString(id: number): string {
  return int64ByAlias.get(id) ?? String(id);
}

// ---------------------------------------------------------------------------------------------
// Encoding: request -> gateway JSON.

function checkInt(n: unknown, field: string): number {
  if (typeof n !== "number" || !Number.isSafeInteger(n)) {
    throw new CodecError(`kubelab: ${field} must be an integer (a safe JS number), got ${JSON.stringify(n)}`);
  }
  return n;
}

function setBytes(o: JsonObject, name: string, v: ByteInput | undefined): void {
  if (v === undefined || v === null) return;
  let b: Bytes;
  try {
    b = toBytes(v, name);
  } catch (err) {
    throw new CodecError((err as Error).message);
  }
  if (b !== "") o[name] = base64Encode(b);
}

function setInt(o: JsonObject, name: string, v: number | undefined): void {
  if (v === undefined || v === null) return;
  if (checkInt(v, name) !== 0) o[name] = String(v);
}

function setLease(o: JsonObject, name: string, v: number | undefined): void {
  if (v === undefined || v === null) return;
  if (checkInt(v, name) !== 0) o[name] = leaseIdToWire(v);
}

function setBool(o: JsonObject, name: string, v: boolean | undefined): void {
  if (v) o[name] = true;
}

function setEnum(o: JsonObject, name: string, v: string | undefined, values: readonly string[]): void {
  if (v === undefined || v === null) return;
  if (!values.includes(v)) throw new CodecError(`kubelab: ${name} must be one of ${values.join(", ")}, got ${JSON.stringify(v)}`);
  if (v !== values[0]) o[name] = v;
}

export function encodeRange(r: RangeRequest): JsonObject {
  const o: JsonObject = {};
  setBytes(o, "key", r.key);
  setBytes(o, "range_end", r.range_end);
  setInt(o, "limit", r.limit);
  setInt(o, "revision", r.revision);
  setEnum(o, "sort_order", r.sort_order, ["NONE", "ASCEND", "DESCEND"]);
  setEnum(o, "sort_target", r.sort_target, ["KEY", "VERSION", "CREATE", "MOD", "VALUE"]);
  setBool(o, "serializable", r.serializable);
  setBool(o, "keys_only", r.keys_only);
  setBool(o, "count_only", r.count_only);
  setInt(o, "min_mod_revision", r.min_mod_revision);
  setInt(o, "max_mod_revision", r.max_mod_revision);
  setInt(o, "min_create_revision", r.min_create_revision);
  setInt(o, "max_create_revision", r.max_create_revision);
  return o;
}

export function encodePut(r: PutRequest): JsonObject {
  const o: JsonObject = {};
  setBytes(o, "key", r.key);
  setBytes(o, "value", r.value);
  setLease(o, "lease", r.lease);
  setBool(o, "prev_kv", r.prev_kv);
  setBool(o, "ignore_value", r.ignore_value);
  setBool(o, "ignore_lease", r.ignore_lease);
  return o;
}

export function encodeDeleteRange(r: DeleteRangeRequest): JsonObject {
  const o: JsonObject = {};
  setBytes(o, "key", r.key);
  setBytes(o, "range_end", r.range_end);
  setBool(o, "prev_kv", r.prev_kv);
  return o;
}

const COMPARE_TARGETS = ["VERSION", "CREATE", "MOD", "VALUE", "LEASE"] as const;

export function encodeCompare(c: Compare): JsonObject {
  const o: JsonObject = {};
  setEnum(o, "result", c.result, ["EQUAL", "GREATER", "LESS", "NOT_EQUAL"]);
  setEnum(o, "target", c.target, COMPARE_TARGETS);
  setBytes(o, "key", c.key);
  setBytes(o, "range_end", c.range_end);
  // target_union is a oneof: send the member the target names (a missing one compares as zero).
  switch (c.target ?? "VERSION") {
    case "VERSION":
      o.version = String(checkInt(c.version ?? 0, "version"));
      break;
    case "CREATE":
      o.create_revision = String(checkInt(c.create_revision ?? 0, "create_revision"));
      break;
    case "MOD":
      o.mod_revision = String(checkInt(c.mod_revision ?? 0, "mod_revision"));
      break;
    case "VALUE": {
      const v: JsonObject = {};
      setBytes(v, "value", c.value);
      o.value = (v.value as string | undefined) ?? "";
      break;
    }
    case "LEASE":
      o.lease = c.lease ? leaseIdToWire(c.lease) : "0";
      break;
  }
  return o;
}

export function encodeRequestOp(op: RequestOp): JsonObject {
  if (op.request_range) return { request_range: encodeRange(op.request_range) };
  if (op.request_put) return { request_put: encodePut(op.request_put) };
  if (op.request_delete_range) return { request_delete_range: encodeDeleteRange(op.request_delete_range) };
  if (op.request_txn) return { request_txn: encodeTxn(op.request_txn) };
  return {}; // refused by etcd, as an empty RequestOp should be
}

export function encodeTxn(t: TxnRequest): JsonObject {
  const o: JsonObject = {};
  if (t.compare?.length) o.compare = t.compare.map(encodeCompare);
  if (t.success?.length) o.success = t.success.map(encodeRequestOp);
  if (t.failure?.length) o.failure = t.failure.map(encodeRequestOp);
  return o;
}

export function encodeCompaction(r: CompactionRequest): JsonObject {
  const o: JsonObject = {};
  setInt(o, "revision", r.revision);
  setBool(o, "physical", r.physical);
  return o;
}

export function encodeLeaseGrant(r: LeaseGrantRequest): JsonObject {
  const o: JsonObject = {};
  setInt(o, "TTL", r.TTL);
  setLease(o, "ID", r.ID);
  return o;
}

export function encodeLeaseId(r: LeaseRevokeRequest | LeaseKeepAliveRequest): JsonObject {
  const o: JsonObject = {};
  setLease(o, "ID", r.ID);
  return o;
}

export function encodeLeaseTimeToLive(r: LeaseTimeToLiveRequest): JsonObject {
  const o: JsonObject = {};
  setLease(o, "ID", r.ID);
  setBool(o, "keys", r.keys);
  return o;
}

export function encodeWatchCreate(r: WatchCreateRequest): JsonObject {
  const o: JsonObject = {};
  setBytes(o, "key", r.key);
  setBytes(o, "range_end", r.range_end);
  setInt(o, "start_revision", r.start_revision);
  setBool(o, "progress_notify", r.progress_notify);
  if (r.filters?.length) {
    for (const f of r.filters) if (f !== "NOPUT" && f !== "NODELETE") throw new CodecError(`kubelab: filters must be NOPUT or NODELETE, got ${JSON.stringify(f)}`);
    o.filters = r.filters.slice();
  }
  setBool(o, "prev_kv", r.prev_kv);
  setInt(o, "watch_id", r.watch_id);
  setBool(o, "fragment", r.fragment);
  return { create_request: o };
}

// ---------------------------------------------------------------------------------------------
// Decoding: gateway JSON -> response, defaults filled in.

/** The gateway sent something that is not the message we expect. */
export class MalformedResponse extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MalformedResponse";
  }
}

function obj(v: Json | undefined, what: string): JsonObject {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw new MalformedResponse(`${what}: expected an object, got ${JSON.stringify(v)}`);
  return v;
}

function arr(v: Json | undefined, what: string): Json[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new MalformedResponse(`${what}: expected an array, got ${JSON.stringify(v)}`);
  return v;
}

function int64Text(v: Json | undefined, what: string): string {
  if (typeof v === "string" && /^-?\d+$/.test(v)) return v;
  if (typeof v === "number" && Number.isInteger(v)) return String(v);
  throw new MalformedResponse(`${what}: expected an int64, got ${JSON.stringify(v)}`);
}

/** int64 and uint64 as JS numbers (exact below 2^53; header IDs may round). */
function num(v: Json | undefined, what: string): number {
  if (v === undefined || v === null) return 0;
  return Number(int64Text(v, what));
}

function lease(v: Json | undefined, what: string): number {
  if (v === undefined || v === null) return 0;
  return leaseIdFromWire(int64Text(v, what));
}

function bool(v: Json | undefined, what: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") throw new MalformedResponse(`${what}: expected a bool, got ${JSON.stringify(v)}`);
  return v;
}

function str(v: Json | undefined, what: string): string {
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw new MalformedResponse(`${what}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function bytes(v: Json | undefined, what: string): Bytes {
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw new MalformedResponse(`${what}: expected base64, got ${JSON.stringify(v)}`);
  // Node's decoder (fast; a watch stream decodes every value) for what Go's encoder writes;
  // anything else goes through the strict decoder, for Go's error message.
  if (BASE64.test(v)) return Buffer.from(v, "base64").toString("latin1");
  try {
    return base64Decode(v);
  } catch (err) {
    throw new MalformedResponse(`${what}: ${(err as Error).message}`);
  }
}

export function decodeHeader(v: Json | undefined): ResponseHeader {
  const o = obj(v, "header");
  return {
    cluster_id: num(o.cluster_id, "header.cluster_id"),
    member_id: num(o.member_id, "header.member_id"),
    revision: num(o.revision, "header.revision"),
    raft_term: num(o.raft_term, "header.raft_term"),
  };
}

export function decodeKeyValue(v: Json | undefined): KeyValue {
  const o = obj(v, "kv");
  return {
    key: bytes(o.key, "kv.key"),
    create_revision: num(o.create_revision, "kv.create_revision"),
    mod_revision: num(o.mod_revision, "kv.mod_revision"),
    version: num(o.version, "kv.version"),
    value: bytes(o.value, "kv.value"),
    lease: lease(o.lease, "kv.lease"),
  };
}

export function decodeRangeResponse(v: Json): RangeResponse {
  const o = obj(v, "RangeResponse");
  return {
    header: decodeHeader(o.header),
    kvs: arr(o.kvs, "kvs").map(decodeKeyValue),
    more: bool(o.more, "more"),
    count: num(o.count, "count"),
  };
}

export function decodePutResponse(v: Json): PutResponse {
  const o = obj(v, "PutResponse");
  const r: PutResponse = { header: decodeHeader(o.header) };
  if (o.prev_kv !== undefined && o.prev_kv !== null) r.prev_kv = decodeKeyValue(o.prev_kv);
  return r;
}

export function decodeDeleteRangeResponse(v: Json): DeleteRangeResponse {
  const o = obj(v, "DeleteRangeResponse");
  return {
    header: decodeHeader(o.header),
    deleted: num(o.deleted, "deleted"),
    prev_kvs: arr(o.prev_kvs, "prev_kvs").map(decodeKeyValue),
  };
}

function decodeResponseOp(v: Json): ResponseOp {
  const o = obj(v, "ResponseOp");
  if (o.response_range !== undefined) return { response_range: decodeRangeResponse(o.response_range) };
  if (o.response_put !== undefined) return { response_put: decodePutResponse(o.response_put) };
  if (o.response_delete_range !== undefined) return { response_delete_range: decodeDeleteRangeResponse(o.response_delete_range) };
  if (o.response_txn !== undefined) return { response_txn: decodeTxnResponse(o.response_txn) };
  return {};
}

export function decodeTxnResponse(v: Json): TxnResponse {
  const o = obj(v, "TxnResponse");
  return {
    header: decodeHeader(o.header),
    succeeded: bool(o.succeeded, "succeeded"),
    responses: arr(o.responses, "responses").map(decodeResponseOp),
  };
}

export function decodeCompactionResponse(v: Json): CompactionResponse {
  return { header: decodeHeader(obj(v, "CompactionResponse").header) };
}

export function decodeLeaseGrantResponse(v: Json): LeaseGrantResponse {
  const o = obj(v, "LeaseGrantResponse");
  return { header: decodeHeader(o.header), ID: lease(o.ID, "ID"), TTL: num(o.TTL, "TTL"), error: str(o.error, "error") };
}

export function decodeLeaseRevokeResponse(v: Json): LeaseRevokeResponse {
  return { header: decodeHeader(obj(v, "LeaseRevokeResponse").header) };
}

export function decodeLeaseKeepAliveResponse(v: Json): LeaseKeepAliveResponse {
  const o = obj(v, "LeaseKeepAliveResponse");
  return { header: decodeHeader(o.header), ID: lease(o.ID, "ID"), TTL: num(o.TTL, "TTL") };
}

export function decodeLeaseTimeToLiveResponse(v: Json): LeaseTimeToLiveResponse {
  const o = obj(v, "LeaseTimeToLiveResponse");
  return {
    header: decodeHeader(o.header),
    ID: lease(o.ID, "ID"),
    TTL: num(o.TTL, "TTL"),
    grantedTTL: num(o.grantedTTL, "grantedTTL"),
    keys: arr(o.keys, "keys").map((k) => bytes(k, "keys[]")),
  };
}

export function decodeLeaseLeasesResponse(v: Json): LeaseLeasesResponse {
  const o = obj(v, "LeaseLeasesResponse");
  return {
    header: decodeHeader(o.header),
    leases: arr(o.leases, "leases").map((l) => ({ ID: lease(obj(l, "leases[]").ID, "leases[].ID") })),
  };
}

export function decodeEvent(v: Json): Event {
  const o = obj(v, "Event");
  const type = o.type === undefined || o.type === null || o.type === "PUT" || o.type === 0 ? "PUT" : o.type === "DELETE" || o.type === 1 ? "DELETE" : undefined;
  if (!type) throw new MalformedResponse(`event.type: expected PUT or DELETE, got ${JSON.stringify(o.type)}`);
  const ev: Event = { type, kv: decodeKeyValue(o.kv) };
  if (o.prev_kv !== undefined && o.prev_kv !== null) ev.prev_kv = decodeKeyValue(o.prev_kv);
  return ev;
}

export function decodeWatchResponse(v: Json): WatchResponse {
  const o = obj(v, "WatchResponse");
  return {
    header: decodeHeader(o.header),
    watch_id: num(o.watch_id, "watch_id"),
    created: bool(o.created, "created"),
    canceled: bool(o.canceled, "canceled"),
    compact_revision: num(o.compact_revision, "compact_revision"),
    cancel_reason: str(o.cancel_reason, "cancel_reason"),
    fragment: bool(o.fragment, "fragment"),
    events: arr(o.events, "events").map(decodeEvent),
  };
}

/**
 * An error body: `{"error","message","code"}` for a unary call, or a stream's
 * `{"error": {"grpc_code","http_code","message","http_status"}}`. Undefined if it is neither.
 */
export function decodeError(v: Json): RpcError | undefined {
  if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
  const e = v.error;
  if (e && typeof e === "object" && !Array.isArray(e)) {
    const code = typeof e.grpc_code === "number" ? e.grpc_code : typeof e.code === "number" ? e.code : 2;
    return { code, message: typeof e.message === "string" ? e.message : typeof e.error === "string" ? e.error : JSON.stringify(e) };
  }
  if (typeof v.code === "number" && (typeof v.message === "string" || typeof v.error === "string")) {
    return { code: v.code, message: typeof v.message === "string" ? v.message : (v.error as string) };
  }
  return undefined;
}
