// The checks etcd makes before a request reaches the log (etcdserver/api/v3rpc/key.go):
// empty keys, ignore_value/ignore_lease conflicts, the txn op limit, and put/delete overlaps in
// one txn. They run in etcd's order, so the first error reported is etcd's first error.
//
// Alongside, requests are normalized: keys and values become byte strings, enums and numbers
// are checked (a JS caller can pass anything; etcd's protobuf decoder would have refused it).

import { Bytes, toBytes } from "./bytes";
import { EtcdError, Errors, GrpcCode } from "./errors";
import type {
  Compare,
  CompareResult,
  CompareTarget,
  DeleteRangeRequest,
  PutRequest,
  RangeRequest,
  RequestOp,
  SortOrder,
  SortTarget,
  TxnRequest,
} from "./types";

/** --max-txn-ops default. */
export const DEFAULT_MAX_TXN_OPS = 128;

export interface NRange {
  key: Bytes;
  range_end: Bytes;
  limit: number;
  revision: number;
  sort_order: SortOrder;
  sort_target: SortTarget;
  keys_only: boolean;
  count_only: boolean;
  min_mod_revision: number;
  max_mod_revision: number;
  min_create_revision: number;
  max_create_revision: number;
}

export interface NPut {
  key: Bytes;
  value: Bytes;
  lease: number;
  prev_kv: boolean;
  ignore_value: boolean;
  ignore_lease: boolean;
}

export interface NDelete {
  key: Bytes;
  range_end: Bytes;
  prev_kv: boolean;
}

export interface NCompare {
  result: CompareResult;
  target: CompareTarget;
  key: Bytes;
  range_end: Bytes;
  /** The operand for `target` (0 / "" if the request set another union member or none). */
  value: Bytes;
  number: number;
}

export type NOp =
  | { kind: "range"; range: NRange }
  | { kind: "put"; put: NPut }
  | { kind: "delete"; del: NDelete }
  | { kind: "txn"; txn: NTxn };

export interface NTxn {
  compare: NCompare[];
  success: NOp[];
  failure: NOp[];
}

const SORT_ORDERS: readonly SortOrder[] = ["NONE", "ASCEND", "DESCEND"];
const SORT_TARGETS: readonly SortTarget[] = ["KEY", "VERSION", "CREATE", "MOD", "VALUE"];
const RESULTS: readonly CompareResult[] = ["EQUAL", "GREATER", "LESS", "NOT_EQUAL"];
const TARGETS: readonly CompareTarget[] = ["VERSION", "CREATE", "MOD", "VALUE", "LEASE"];

function bad(message: string): EtcdError {
  return new EtcdError(GrpcCode.InvalidArgument, `kubelab: ${message}`);
}

/** An int64 field: absent is 0; anything but a safe integer is refused. */
export function int64(v: unknown, field: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== "number" || !Number.isSafeInteger(v)) throw bad(`${field} must be an integer within ±2^53, got ${String(v)}`);
  return v;
}

function bool(v: unknown, field: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") throw bad(`${field} must be a boolean, got ${String(v)}`);
  return v;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], field: string): T {
  if (v === undefined || v === null) return allowed[0];
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  throw bad(`${field} must be one of ${allowed.join(", ")}, got ${String(v)}`);
}

function object(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw bad(`${what} must be an object`);
  return v as Record<string, unknown>;
}

export function normalizeRange(r: RangeRequest): NRange {
  object(r, "range request");
  const key = toBytes(r.key, "key");
  if (key === "") throw Errors.EmptyKey();
  return {
    key,
    range_end: toBytes(r.range_end, "range_end"),
    limit: int64(r.limit, "limit"),
    revision: int64(r.revision, "revision"),
    sort_order: oneOf(r.sort_order, SORT_ORDERS, "sort_order"),
    sort_target: oneOf(r.sort_target, SORT_TARGETS, "sort_target"),
    keys_only: bool(r.keys_only, "keys_only"),
    count_only: bool(r.count_only, "count_only"),
    min_mod_revision: int64(r.min_mod_revision, "min_mod_revision"),
    max_mod_revision: int64(r.max_mod_revision, "max_mod_revision"),
    min_create_revision: int64(r.min_create_revision, "min_create_revision"),
    max_create_revision: int64(r.max_create_revision, "max_create_revision"),
  };
}

export function normalizePut(r: PutRequest): NPut {
  object(r, "put request");
  const p: NPut = {
    key: toBytes(r.key, "key"),
    value: toBytes(r.value, "value"),
    lease: int64(r.lease, "lease"),
    prev_kv: bool(r.prev_kv, "prev_kv"),
    ignore_value: bool(r.ignore_value, "ignore_value"),
    ignore_lease: bool(r.ignore_lease, "ignore_lease"),
  };
  if (p.key === "") throw Errors.EmptyKey();
  if (p.ignore_value && p.value.length !== 0) throw Errors.ValueProvided();
  if (p.ignore_lease && p.lease !== 0) throw Errors.LeaseProvided();
  return p;
}

export function normalizeDelete(r: DeleteRangeRequest): NDelete {
  object(r, "delete range request");
  const key = toBytes(r.key, "key");
  if (key === "") throw Errors.EmptyKey();
  return { key, range_end: toBytes(r.range_end, "range_end"), prev_kv: bool(r.prev_kv, "prev_kv") };
}

function normalizeCompare(c: Compare): NCompare {
  object(c, "compare");
  const target = oneOf(c.target, TARGETS, "compare target");
  const key = toBytes(c.key, "compare key");
  if (key === "") throw Errors.EmptyKey();
  const n: NCompare = {
    result: oneOf(c.result, RESULTS, "compare result"),
    target,
    key,
    range_end: toBytes(c.range_end, "compare range_end"),
    value: "",
    number: 0,
  };
  // The target_union oneof: only the member named by `target` counts (compareKV).
  switch (target) {
    case "VALUE":
      n.value = toBytes(c.value, "compare value");
      break;
    case "VERSION":
      n.number = int64(c.version, "compare version");
      break;
    case "CREATE":
      n.number = int64(c.create_revision, "compare create_revision");
      break;
    case "MOD":
      n.number = int64(c.mod_revision, "compare mod_revision");
      break;
    case "LEASE":
      n.number = int64(c.lease, "compare lease");
      break;
  }
  return n;
}

function normalizeOp(op: RequestOp, maxTxnOps: number): NOp {
  object(op, "txn operation");
  // checkRequestOp: the first member set wins; none set is etcd's "key not found".
  if (op.request_range) return { kind: "range", range: normalizeRange(op.request_range) };
  if (op.request_put) return { kind: "put", put: normalizePut(op.request_put) };
  if (op.request_delete_range) return { kind: "delete", del: normalizeDelete(op.request_delete_range) };
  if (op.request_txn) return { kind: "txn", txn: checkTxn(op.request_txn, maxTxnOps) };
  throw Errors.KeyNotFound();
}

function list<T>(v: T[] | undefined, what: string): T[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(`${what} must be a list`);
  return v;
}

/**
 * checkTxnRequest: the op count is the longest of compare / success / failure, and a nested txn
 * gets only what its parent left of the budget (maxTxnOps - opc).
 */
function checkTxn(r: TxnRequest, maxTxnOps: number): NTxn {
  object(r, "txn request");
  const compare = list(r.compare, "compare");
  const success = list(r.success, "success");
  const failure = list(r.failure, "failure");
  const opc = Math.max(compare.length, success.length, failure.length);
  if (opc > maxTxnOps) throw Errors.TooManyOps();
  const ncompare = compare.map(normalizeCompare);
  const nsuccess = success.map((op) => normalizeOp(op, maxTxnOps - opc));
  const nfailure = failure.map((op) => normalizeOp(op, maxTxnOps - opc));
  return { compare: ncompare, success: nsuccess, failure: nfailure };
}

/** Validates and normalizes a txn, in etcd's order: checkTxnRequest, then checkIntervals. */
export function normalizeTxn(r: TxnRequest, maxTxnOps = DEFAULT_MAX_TXN_OPS): NTxn {
  const t = checkTxn(r, maxTxnOps);
  checkIntervals(t.success);
  checkIntervals(t.failure);
  return t;
}

// ---- checkIntervals: no key may be put twice, or put and deleted, by one branch ----

/**
 * A delete's interval as checkIntervals sees it. Note etcd's quirk, kept on purpose: a range end
 * of "\0" (which means "to the end" everywhere else) is taken literally here, as the interval
 * [key, "\0"), so it overlaps no put (reference §2.6; observed on 3.4.23).
 */
interface Interval {
  lo: Bytes;
  /** Exclusive end; null = +infinity. */
  hi: Bytes | null;
}

function intersectsPoint(dels: Interval[], k: Bytes): boolean {
  // A point k is the interval [k, k+"\0"); it meets [lo, hi) iff lo <= k < hi (for hi = lo+... too).
  for (const d of dels) {
    if (d.lo <= k && (d.hi === null || k < d.hi)) return true;
  }
  return false;
}

function checkIntervals(ops: NOp[]): { puts: Set<Bytes>; dels: Interval[] } {
  const dels: Interval[] = [];
  // This level's deletes first, so that puts in nested txns are checked against them.
  for (const op of ops) {
    if (op.kind !== "delete") continue;
    const { key, range_end } = op.del;
    dels.push(range_end.length !== 0 ? { lo: key, hi: range_end } : { lo: key, hi: key + "\0" });
  }
  const puts = new Set<Bytes>();
  for (const op of ops) {
    if (op.kind !== "txn") continue;
    const then = checkIntervals(op.txn.success);
    const els = checkIntervals(op.txn.failure);
    for (const k of then.puts) {
      if (puts.has(k) || intersectsPoint(dels, k)) throw Errors.DuplicateKey();
      puts.add(k);
    }
    for (const k of els.puts) {
      // then and else never both run: a key put by both is fine.
      if (puts.has(k) && !then.puts.has(k)) throw Errors.DuplicateKey();
      if (intersectsPoint(dels, k)) throw Errors.DuplicateKey();
      puts.add(k);
    }
    dels.push(...then.dels, ...els.dels);
  }
  for (const op of ops) {
    if (op.kind !== "put") continue;
    const k = op.put.key;
    if (puts.has(k) || intersectsPoint(dels, k)) throw Errors.DuplicateKey();
    puts.add(k);
  }
  return { puts, dels };
}
