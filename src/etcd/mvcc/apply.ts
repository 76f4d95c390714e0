// Applying requests to the store (etcdserver/apply.go, applierV3backend): the semantics of
// Range, Put, DeleteRange and Txn on top of the mvcc transactions, and the rules that are
// checked only once the request is applied (a lease that must exist, a key that ignore_value
// needs, a txn range's revision).

import { compareBytes } from "./bytes";
import { Errors } from "./errors";
import type { KVStore, TxnRead, TxnWrite } from "./kvstore";
import type { Lessor } from "./lessor";
import type { NCompare, NDelete, NOp, NPut, NRange, NTxn } from "./validate";
import type { DeleteRangeResponse, KeyValue, PutResponse, RangeResponse, ResponseHeader, ResponseOp, TxnResponse } from "./types";

/** A header as the applier fills it: only the revision (the server adds the rest at the top). */
export function revHeader(revision: number): ResponseHeader {
  return { cluster_id: 0, member_id: 0, revision, raft_term: 0 };
}

export class Applier {
  readonly kv: KVStore;
  readonly lessor: Lessor;

  constructor(kv: KVStore, lessor: Lessor) {
    this.kv = kv;
    this.lessor = lessor;
  }

  // ---- Range ----

  range(r: NRange, txn?: TxnRead): RangeResponse {
    const t = txn ?? this.kv.read();
    // Sorting or filtering needs every key first; otherwise fetch one extra to know `more`.
    let limit = r.limit;
    if (r.sort_order !== "NONE" || r.min_mod_revision || r.max_mod_revision || r.min_create_revision || r.max_create_revision) {
      limit = 0;
    }
    if (limit > 0) limit++;
    const rr = t.range(r.key, r.range_end, { limit, rev: r.revision, count: r.count_only });
    let kvs = rr.kvs;
    if (r.max_mod_revision) kvs = kvs.filter((kv) => !(kv.mod_revision > r.max_mod_revision));
    if (r.min_mod_revision) kvs = kvs.filter((kv) => !(kv.mod_revision < r.min_mod_revision));
    if (r.max_create_revision) kvs = kvs.filter((kv) => !(kv.create_revision > r.max_create_revision));
    if (r.min_create_revision) kvs = kvs.filter((kv) => !(kv.create_revision < r.min_create_revision));

    let order = r.sort_order;
    // The index returns keys ascending; sort only if asked, but a non-KEY target means ASCEND.
    if (r.sort_target !== "KEY" && order === "NONE") order = "ASCEND";
    if (order !== "NONE") {
      const cmp = sorter(r.sort_target);
      // A stable sort: equal to Go's sort.Sort (insertion sort) up to 12 results; beyond that
      // etcd's order of ties is unspecified (pdqsort), so ours is one valid order.
      kvs = kvs.slice().sort(order === "ASCEND" ? cmp : (a, b) => cmp(b, a));
    }
    let more = false;
    if (r.limit > 0 && kvs.length > r.limit) {
      kvs = kvs.slice(0, r.limit);
      more = true;
    }
    if (r.keys_only) kvs = kvs.map((kv) => ({ ...kv, value: "" }));
    return { header: revHeader(rr.rev), kvs, more, count: rr.count };
  }

  // ---- Put ----

  /** A standalone put (txn undefined) checks its lease and commits its own write txn. */
  put(p: NPut, txn?: TxnWrite): PutResponse {
    let t = txn;
    if (!t) {
      if (p.lease !== 0 && !this.lessor.has(p.lease)) throw Errors.LeaseNotFound();
      t = this.kv.write();
    }
    try {
      let prev: KeyValue | undefined;
      if (p.ignore_value || p.ignore_lease || p.prev_kv) prev = t.range(p.key, "").kvs[0];
      if ((p.ignore_value || p.ignore_lease) && !prev) throw Errors.KeyNotFound();
      const value = p.ignore_value ? prev!.value : p.value;
      const lease = p.ignore_lease ? prev!.lease : p.lease;
      const revision = t.put(p.key, value, lease);
      const resp: PutResponse = { header: revHeader(revision) };
      if (p.prev_kv && prev) resp.prev_kv = prev;
      if (!txn) t.end();
      return resp;
    } catch (err) {
      if (!txn) t.abort();
      throw err;
    }
  }

  // ---- DeleteRange ----

  deleteRange(d: NDelete, txn?: TxnWrite): DeleteRangeResponse {
    const t = txn ?? this.kv.write();
    try {
      // A range end of "\0" means every key from `key` on (etcd's mkGteRange); the index reads it so.
      const end = d.range_end;
      const prev_kvs = d.prev_kv ? t.range(d.key, end).kvs : [];
      const { deleted, rev } = t.deleteRange(d.key, end);
      if (!txn) t.end();
      return { header: revHeader(rev), deleted, prev_kvs };
    } catch (err) {
      if (!txn) t.abort();
      throw err;
    }
  }

  // ---- Txn ----

  /**
   * Every compare of the txn and of the nested txns it will run is evaluated first, against the
   * store as it was before the txn (compareToPath): a nested txn's guard does not see the writes
   * of the ops before it. Then the put and range rules are checked along that path, and only then
   * is anything written, so a failing txn changes nothing.
   */
  txn(rt: NTxn): TxnResponse {
    const isWrite = !isTxnReadonly(rt);
    const rv = this.kv.read();
    const path = compareToPath(rv, rt);
    if (isWrite) this.checkRequests(rt, path, (op) => this.checkPut(rv, op));
    this.checkRequests(rt, path, (op) => checkRange(rv, op));
    const t = isWrite ? this.kv.write() : rv;
    let resp: TxnResponse;
    try {
      resp = this.applyTxn(t, rt, path);
    } catch (err) {
      // Only reachable through etcd's "\0" range-end quirk: a delete to the end of the keyspace
      // passes the overlap check, then a later ignore_value/ignore_lease put in the same txn
      // finds its key gone. etcd 3.4.23's apply loop panics on that txn (the member crashes;
      // observed); we refuse it whole, with the error the put met, and change nothing.
      if (isWrite) (t as TxnWrite).abort();
      throw err;
    }
    const rev = isWrite ? (t as TxnWrite).end() : rv.rev();
    resp.header = revHeader(rev);
    return resp;
  }

  private checkPut(rv: TxnRead, op: NOp): void {
    if (op.kind !== "put") return;
    const p = op.put;
    if (p.ignore_value || p.ignore_lease) {
      if (rv.range(p.key, "").kvs.length === 0) throw Errors.KeyNotFound();
    }
    if (p.lease !== 0 && !this.lessor.has(p.lease)) throw Errors.LeaseNotFound();
  }

  private checkRequests(rt: NTxn, path: TxnPath, check: (op: NOp) => void): void {
    const ops = path.succeeded ? rt.success : rt.failure;
    let child = 0;
    for (const op of ops) {
      if (op.kind === "txn") this.checkRequests(op.txn, path.children[child++], check);
      else check(op);
    }
  }

  private applyTxn(t: TxnRead, rt: NTxn, path: TxnPath): TxnResponse {
    const ops = path.succeeded ? rt.success : rt.failure;
    const responses: ResponseOp[] = [];
    let child = 0;
    for (const op of ops) {
      switch (op.kind) {
        case "range":
          responses.push({ response_range: this.range(op.range, t) });
          break;
        case "put":
          responses.push({ response_put: this.put(op.put, t as TxnWrite) });
          break;
        case "delete":
          responses.push({ response_delete_range: this.deleteRange(op.del, t as TxnWrite) });
          break;
        case "txn": {
          // A nested txn's response has an empty header (newTxnResp).
          const nested = this.applyTxn(t, op.txn, path.children[child++]);
          nested.header = revHeader(0);
          responses.push({ response_txn: nested });
          break;
        }
      }
    }
    return { header: revHeader(0), succeeded: path.succeeded, responses };
  }
}

/** Which branch each txn takes: this one, then the nested txns of the branch, in order. */
interface TxnPath {
  succeeded: boolean;
  children: TxnPath[];
}

function compareToPath(rv: TxnRead, rt: NTxn): TxnPath {
  const succeeded = rt.compare.every((c) => applyCompare(rv, c));
  const ops = succeeded ? rt.success : rt.failure;
  const children: TxnPath[] = [];
  for (const op of ops) if (op.kind === "txn") children.push(compareToPath(rv, op.txn));
  return { succeeded, children };
}

/** A txn with only ranges (in both branches) needs no write txn. Nested txns count as writes. */
function isTxnReadonly(rt: NTxn): boolean {
  return rt.success.every((op) => op.kind === "range") && rt.failure.every((op) => op.kind === "range");
}

/** checkRequestRange: a txn's range revision is checked before anything runs. */
function checkRange(rv: TxnRead, op: NOp): void {
  if (op.kind !== "range") return;
  const r = op.range.revision;
  if (r === 0) return;
  if (r > rv.rev()) throw Errors.FutureRev();
  // Quirk kept: a negative revision is "latest" for a plain range, but here it is below the
  // compaction point (-1 before any compaction) as soon as one exists, so it fails (observed).
  if (r < rv.firstRev) throw Errors.Compacted();
}

/**
 * applyCompare: the compare holds for every key in its range. A missing key compares as a
 * KeyValue of zeros, except that a VALUE compare on a missing key is always false (etcd cannot
 * tell a missing value from an empty one).
 */
function applyCompare(rv: TxnRead, c: NCompare): boolean {
  let kvs: KeyValue[];
  try {
    kvs = rv.range(c.key, c.range_end).kvs;
  } catch {
    return false;
  }
  if (kvs.length === 0) {
    if (c.target === "VALUE") return false;
    return compareKV(c, { key: c.key, create_revision: 0, mod_revision: 0, version: 0, value: "", lease: 0 });
  }
  return kvs.every((kv) => compareKV(c, kv));
}

function compareKV(c: NCompare, kv: KeyValue): boolean {
  let result: number;
  switch (c.target) {
    case "VALUE":
      result = compareBytes(kv.value, c.value);
      break;
    case "CREATE":
      result = Math.sign(kv.create_revision - c.number);
      break;
    case "MOD":
      result = Math.sign(kv.mod_revision - c.number);
      break;
    case "VERSION":
      result = Math.sign(kv.version - c.number);
      break;
    case "LEASE":
      result = Math.sign(kv.lease - c.number);
      break;
  }
  switch (c.result) {
    case "EQUAL":
      return result === 0;
    case "NOT_EQUAL":
      return result !== 0;
    case "GREATER":
      return result > 0;
    case "LESS":
      return result < 0;
  }
}

function sorter(target: NRange["sort_target"]): (a: KeyValue, b: KeyValue) => number {
  switch (target) {
    case "KEY":
      return (a, b) => compareBytes(a.key, b.key);
    case "VERSION":
      return (a, b) => a.version - b.version;
    case "CREATE":
      return (a, b) => a.create_revision - b.create_revision;
    case "MOD":
      return (a, b) => a.mod_revision - b.mod_revision;
    case "VALUE":
      return (a, b) => compareBytes(a.value, b.value);
  }
}
