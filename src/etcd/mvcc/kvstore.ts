// The multi-version store (mvcc/kvstore.go, kvstore_txn.go): one global revision, an index from
// key to its revisions, and every change kept by revision until compaction.
//
// All access goes through transactions, as in etcd. A read txn sees the store as of its start. A
// write txn makes all its changes at one new revision (main = current + 1, sub = 0, 1, ... in op
// order) and bumps the store revision at end() only if it changed something: a txn of reads or
// a delete that matched nothing leaves the revision alone (kvstore_txn.go End; reference §2.1).

import type { Bytes } from "./bytes";
import { Backend, StoredChange } from "./backend";
import { Errors } from "./errors";
import { TreeIndex, RangeEnd } from "./tree-index";
import type { KeyValue } from "./types";
import { rev } from "./revision";

/** What the store needs from the lessor: which lease a key is attached to, and (de)attaching. */
export interface LeaseAttacher {
  getLease(key: Bytes): number;
  attach(id: number, key: Bytes): void;
  detach(id: number, key: Bytes): void;
}

export interface RangeOptions {
  /** 0: no limit. */
  limit?: number;
  /** <= 0: the txn's revision. */
  rev?: number;
  /** Count only, no KVs. */
  count?: boolean;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** Keys in range at that revision, ignoring limit. */
  count: number;
  /** The revision the txn reads at (the current one), not the requested one. */
  rev: number;
}

/** Listener for committed write txns (the watchable store): the new revision and its changes. */
export type CommitListener = (rev: number, changes: StoredChange[]) => void;

export class KVStore {
  /** The revision of the last committed write txn; a fresh store is at 1 (reference §2.1). */
  currentRev = 1;
  /** The last compaction point; -1 before any (so compacting at 0 is allowed once, as in etcd). */
  compactMainRev = -1;
  readonly index = new TreeIndex();
  readonly backend = new Backend();
  readonly lessor: LeaseAttacher;
  private listeners: CommitListener[] = [];

  constructor(lessor: LeaseAttacher) {
    this.lessor = lessor;
  }

  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  read(): TxnRead {
    return new TxnRead(this, this.currentRev);
  }

  write(): TxnWrite {
    return new TxnWrite(this);
  }

  /**
   * Compacts history at `atRev` (kvstore.go Compact/updateCompactRev). Errors: at or before the
   * current compaction point, ErrCompacted; after the current revision, ErrFutureRev.
   */
  compact(atRev: number): void {
    if (atRev <= this.compactMainRev) throw Errors.Compacted();
    if (atRev > this.currentRev) throw Errors.FutureRev();
    this.compactMainRev = atRev;
    const keep = this.index.compact(atRev);
    this.backend.compact(atRev, keep);
  }

  /** Ranges at `atRev` for a txn whose own revision is curRev (rangeKeys in kvstore_txn.go). */
  rangeKeys(key: Bytes, end: RangeEnd, curRev: number, ro: RangeOptions): RangeResult {
    let atRev = ro.rev ?? 0;
    if (atRev > curRev) throw Errors.FutureRev();
    if (atRev <= 0) atRev = curRev;
    if (atRev < this.compactMainRev) throw Errors.Compacted();
    const revpairs = this.index.revisions(key, end, atRev);
    if (revpairs.length === 0 || ro.count) return { kvs: [], count: revpairs.length, rev: curRev };
    const limit = !ro.limit || ro.limit <= 0 || ro.limit > revpairs.length ? revpairs.length : ro.limit;
    const kvs: KeyValue[] = [];
    for (let i = 0; i < limit; i++) {
      const c = this.backend.get(revpairs[i].rev);
      if (!c) throw new Error(`mvcc: revision ${revpairs[i].rev.main}.${revpairs[i].rev.sub} of an indexed key is missing`);
      kvs.push({ ...c.kv });
    }
    return { kvs, count: revpairs.length, rev: curRev };
  }

  notifyCommit(rev: number, changes: StoredChange[]): void {
    for (const l of this.listeners) l(rev, changes);
  }
}

export class TxnRead {
  protected readonly s: KVStore;
  /** The store revision this txn reads at. */
  readonly beginRev: number;
  /** The compaction point when the txn began (FirstRev in etcd's ReadView). */
  readonly firstRev: number;

  constructor(s: KVStore, beginRev: number) {
    this.s = s;
    this.beginRev = beginRev;
    this.firstRev = s.compactMainRev;
  }

  rev(): number {
    return this.beginRev;
  }

  range(key: Bytes, end: RangeEnd, ro: RangeOptions = {}): RangeResult {
    return this.s.rangeKeys(key, end, this.rev(), ro);
  }
}

export class TxnWrite extends TxnRead {
  readonly changes: StoredChange[] = [];
  /** How to take back the lease (de)attachments made so far, newest last. */
  private leaseUndo: (() => void)[] = [];
  private done = false;

  constructor(s: KVStore) {
    super(s, s.currentRev);
  }

  /** Reads see this txn's own writes: after the first change, at the txn's new revision. */
  override rev(): number {
    return this.changes.length > 0 ? this.beginRev + 1 : this.beginRev;
  }

  /** Puts key=value with lease; returns the txn's revision (storeTxnWrite.put). */
  put(key: Bytes, value: Bytes, lease: number): number {
    const main = this.beginRev + 1;
    const idxRev = rev(main, this.changes.length);
    let created = main;
    let oldLease = 0;
    const prev = this.s.index.get(key, main);
    let ver = 0;
    if (prev) {
      created = prev.created.main;
      ver = prev.ver;
      oldLease = this.s.lessor.getLease(key);
    }
    const kv: KeyValue = { key, create_revision: created, mod_revision: main, version: ver + 1, value, lease };
    const change: StoredChange = { kv, tombstone: false };
    this.s.backend.put(main, idxRev.sub, change);
    this.s.index.put(key, idxRev);
    this.changes.push(change);
    // A put replaces the key's lease: detach from the old one, attach to the new one.
    if (oldLease !== 0) {
      this.s.lessor.detach(oldLease, key);
      this.leaseUndo.push(() => this.s.lessor.attach(oldLease, key));
    }
    if (lease !== 0) {
      this.s.lessor.attach(lease, key);
      this.leaseUndo.push(() => this.s.lessor.detach(lease, key));
    }
    return main;
  }

  /**
   * Deletes the live keys of [key, end) at this txn's revision. Returns how many and the revision
   * to report: the txn's new revision if anything changed in the txn so far, else the old one.
   */
  deleteRange(key: Bytes, end: RangeEnd): { deleted: number; rev: number } {
    const keys = this.s.index.revisions(key, end, this.rev());
    for (const k of keys) this.delete(k.key);
    if (keys.length !== 0 || this.changes.length > 0) return { deleted: keys.length, rev: this.beginRev + 1 };
    return { deleted: 0, rev: this.beginRev };
  }

  private delete(key: Bytes): void {
    const main = this.beginRev + 1;
    const idxRev = rev(main, this.changes.length);
    // The tombstone holds only the key; watchers see mod_revision patched in (reference §2.8).
    const kv: KeyValue = { key, create_revision: 0, mod_revision: 0, version: 0, value: "", lease: 0 };
    const change: StoredChange = { kv, tombstone: true };
    this.s.backend.put(main, idxRev.sub, change);
    this.s.index.tombstone(key, idxRev);
    this.changes.push(change);
    const lease = this.s.lessor.getLease(key);
    if (lease !== 0) {
      this.s.lessor.detach(lease, key);
      this.leaseUndo.push(() => this.s.lessor.attach(lease, key));
    }
  }

  /**
   * Takes back every change of this txn: the index, the stored revisions, the lease attachments.
   * etcd never needs this (its checks before a txn make every op succeed, or its apply loop
   * panics); we use it so a txn that fails half-way leaves the store exactly as it was.
   */
  abort(): void {
    if (this.done) return;
    this.done = true;
    const main = this.beginRev + 1;
    for (let sub = this.changes.length - 1; sub >= 0; sub--) this.s.index.undo(this.changes[sub].kv.key, rev(main, sub));
    this.s.backend.drop(main);
    for (let i = this.leaseUndo.length - 1; i >= 0; i--) this.leaseUndo[i]();
    this.changes.length = 0;
  }

  /** Commits: the store moves to the txn's revision only if something changed. */
  end(): number {
    if (this.done) throw new Error("mvcc: write txn already ended");
    this.done = true;
    if (this.changes.length === 0) return this.beginRev;
    const newRev = this.beginRev + 1;
    this.s.currentRev = newRev;
    this.s.notifyCommit(newRev, this.changes);
    return newRev;
  }
}
