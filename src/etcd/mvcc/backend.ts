// What etcd keeps in bbolt's "key" bucket: every change, keyed by its revision (main, sub), the
// value being the full KeyValue; a delete is stored as a tombstone (only the key) marked in the
// revision key. Reads at any revision go index -> revision -> here; watch replay scans here in
// revision order; compaction deletes what the index no longer points to.

import type { KeyValue } from "./types";
import { Revision, revisionKey } from "./revision";

export interface StoredChange {
  kv: KeyValue;
  tombstone: boolean;
}

export class Backend {
  /** main revision -> its changes by sub (holes where compaction removed one). */
  private byMain = new Map<number, (StoredChange | undefined)[]>();
  /** Main revisions present, ascending (writes append in order). */
  private mains: number[] = [];

  get(r: Revision): StoredChange | undefined {
    return this.byMain.get(r.main)?.[r.sub];
  }

  /** Index of the first main revision >= rev. */
  private lowerBound(rev: number): number {
    let lo = 0;
    let hi = this.mains.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.mains[mid] < rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Changes with main revision in [from, to], in revision order. */
  scan(from: number, to: number, visit: (main: number, sub: number, change: StoredChange) => void): void {
    for (let i = this.lowerBound(from); i < this.mains.length && this.mains[i] <= to; i++) {
      const main = this.mains[i];
      const changes = this.byMain.get(main)!;
      for (let sub = 0; sub < changes.length; sub++) {
        const c = changes[sub];
        if (c) visit(main, sub, c);
      }
    }
  }

  /** Deletes every change at or before atRev that is not in `keep` (revision keys). */
  compact(atRev: number, keep: Set<string>): void {
    const mains: number[] = [];
    for (const main of this.mains) {
      if (main > atRev) {
        mains.push(main);
        continue;
      }
      const changes = this.byMain.get(main)!;
      let any = false;
      for (let sub = 0; sub < changes.length; sub++) {
        if (changes[sub] && !keep.has(revisionKey({ main, sub }))) changes[sub] = undefined;
        if (changes[sub]) any = true;
      }
      if (any) mains.push(main);
      else this.byMain.delete(main);
    }
    this.mains = mains;
  }

  /** Removes every change at main revision `main`, the newest one (an aborted write txn). */
  drop(main: number): void {
    if (!this.byMain.delete(main)) return;
    if (this.mains[this.mains.length - 1] !== main) throw new Error(`mvcc: dropping revision ${main}, which is not the newest`);
    this.mains.pop();
  }

  /** Every surviving change in revision order (snapshots). */
  all(): { main: number; sub: number; change: StoredChange }[] {
    const out: { main: number; sub: number; change: StoredChange }[] = [];
    this.scan(-Infinity, Infinity, (main, sub, change) => out.push({ main, sub, change }));
    return out;
  }

  /** Stores one change; changes arrive in revision order (a write txn, a snapshot restore). */
  put(main: number, sub: number, change: StoredChange): void {
    let changes = this.byMain.get(main);
    if (!changes) {
      changes = [];
      this.byMain.set(main, changes);
      this.mains.push(main);
    }
    changes[sub] = change;
  }
}
