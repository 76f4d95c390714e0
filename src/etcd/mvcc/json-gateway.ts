// etcd 3.4's JSON API (the grpc-gateway in front of its gRPC services, reference §3): how a
// request body in JSON becomes one of our requests, and how our responses and errors become the
// JSON etcd sends. Used to serve real HTTP clients and by the differential test against etcd.
//
// Decoding follows golang/protobuf's jsonpb as etcd's gateway configures it: proto field names
// or their lowerCamelCase forms, unknown fields ignored, null = default, `bytes` as standard
// base64, int64 as a JSON number or a decimal string, enums by name (or number). Type errors
// carry the Go messages etcd returns for the common cases (code 3, HTTP 400).
// Encoding is jsonpb with OrigName and EmitDefaults off: proto field order and names, int64 and
// uint64 as decimal strings, bytes as base64, enums by name, and every zero / false / empty
// field (and enum value 0) left out; a message that is present but empty is still `{}`.

import { base64Decode, base64Encode } from "./bytes";
import { EtcdError, GrpcCode, httpStatusFromCode } from "./errors";
import type { MvccStore, ApplyContext } from "./store";
import type {
  Compare,
  CompactionRequest,
  DeleteRangeRequest,
  Event,
  KeyValue,
  LeaseGrantRequest,
  LeaseKeepAliveRequest,
  LeaseRevokeRequest,
  LeaseTimeToLiveRequest,
  PutRequest,
  RangeRequest,
  RequestOp,
  ResponseHeader,
  ResponseOp,
  TxnRequest,
  WatchCancelRequest,
  WatchCreateRequest,
  WatchResponse,
} from "./types";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

// ---------------------------------------------------------------------------------------------
// Routes (rpc.proto google.api.http, v3.4): all POST.

export type UnaryKind =
  | "range"
  | "put"
  | "deleteRange"
  | "txn"
  | "compaction"
  | "leaseGrant"
  | "leaseRevoke"
  | "leaseTimeToLive"
  | "leaseLeases";
export type StreamKind = "watch" | "leaseKeepAlive";

const ROUTES: Record<string, UnaryKind | StreamKind> = {
  "/kv/range": "range",
  "/kv/put": "put",
  "/kv/deleterange": "deleteRange",
  "/kv/txn": "txn",
  "/kv/compaction": "compaction",
  "/lease/grant": "leaseGrant",
  "/lease/revoke": "leaseRevoke",
  "/kv/lease/revoke": "leaseRevoke",
  "/lease/timetolive": "leaseTimeToLive",
  "/kv/lease/timetolive": "leaseTimeToLive",
  "/lease/leases": "leaseLeases",
  "/kv/lease/leases": "leaseLeases",
  "/lease/keepalive": "leaseKeepAlive",
  "/watch": "watch",
};

/** The RPC behind a URL path; 3.4 serves /v3 and the older /v3beta prefix. */
export function route(path: string): { kind: UnaryKind | StreamKind; stream: boolean } | undefined {
  const m = /^\/v3(?:beta)?(\/.*)$/.exec(path.split("?")[0]);
  if (!m) return undefined;
  const kind = ROUTES[m[1]];
  if (!kind) return undefined;
  return { kind, stream: kind === "watch" || kind === "leaseKeepAlive" };
}

// ---------------------------------------------------------------------------------------------
// Body parsing.

const invalid = (message: string) => new EtcdError(GrpcCode.InvalidArgument, message);

/** Parses one request body; an empty body is an empty message, as the gateway treats io.EOF. */
export function parseBody(body: string): Json {
  if (body.trim() === "") return {};
  const values = splitJsonValues(body);
  return values[0];
}

/**
 * Splits a stream body into its JSON values (the gateway reads a bidirectional stream's requests
 * one after another from the body, whitespace or newlines between them).
 */
export function splitJsonValues(body: string): Json[] {
  const out: Json[] = [];
  let i = 0;
  const n = body.length;
  while (i < n) {
    while (i < n && /\s/.test(body[i])) i++;
    if (i >= n) break;
    const start = i;
    if (body[i] === "{" || body[i] === "[") {
      let depth = 0;
      let inString = false;
      for (; i < n; i++) {
        const c = body[i];
        if (inString) {
          if (c === "\\") i++;
          else if (c === '"') inString = false;
          continue;
        }
        if (c === '"') inString = true;
        else if (c === "{" || c === "[") depth++;
        else if (c === "}" || c === "]") {
          depth--;
          if (depth === 0) {
            i++;
            break;
          }
        }
      }
      if (depth !== 0) throw invalid("unexpected EOF");
    } else {
      while (i < n && !/\s/.test(body[i])) i++;
    }
    const chunk = body.slice(start, i);
    try {
      out.push(JSON.parse(chunk) as Json);
    } catch {
      throw invalid(goSyntaxError(chunk));
    }
  }
  return out;
}

/** Go's encoding/json syntax error for a bad value, for the common cases. */
function goSyntaxError(chunk: string): string {
  // Find the first character JSON cannot start or continue a value with.
  const m = /^\s*(?:[{[,:]\s*|"(?:[^"\\]|\\.)*"\s*)*([^\s"{}[\],:0-9tfn-])/.exec(chunk);
  if (m) return `invalid character '${m[1]}' looking for beginning of value`;
  return "unexpected EOF";
}

// ---------------------------------------------------------------------------------------------
// Field decoding (jsonpb).

type FieldType =
  | { t: "bytes" }
  | { t: "int64" }
  | { t: "bool" }
  | { t: "enum"; name: string; values: readonly string[] }
  | { t: "message"; schema: Schema }
  | { t: "repeated"; of: FieldType };

interface Schema {
  name: string;
  fields: Record<string, FieldType>;
}

const BYTES: FieldType = { t: "bytes" };
const INT64: FieldType = { t: "int64" };
const BOOL: FieldType = { t: "bool" };

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function goType(ft: FieldType): string {
  switch (ft.t) {
    case "bytes":
      return "[]uint8";
    case "int64":
      return "int64";
    case "bool":
      return "bool";
    case "enum":
      return "string";
    case "message":
      return "map[string]json.RawMessage";
    case "repeated":
      return "[]json.RawMessage";
  }
}

function jsonKind(v: Json): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  if (typeof v === "object") return "object";
  return typeof v === "boolean" ? "bool" : typeof v;
}

function decodeValue(ft: FieldType, v: Json): unknown {
  switch (ft.t) {
    case "bytes":
      if (typeof v !== "string") throw invalid(`json: cannot unmarshal ${jsonKind(v)} into Go value of type []uint8`);
      return base64Decode(v);
    case "int64":
      return decodeInt64(v);
    case "bool":
      if (typeof v !== "boolean") throw invalid(`json: cannot unmarshal ${jsonKind(v)} into Go value of type bool`);
      return v;
    case "enum":
      if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v < ft.values.length) return ft.values[v];
      if (typeof v === "string" && ft.values.includes(v)) return v;
      if (typeof v === "string") throw invalid(`unknown value ${JSON.stringify(v)} for enum ${ft.name}`);
      throw invalid(`kubelab: unsupported value ${JSON.stringify(v)} for enum ${ft.name}`);
    case "message":
      return decodeMessage(ft.schema, v);
    case "repeated":
      if (!Array.isArray(v)) throw invalid(`json: cannot unmarshal ${jsonKind(v)} into Go value of type []json.RawMessage`);
      return v.map((x) => decodeValue(ft.of, x));
  }
}

function decodeInt64(v: Json): number {
  let digits: string;
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw invalid(`json: cannot unmarshal number ${v} into Go value of type int64`);
    digits = String(v);
  } else if (typeof v === "string") {
    // jsonpb unquotes the string and parses what is inside as a JSON number.
    const m = /^-?(0|[1-9][0-9]*)$/.exec(v);
    if (!m) {
      const bad = v.length === 0 ? null : /[^0-9-]/.exec(v);
      throw invalid(bad ? `invalid character '${bad[0]}' looking for beginning of value` : "unexpected end of JSON input");
    }
    digits = v;
  } else {
    throw invalid(`json: cannot unmarshal ${jsonKind(v)} into Go value of type int64`);
  }
  const big = BigInt(digits);
  if (big > 9223372036854775807n || big < -9223372036854775808n) {
    throw invalid(`json: cannot unmarshal number ${digits} into Go value of type int64`);
  }
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw invalid(`kubelab: int64 value ${digits} is beyond 2^53, which this server does not represent`);
  }
  return Number(big);
}

function decodeMessage(schema: Schema, v: Json): Record<string, unknown> {
  if (v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) {
    throw invalid(`json: cannot unmarshal ${jsonKind(v)} into Go value of type map[string]json.RawMessage`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, ft] of Object.entries(schema.fields)) {
    const raw = name in v ? v[name] : v[camel(name)];
    if (raw === undefined || raw === null) continue;
    out[name] = decodeValue(ft, raw);
  }
  return out;
}

const enumOf = (name: string, values: readonly string[]): FieldType => ({ t: "enum", name: `etcdserverpb.${name}`, values });
const msg = (schema: Schema): FieldType => ({ t: "message", schema });
const rep = (of: FieldType): FieldType => ({ t: "repeated", of });

const RangeRequestSchema: Schema = {
  name: "RangeRequest",
  fields: {
    key: BYTES,
    range_end: BYTES,
    limit: INT64,
    revision: INT64,
    sort_order: enumOf("RangeRequest_SortOrder", ["NONE", "ASCEND", "DESCEND"]),
    sort_target: enumOf("RangeRequest_SortTarget", ["KEY", "VERSION", "CREATE", "MOD", "VALUE"]),
    serializable: BOOL,
    keys_only: BOOL,
    count_only: BOOL,
    min_mod_revision: INT64,
    max_mod_revision: INT64,
    min_create_revision: INT64,
    max_create_revision: INT64,
  },
};
const PutRequestSchema: Schema = {
  name: "PutRequest",
  fields: { key: BYTES, value: BYTES, lease: INT64, prev_kv: BOOL, ignore_value: BOOL, ignore_lease: BOOL },
};
const DeleteRangeRequestSchema: Schema = { name: "DeleteRangeRequest", fields: { key: BYTES, range_end: BYTES, prev_kv: BOOL } };
const CompareSchema: Schema = {
  name: "Compare",
  fields: {
    result: enumOf("Compare_CompareResult", ["EQUAL", "GREATER", "LESS", "NOT_EQUAL"]),
    target: enumOf("Compare_CompareTarget", ["VERSION", "CREATE", "MOD", "VALUE", "LEASE"]),
    key: BYTES,
    version: INT64,
    create_revision: INT64,
    mod_revision: INT64,
    value: BYTES,
    lease: INT64,
    range_end: BYTES,
  },
};
const RequestOpSchema: Schema = { name: "RequestOp", fields: {} };
const TxnRequestSchema: Schema = {
  name: "TxnRequest",
  fields: { compare: rep(msg(CompareSchema)), success: rep(msg(RequestOpSchema)), failure: rep(msg(RequestOpSchema)) },
};
Object.assign(RequestOpSchema.fields, {
  request_range: msg(RangeRequestSchema),
  request_put: msg(PutRequestSchema),
  request_delete_range: msg(DeleteRangeRequestSchema),
  request_txn: msg(TxnRequestSchema),
});
const CompactionRequestSchema: Schema = { name: "CompactionRequest", fields: { revision: INT64, physical: BOOL } };
const LeaseGrantRequestSchema: Schema = { name: "LeaseGrantRequest", fields: { TTL: INT64, ID: INT64 } };
const LeaseIDSchema: Schema = { name: "LeaseRevokeRequest", fields: { ID: INT64 } };
const LeaseTimeToLiveRequestSchema: Schema = { name: "LeaseTimeToLiveRequest", fields: { ID: INT64, keys: BOOL } };
const EmptySchema: Schema = { name: "Empty", fields: {} };
const WatchCreateRequestSchema: Schema = {
  name: "WatchCreateRequest",
  fields: {
    key: BYTES,
    range_end: BYTES,
    start_revision: INT64,
    progress_notify: BOOL,
    filters: rep(enumOf("WatchCreateRequest_FilterType", ["NOPUT", "NODELETE"])),
    prev_kv: BOOL,
    watch_id: INT64,
    fragment: BOOL,
  },
};
const WatchRequestSchema: Schema = {
  name: "WatchRequest",
  fields: {
    create_request: msg(WatchCreateRequestSchema),
    cancel_request: msg({ name: "WatchCancelRequest", fields: { watch_id: INT64 } }),
    progress_request: msg(EmptySchema),
  },
};

// Our request types need a key; a decoded message without one carries "" (etcd's empty bytes).
const withKey = <T>(m: Record<string, unknown>): T => ({ key: "", ...m }) as unknown as T;

export const decode = {
  range: (j: Json): RangeRequest => withKey(decodeMessage(RangeRequestSchema, j)),
  put: (j: Json): PutRequest => withKey(decodeMessage(PutRequestSchema, j)),
  deleteRange: (j: Json): DeleteRangeRequest => withKey(decodeMessage(DeleteRangeRequestSchema, j)),
  txn: (j: Json): TxnRequest => fillTxnKeys(decodeMessage(TxnRequestSchema, j) as TxnRequest),
  compaction: (j: Json): CompactionRequest => ({ revision: 0, ...decodeMessage(CompactionRequestSchema, j) }),
  leaseGrant: (j: Json): LeaseGrantRequest => ({ TTL: 0, ...decodeMessage(LeaseGrantRequestSchema, j) }),
  leaseRevoke: (j: Json): LeaseRevokeRequest => ({ ID: 0, ...decodeMessage(LeaseIDSchema, j) }),
  leaseKeepAlive: (j: Json): LeaseKeepAliveRequest => ({ ID: 0, ...decodeMessage(LeaseIDSchema, j) }),
  leaseTimeToLive: (j: Json): LeaseTimeToLiveRequest => ({ ID: 0, ...decodeMessage(LeaseTimeToLiveRequestSchema, j) }),
  leaseLeases: (j: Json): Record<string, never> => decodeMessage(EmptySchema, j) as Record<string, never>,
  watch: (j: Json): WatchRequest => {
    const m = decodeMessage(WatchRequestSchema, j) as WatchRequest;
    if (m.create_request) m.create_request = withKey(m.create_request as unknown as Record<string, unknown>);
    if (m.cancel_request) m.cancel_request = { watch_id: m.cancel_request.watch_id ?? 0 };
    return m;
  },
};

export interface WatchRequest {
  create_request?: WatchCreateRequest;
  cancel_request?: WatchCancelRequest;
  progress_request?: Record<string, never>;
}

function fillTxnKeys(t: TxnRequest): TxnRequest {
  t.compare = t.compare?.map((c) => withKey<Compare>(c as unknown as Record<string, unknown>));
  const ops = (list?: RequestOp[]) =>
    list?.map((op): RequestOp => {
      const o: RequestOp = {};
      if (op.request_range) o.request_range = withKey(op.request_range as unknown as Record<string, unknown>);
      if (op.request_put) o.request_put = withKey(op.request_put as unknown as Record<string, unknown>);
      if (op.request_delete_range) o.request_delete_range = withKey(op.request_delete_range as unknown as Record<string, unknown>);
      if (op.request_txn) o.request_txn = fillTxnKeys(op.request_txn);
      return o;
    });
  t.success = ops(t.success);
  t.failure = ops(t.failure);
  return t;
}

// ---------------------------------------------------------------------------------------------
// Encoding.

const i64 = (n: number): string => String(n);

function put(o: JsonObject, name: string, v: Json | undefined): void {
  if (v === undefined) return;
  o[name] = v;
}

export function encodeHeader(h: ResponseHeader): JsonObject {
  const o: JsonObject = {};
  if (h.cluster_id) o.cluster_id = i64(h.cluster_id);
  if (h.member_id) o.member_id = i64(h.member_id);
  if (h.revision) o.revision = i64(h.revision);
  if (h.raft_term) o.raft_term = i64(h.raft_term);
  return o;
}

export function encodeKeyValue(kv: KeyValue): JsonObject {
  const o: JsonObject = {};
  if (kv.key) o.key = base64Encode(kv.key);
  if (kv.create_revision) o.create_revision = i64(kv.create_revision);
  if (kv.mod_revision) o.mod_revision = i64(kv.mod_revision);
  if (kv.version) o.version = i64(kv.version);
  if (kv.value) o.value = base64Encode(kv.value);
  if (kv.lease) o.lease = i64(kv.lease);
  return o;
}

const kvList = (kvs: KeyValue[] | undefined): Json | undefined => (kvs && kvs.length ? kvs.map(encodeKeyValue) : undefined);
const nz = (n: number | undefined): Json | undefined => (n ? i64(n) : undefined);
const yes = (b: boolean | undefined): Json | undefined => (b ? true : undefined);

type AnyResponse = { header: ResponseHeader } & Record<string, unknown>;

function encodeRangeResponse(r: AnyResponse): JsonObject {
  const o: JsonObject = { header: encodeHeader(r.header) };
  put(o, "kvs", kvList(r.kvs as KeyValue[]));
  put(o, "more", yes(r.more as boolean));
  put(o, "count", nz(r.count as number));
  return o;
}

function encodePutResponse(r: AnyResponse): JsonObject {
  const o: JsonObject = { header: encodeHeader(r.header) };
  if (r.prev_kv) o.prev_kv = encodeKeyValue(r.prev_kv as KeyValue);
  return o;
}

function encodeDeleteRangeResponse(r: AnyResponse): JsonObject {
  const o: JsonObject = { header: encodeHeader(r.header) };
  put(o, "deleted", nz(r.deleted as number));
  put(o, "prev_kvs", kvList(r.prev_kvs as KeyValue[]));
  return o;
}

function encodeResponseOp(op: ResponseOp): JsonObject {
  if (op.response_range) return { response_range: encodeRangeResponse(op.response_range as unknown as AnyResponse) };
  if (op.response_put) return { response_put: encodePutResponse(op.response_put as unknown as AnyResponse) };
  if (op.response_delete_range) return { response_delete_range: encodeDeleteRangeResponse(op.response_delete_range as unknown as AnyResponse) };
  if (op.response_txn) return { response_txn: encodeTxnResponse(op.response_txn as unknown as AnyResponse) };
  return {};
}

function encodeTxnResponse(r: AnyResponse): JsonObject {
  const o: JsonObject = { header: encodeHeader(r.header) };
  put(o, "succeeded", yes(r.succeeded as boolean));
  const responses = r.responses as ResponseOp[];
  if (responses && responses.length) o.responses = responses.map(encodeResponseOp);
  return o;
}

function headerOnly(r: AnyResponse): JsonObject {
  return { header: encodeHeader(r.header) };
}

function encodeLeaseGrantResponse(r: AnyResponse): JsonObject {
  const o: JsonObject = { header: encodeHeader(r.header) };
  put(o, "ID", nz(r.ID as number));
  put(o, "TTL", nz(r.TTL as number));
  if (r.error) o.error = r.error as string;
  return o;
}

function encodeLeaseKeepAliveResponse(r: AnyResponse): JsonObject {
  const o: JsonObject = { header: encodeHeader(r.header) };
  put(o, "ID", nz(r.ID as number));
  put(o, "TTL", nz(r.TTL as number));
  return o;
}

function encodeLeaseTimeToLiveResponse(r: AnyResponse): JsonObject {
  const o: JsonObject = { header: encodeHeader(r.header) };
  put(o, "ID", nz(r.ID as number));
  put(o, "TTL", nz(r.TTL as number));
  put(o, "grantedTTL", nz(r.grantedTTL as number));
  const keys = r.keys as string[];
  if (keys && keys.length) o.keys = keys.map(base64Encode);
  return o;
}

function encodeLeaseLeasesResponse(r: AnyResponse): JsonObject {
  const o: JsonObject = { header: encodeHeader(r.header) };
  const leases = r.leases as { ID: number }[];
  if (leases && leases.length) o.leases = leases.map((l): JsonObject => (l.ID ? { ID: i64(l.ID) } : {}));
  return o;
}

export function encodeEvent(ev: Event): JsonObject {
  const o: JsonObject = {};
  if (ev.type === "DELETE") o.type = "DELETE";
  o.kv = encodeKeyValue(ev.kv);
  if (ev.prev_kv) o.prev_kv = encodeKeyValue(ev.prev_kv);
  return o;
}

export function encodeWatchResponse(r: WatchResponse): JsonObject {
  const o: JsonObject = { header: encodeHeader(r.header) };
  put(o, "watch_id", nz(r.watch_id));
  put(o, "created", yes(r.created));
  put(o, "canceled", yes(r.canceled));
  put(o, "compact_revision", nz(r.compact_revision));
  if (r.cancel_reason) o.cancel_reason = r.cancel_reason;
  put(o, "fragment", yes(r.fragment));
  if (r.events.length) o.events = r.events.map(encodeEvent);
  return o;
}

const ENCODERS: Record<UnaryKind | StreamKind, (r: AnyResponse) => JsonObject> = {
  range: encodeRangeResponse,
  put: encodePutResponse,
  deleteRange: encodeDeleteRangeResponse,
  txn: encodeTxnResponse,
  compaction: headerOnly,
  leaseGrant: encodeLeaseGrantResponse,
  leaseRevoke: headerOnly,
  leaseTimeToLive: encodeLeaseTimeToLiveResponse,
  leaseLeases: encodeLeaseLeasesResponse,
  leaseKeepAlive: encodeLeaseKeepAliveResponse,
  watch: (r) => encodeWatchResponse(r as unknown as WatchResponse),
};

/** A response as etcd's gateway writes it. */
export function encodeResponse(kind: UnaryKind | StreamKind, resp: object): JsonObject {
  return ENCODERS[kind](resp as AnyResponse);
}

/** One message of a stream: {"result": ...}. */
export function encodeStreamMessage(kind: StreamKind, resp: object): JsonObject {
  return { result: encodeResponse(kind, resp) };
}

/** An error as the gateway writes it, with its HTTP status. */
export function encodeError(err: EtcdError): { status: number; body: JsonObject } {
  return { status: httpStatusFromCode(err.code), body: { error: err.message, message: err.message, code: err.code } };
}

// ---------------------------------------------------------------------------------------------
// A standalone server's unary handler: decode, run on the store, encode.

export interface GatewayReply {
  status: number;
  body: JsonObject;
}

/**
 * Serves one unary call on a standalone store (no Raft in front): what etcd answers for
 * `POST path` with this body. Paths that are streams or unknown are the caller's to handle.
 */
export function serveUnary(store: MvccStore, kind: UnaryKind, body: string, ctx: ApplyContext = {}): GatewayReply {
  try {
    const j = parseBody(body);
    let resp: object;
    switch (kind) {
      case "range":
        resp = store.range(decode.range(j));
        break;
      case "put":
        resp = store.put(decode.put(j));
        break;
      case "deleteRange":
        resp = store.deleteRange(decode.deleteRange(j));
        break;
      case "txn":
        resp = store.txn(decode.txn(j));
        break;
      case "compaction":
        resp = store.compact(decode.compaction(j));
        break;
      case "leaseGrant":
        resp = store.leaseGrant(decode.leaseGrant(j), ctx);
        break;
      case "leaseRevoke":
        resp = store.leaseRevoke(decode.leaseRevoke(j));
        break;
      case "leaseTimeToLive":
        resp = store.leaseTimeToLive(decode.leaseTimeToLive(j), ctx);
        break;
      case "leaseLeases":
        decode.leaseLeases(j);
        resp = store.leaseLeases();
        break;
    }
    return { status: 200, body: encodeResponse(kind, resp) };
  } catch (err) {
    if (err instanceof EtcdError) return encodeError(err);
    throw err;
  }
}
