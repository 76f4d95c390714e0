// The in-memory index from key to its KeyIndex (mvcc/index.go). etcd keeps a B-tree ordered by
// key bytes; a sorted array with binary search gives the same ordered range scans, and byte
// strings compare in byte order with `<`. Deleted keys stay in the index (their history is still
// readable at older revisions) until compaction removes them.

import type { Bytes } from "./bytes";
import { KeyIndex } from "./key-index";
import type { Revision } from "./revision";

/**
 * How etcd reads a range end (mkGteRange + the index's rules): "" means the single key, "\0"
 * means no upper bound, anything else is the exclusive end of [key, end).
 */
export type RangeEnd = Bytes;

export class TreeIndex {
  private keys: Bytes[] = [];
  private byKey = new Map<Bytes, KeyIndex>();

  get size(): number {
    return this.keys.length;
  }

  private lowerBound(key: Bytes): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  keyIndex(key: Bytes): KeyIndex | undefined {
    return this.byKey.get(key);
  }

  private getOrCreate(key: Bytes): KeyIndex {
    let ki = this.byKey.get(key);
    if (!ki) {
      ki = new KeyIndex(key);
      this.byKey.set(key, ki);
      this.keys.splice(this.lowerBound(key), 0, key);
    }
    return ki;
  }

  put(key: Bytes, r: Revision): void {
    this.getOrCreate(key).put(r);
  }

  restore(key: Bytes, created: Revision, modified: Revision, ver: number): void {
    const ki = this.byKey.get(key);
    if (!ki) this.getOrCreate(key).restore(created, modified, ver);
    else ki.put(modified);
  }

  tombstone(key: Bytes, r: Revision): boolean {
    const ki = this.byKey.get(key);
    return ki ? ki.tombstone(r) : false;
  }

  /** Takes back the latest revision of a key (an aborted write txn). */
  undo(key: Bytes, r: Revision): void {
    const ki = this.byKey.get(key);
    if (!ki) throw new Error(`mvcc: undo of unknown key ${key}`);
    if (ki.undo(r)) {
      this.byKey.delete(key);
      this.keys.splice(this.lowerBound(key), 1);
    }
  }

  get(key: Bytes, atRev: number): { modified: Revision; created: Revision; ver: number } | undefined {
    return this.byKey.get(key)?.get(atRev);
  }

  /** Visits the KeyIndex of every key in [key, end) in key order; stops when visit returns false. */
  visit(key: Bytes, end: RangeEnd, visit: (ki: KeyIndex) => boolean): void {
    if (end === "") {
      const ki = this.byKey.get(key);
      if (ki) visit(ki);
      return;
    }
    const unbounded = end === "\0";
    for (let i = this.lowerBound(key); i < this.keys.length; i++) {
      const k = this.keys[i];
      if (!unbounded && k >= end) break;
      if (!visit(this.byKey.get(k)!)) break;
    }
  }

  /** Keys alive at atRev in [key, end), in key order, with the revision visible at atRev. */
  revisions(key: Bytes, end: RangeEnd, atRev: number): { key: Bytes; rev: Revision }[] {
    const out: { key: Bytes; rev: Revision }[] = [];
    this.visit(key, end, (ki) => {
      const g = ki.get(atRev);
      if (g) out.push({ key: ki.key, rev: g.modified });
      return true;
    });
    return out;
  }

  /** Compacts every key at atRev; returns the backend revisions that must be kept. */
  compact(atRev: number): Set<string> {
    const available = new Set<string>();
    const kept: Bytes[] = [];
    for (const k of this.keys) {
      const ki = this.byKey.get(k)!;
      ki.compact(atRev, available);
      if (ki.isEmpty()) this.byKey.delete(k);
      else kept.push(k);
    }
    this.keys = kept;
    return available;
  }
}
