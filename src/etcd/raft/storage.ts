// Stable storage: what a member keeps across a crash.
//
// Figure 2 lists the persistent state of a server: currentTerm, votedFor and log[]. With log
// compaction (§7) a snapshot replaces a prefix of the log. MemoryStorage holds exactly that: the
// hard state (term, vote, commit), the latest snapshot, and the entries after it. In the
// simulation a member's MemoryStorage object outlives the member: crash() throws the Raft object
// (all volatile state) away, restart() builds a new one from the same storage.
//
// As in etcd, entry 0 of `ents` is a dummy that records the index and term of the last entry
// folded into the snapshot, so the term of the entry just before the first one is always known
// (the AppendEntries consistency check needs it, §5.3).

import {
  ConfState,
  EMPTY_HARD_STATE,
  Entry,
  HardState,
  NodeId,
  RaftError,
  Snapshot,
} from "./messages";

/** Read side of storage, what the state machine needs (etcd's raft.Storage interface). */
export interface Storage {
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi). Throws ErrCompacted if lo is at or before the snapshot. */
  entries(lo: number, hi: number): Entry[];
  /** Term of entry i; i may be the snapshot's index. Throws ErrCompacted / ErrUnavailable. */
  term(i: number): number;
  lastIndex(): number;
  firstIndex(): number;
  snapshot(): Snapshot;
}

export class MemoryStorage implements Storage {
  private hard: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot;
  /** ents[0] is the dummy entry at the snapshot's index and term. */
  private ents: Entry[];

  /**
   * Storage of a member that starts a new cluster whose initial members are `voters` (etcd's
   * `--initial-cluster`): an empty log and a snapshot at index 0 that only records the
   * configuration. The first leader's empty entry is then index 1.
   */
  static bootstrap(voters: readonly NodeId[]): MemoryStorage {
    const s = new MemoryStorage();
    s.snap = { metadata: { index: 0, term: 0, confState: { voters: [...voters].sort((a, b) => a - b) } } };
    return s;
  }

  constructor() {
    this.snap = { metadata: { index: 0, term: 0, confState: { voters: [] } } };
    this.ents = [{ index: 0, term: 0, type: "normal" }];
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hard, confState: this.snap.metadata.confState };
  }

  hardState(): HardState {
    return this.hard;
  }

  setHardState(hs: HardState): void {
    this.hard = hs;
  }

  entries(lo: number, hi: number): Entry[] {
    const offset = this.ents[0].index;
    if (lo <= offset) throw new RaftError("ErrCompacted", `entries from ${lo}, first is ${offset + 1}`);
    if (hi > this.lastIndex() + 1) throw new Error(`entries(${lo}, ${hi}) out of bound, last index ${this.lastIndex()}`);
    return this.ents.slice(lo - offset, hi - offset);
  }

  term(i: number): number {
    const offset = this.ents[0].index;
    if (i < offset) throw new RaftError("ErrCompacted", `term of ${i}`);
    if (i - offset >= this.ents.length) throw new RaftError("ErrUnavailable", `term of ${i}`);
    return this.ents[i - offset].term;
  }

  lastIndex(): number {
    return this.ents[0].index + this.ents.length - 1;
  }

  firstIndex(): number {
    return this.ents[0].index + 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Every entry still held (after the snapshot), for inspection. */
  allEntries(): Entry[] {
    return this.ents.slice(1);
  }

  /** Replace everything with a snapshot received from the leader (InstallSnapshot, §7). */
  applySnapshot(s: Snapshot): void {
    if (s.metadata.index <= this.snap.metadata.index) throw new RaftError("ErrSnapOutOfDate");
    this.snap = s;
    this.ents = [{ index: s.metadata.index, term: s.metadata.term, type: "normal" }];
  }

  /**
   * Record a snapshot of the state machine taken at applied index i. The log is left alone;
   * call compact() to discard entries the snapshot covers.
   */
  createSnapshot(i: number, confState: ConfState, data: unknown): Snapshot {
    if (i <= this.snap.metadata.index) throw new RaftError("ErrSnapOutOfDate");
    if (i > this.lastIndex()) throw new Error(`snapshot ${i} is beyond last index ${this.lastIndex()}`);
    this.snap = { metadata: { index: i, term: this.term(i), confState }, data };
    return this.snap;
  }

  /** Discard entries up to and including compactIndex (they are in a snapshot). */
  compact(compactIndex: number): void {
    const offset = this.ents[0].index;
    if (compactIndex <= offset) throw new RaftError("ErrCompacted");
    if (compactIndex > this.lastIndex()) throw new Error(`compact ${compactIndex} is beyond last index ${this.lastIndex()}`);
    const i = compactIndex - offset;
    this.ents = [{ index: this.ents[i].index, term: this.ents[i].term, type: "normal" }, ...this.ents.slice(i + 1)];
  }

  /**
   * Append entries, truncating any existing suffix they conflict with. The caller guarantees
   * they are contiguous and start no later than lastIndex()+1.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0].index + entries.length - 1;
    if (last < first) return; // all of them are already in the snapshot
    let ents = entries;
    if (first > ents[0].index) ents = ents.slice(first - ents[0].index);
    const offset = ents[0].index - this.ents[0].index;
    if (offset > this.ents.length) {
      throw new Error(`missing log entry [last: ${this.lastIndex()}, append at: ${ents[0].index}]`);
    }
    // In place (every read hands out a copy): a conflicting suffix is cut, then the new entries
    // appended — copying the whole log at every append made long runs quadratic.
    if (offset < this.ents.length) this.ents.length = offset;
    for (const e of ents) this.ents.push(e);
  }
}
