// The Raft log as one member sees it: stable entries in Storage, followed by unstable ones that
// the caller has not yet persisted, plus the commit and apply cursors.
//
//   storage (persisted)          unstable (to be persisted by the caller)
//   [snapshot] 5 6 7 8           9 10 11
//                    ^applied  ^committed          ^lastIndex
//
// Invariants: applied <= committed <= lastIndex. Committed entries are never truncated (§5.4).

import { Entry, RaftError, Snapshot, entrySize } from "./messages";
import { Storage } from "./storage";

/** Entries and maybe a snapshot that were produced but not yet written to stable storage. */
export class Unstable {
  snapshot: Snapshot | undefined = undefined;
  entries: Entry[] = [];
  /** Index of entries[0]. */
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  maybeFirstIndex(): number | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index + 1;
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index;
  }

  maybeTerm(i: number): number | undefined {
    if (i < this.offset) {
      if (this.snapshot !== undefined && this.snapshot.metadata.index === i) return this.snapshot.metadata.term;
      return undefined;
    }
    const last = this.maybeLastIndex();
    if (last === undefined || i > last) return undefined;
    return this.entries[i - this.offset].term;
  }

  /** The caller persisted entries through (i, t): drop them from here. */
  stableTo(i: number, t: number): void {
    const gt = this.maybeTerm(i);
    if (gt === undefined) return;
    // Only if the entry is still the one persisted: it may have been replaced meanwhile.
    if (gt === t && i >= this.offset) {
      this.entries = this.entries.slice(i + 1 - this.offset);
      this.offset = i + 1;
    }
  }

  stableSnapTo(i: number): void {
    if (this.snapshot !== undefined && this.snapshot.metadata.index === i) this.snapshot = undefined;
  }

  restore(s: Snapshot): void {
    this.offset = s.metadata.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  truncateAndAppend(ents: readonly Entry[]): void {
    const after = ents[0].index;
    if (after === this.offset + this.entries.length) {
      this.entries = this.entries.concat(ents);
    } else if (after <= this.offset) {
      // Replace all unstable entries; the log will be truncated in storage when persisted.
      this.offset = after;
      this.entries = ents.slice();
    } else {
      this.entries = this.entries.slice(0, after - this.offset).concat(ents);
    }
  }

  slice(lo: number, hi: number): Entry[] {
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}

export class RaftLog {
  readonly storage: Storage;
  readonly unstable: Unstable;
  /** Highest index known to be committed (§5.3). */
  committed: number;
  /** Highest index the caller has applied to its state machine. */
  applied: number;

  constructor(storage: Storage) {
    this.storage = storage;
    const first = storage.firstIndex();
    this.unstable = new Unstable(storage.lastIndex() + 1);
    // Everything up to the snapshot is committed and applied by definition.
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    const i = this.unstable.maybeFirstIndex();
    return i !== undefined ? i : this.storage.firstIndex();
  }

  lastIndex(): number {
    const i = this.unstable.maybeLastIndex();
    return i !== undefined ? i : this.storage.lastIndex();
  }

  /** Term of entry i, or undefined if it was compacted away or does not exist yet. */
  term(i: number): number | undefined {
    const dummy = this.firstIndex() - 1;
    if (i < dummy || i > this.lastIndex()) return undefined;
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    try {
      return this.storage.term(i);
    } catch (e) {
      if (e instanceof RaftError) return undefined;
      throw e;
    }
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    if (t === undefined) throw new Error(`unexpected error getting the last term`);
    return t;
  }

  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t;
  }

  /**
   * §5.4.1: a candidate's log is at least as up-to-date as ours if its last term is higher, or
   * equal and its log is at least as long.
   */
  isUpToDate(lastIndex: number, term: number): boolean {
    const ourTerm = this.lastTerm();
    return term > ourTerm || (term === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Index of the first entry that is missing here or has a different term; 0 if none. */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * The last index <= `index` whose term is <= `term`, with that term. Used both by a follower
   * to build a rejection hint and by the leader to jump nextIndex back a whole term at a time
   * (the optimisation sketched at the end of §5.3).
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    if (index > this.lastIndex()) return { index, term: 0 };
    for (; index > 0; index--) {
      const t = this.term(index);
      if (t === undefined) return { index, term: 0 };
      if (t <= term) return { index, term: t };
    }
    return { index: 0, term: 0 };
  }

  /**
   * The AppendEntries receiver rules (Figure 2): if our entry at `index` has term `logTerm`,
   * delete any conflicting entries after it, append the new ones, and advance the commit index
   * to min(leaderCommit, index of last new entry). Returns the last new index, or undefined if
   * the consistency check failed.
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: readonly Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed) throw new Error(`entry ${ci} conflicts with committed entry [committed(${this.committed})]`);
      this.append(ents.slice(ci - (index + 1)));
    }
    // Entries already present are kept: a stale, shorter AppendEntries must not truncate.
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0].index - 1;
    if (after < this.committed) throw new Error(`after(${after}) is out of range [committed(${this.committed})]`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  commitTo(i: number): void {
    if (this.committed >= i) return; // never decrease commit
    if (this.lastIndex() < i) throw new Error(`tocommit(${i}) is out of range [lastIndex(${this.lastIndex()})]`);
    this.committed = i;
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    if (this.committed < i || i < this.applied) {
      throw new Error(`applied(${i}) is out of range [prevApplied(${this.applied}), committed(${this.committed})]`);
    }
    this.applied = i;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries.slice();
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  /** Committed entries not yet applied. None while a snapshot waits to be applied. */
  nextCommittedEntries(): Entry[] {
    if (this.hasPendingSnapshot()) return [];
    const off = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 > off) return this.slice(off, this.committed + 1, Infinity);
    return [];
  }

  hasNextCommittedEntries(): boolean {
    if (this.hasPendingSnapshot()) return false;
    return this.committed + 1 > Math.max(this.applied + 1, this.firstIndex());
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot !== undefined ? this.unstable.snapshot : this.storage.snapshot();
  }

  /** Commit up to maxIndex if that entry is from `term` (the leader's commit rule, §5.4.2). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.term(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /** Entries from i to the end, at most maxSize bytes (always at least one). */
  entries(i: number, maxSize: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxSize);
  }

  /** Every entry held, stable and unstable, after the snapshot. */
  allEntries(): Entry[] {
    return this.entries(this.firstIndex(), Infinity);
  }

  /** Entries [lo, hi), limited to maxSize bytes. Throws ErrCompacted if lo was compacted. */
  slice(lo: number, hi: number, maxSize: number): Entry[] {
    if (lo > hi) throw new Error(`invalid slice ${lo} > ${hi}`);
    const fi = this.firstIndex();
    if (lo < fi) throw new RaftError("ErrCompacted");
    if (hi > this.lastIndex() + 1) throw new Error(`slice[${lo},${hi}) out of bound [${fi},${this.lastIndex()}]`);
    if (lo === hi) return [];
    let ents: Entry[] = [];
    if (lo < this.unstable.offset) {
      ents = this.storage.entries(lo, Math.min(hi, this.unstable.offset));
    }
    if (hi > this.unstable.offset) {
      ents = ents.concat(this.unstable.slice(Math.max(lo, this.unstable.offset), hi));
    }
    return limitSize(ents, maxSize);
  }
}

/** Keep a prefix of ents no bigger than maxSize, but always at least one entry. */
export function limitSize(ents: Entry[], maxSize: number): Entry[] {
  if (ents.length === 0 || maxSize === Infinity) return ents;
  let size = entrySize(ents[0]);
  let n = 1;
  for (; n < ents.length; n++) {
    size += entrySize(ents[n]);
    if (size > maxSize) break;
  }
  return ents.slice(0, n);
}
