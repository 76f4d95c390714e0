// Session: an EtcdClient for notebook cells and tests, in the manner of etcdctl: each call runs
// virtual time until the answer arrives and returns it, or throws etcd's error. Keys and values
// are text (UTF-8), as you would type them.

import type { Simulation } from "../../sim/index";
import { prefixEnd, text, utf8 } from "../mvcc/bytes";
import type {
  Compare,
  DeleteRangeResponse,
  KeyValue,
  LeaseGrantResponse,
  LeaseTimeToLiveResponse,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  TxnResponse,
} from "../mvcc/types";
import type { RpcError } from "../server/protocol";
import type { Callback, EtcdClient } from "./client";

/** etcd's error as an exception: `code` is the gRPC status code. */
export class EtcdCallError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = "EtcdCallError";
  }
}

export class Session {
  constructor(readonly client: EtcdClient, private readonly sim: Simulation) {}

  /** etcdctl put. */
  put(key: string, value: string, options: { lease?: number; prevKv?: boolean } = {}): PutResponse {
    return this.wait<PutResponse>((cb) => this.client.put({ key: utf8(key), value: utf8(value), lease: options.lease ?? 0, prev_kv: options.prevKv ?? false }, cb));
  }

  /** etcdctl get: one key, or every key under a prefix. */
  get(key: string, options: { prefix?: boolean; revision?: number; serializable?: boolean; limit?: number } = {}): RangeResponse {
    const req: RangeRequest = {
      key: utf8(key),
      range_end: options.prefix ? prefixEnd(utf8(key)) : "",
      revision: options.revision ?? 0,
      serializable: options.serializable ?? false,
      limit: options.limit ?? 0,
    } as RangeRequest;
    return this.wait<RangeResponse>((cb) => this.client.range(req, cb));
  }

  /** The value of one key as text, or undefined. */
  value(key: string, options: { revision?: number; serializable?: boolean } = {}): string | undefined {
    const kv = this.get(key, options).kvs[0];
    return kv ? text(kv.value) : undefined;
  }

  /** etcdctl del. */
  del(key: string, options: { prefix?: boolean; prevKv?: boolean } = {}): DeleteRangeResponse {
    return this.wait<DeleteRangeResponse>((cb) =>
      this.client.deleteRange({ key: utf8(key), range_end: options.prefix ? prefixEnd(utf8(key)) : "", prev_kv: options.prevKv ?? false }, cb),
    );
  }

  /** etcdctl txn, with compares and operations written with the helpers below. */
  txn(compare: Compare[], success: RequestOp[], failure: RequestOp[] = []): TxnResponse {
    return this.wait<TxnResponse>((cb) => this.client.txn({ compare, success, failure }, cb));
  }

  compact(revision: number): void {
    this.wait((cb) => this.client.compact({ revision, physical: false }, cb));
  }

  leaseGrant(ttlSeconds: number, id = 0): LeaseGrantResponse {
    return this.wait<LeaseGrantResponse>((cb) => this.client.leaseGrant({ TTL: ttlSeconds, ID: id }, cb));
  }

  leaseKeepAlive(id: number): number {
    return this.wait<{ TTL: number }>((cb) => this.client.leaseKeepAlive({ ID: id }, cb)).TTL;
  }

  leaseTimeToLive(id: number, keys = false): LeaseTimeToLiveResponse {
    return this.wait<LeaseTimeToLiveResponse>((cb) => this.client.leaseTimeToLive({ ID: id, keys }, cb));
  }

  leaseRevoke(id: number): void {
    this.wait((cb) => this.client.leaseRevoke({ ID: id }, cb));
  }

  /** Runs the simulation until the call answers (at most 60 virtual seconds). */
  wait<T>(start: (cb: Callback<T>) => void): T {
    let done = false;
    let error: RpcError | undefined;
    let result: T | undefined;
    start((err, resp) => {
      done = true;
      error = err;
      result = resp;
    });
    if (!this.sim.runUntil(() => done, "60s")) throw new Error("etcd call did not answer within 60 virtual seconds");
    if (error) throw new EtcdCallError(error.code, error.message);
    return result as T;
  }
}

// Building blocks for txn, as etcdctl writes them: compare(key, "mod", "=", 5), put("k", "v").
const TARGETS = { value: "VALUE", version: "VERSION", create: "CREATE", mod: "MOD", lease: "LEASE" } as const;
const RESULTS = { "=": "EQUAL", "!=": "NOT_EQUAL", ">": "GREATER", "<": "LESS" } as const;
const FIELD = { VALUE: "value", VERSION: "version", CREATE: "create_revision", MOD: "mod_revision", LEASE: "lease" } as const;

export function compare(key: string, target: keyof typeof TARGETS, result: keyof typeof RESULTS, value: string | number): Compare {
  const t = TARGETS[target];
  return { key: utf8(key), target: t, result: RESULTS[result], [FIELD[t]]: t === "VALUE" ? utf8(String(value)) : Number(value) } as unknown as Compare;
}

export function opPut(key: string, value: string): RequestOp {
  return { request_put: { key: utf8(key), value: utf8(value) } } as RequestOp;
}

export function opGet(key: string): RequestOp {
  return { request_range: { key: utf8(key) } } as RequestOp;
}

export function opDelete(key: string): RequestOp {
  return { request_delete_range: { key: utf8(key) } } as RequestOp;
}

/** A KeyValue as a table row, with text key and value. */
export function kvRow(kv: KeyValue): Record<string, unknown> {
  return { key: text(kv.key), value: text(kv.value), create_revision: kv.create_revision, mod_revision: kv.mod_revision, version: kv.version, lease: kv.lease };
}
