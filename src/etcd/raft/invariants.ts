// Raft's safety properties (Figure 3 of the paper) as checkers that watch a RaftCluster.
//
// They subscribe to the cluster's events and check incrementally, on every step:
//   Election Safety       at most one leader per term (§5.2)
//   Leader Append-Only    a leader never overwrites or deletes its entries (§5.3)
//   Log Matching          same index and term => same entry and same history (§5.3)
//   Leader Completeness   a new leader holds every committed entry (§5.4)
//   State Machine Safety  no two members apply different entries at one index (§5.4.3)
// plus what any implementation must also keep: applies in order without gaps, terms never go
// back, one vote per term (even across restarts), the commit index never goes back, and no
// committed entry is ever lost (finalCheck).
//
// Log Matching is checked through a registry of (index, term) -> (entry, term of the entry
// before it): if every copy of (index, term) agrees on both, then by induction two logs that
// share an (index, term) agree on everything before it — without comparing whole logs.

import { ClusterEvent, RaftCluster } from "./cluster";
import { Entry, NodeId, None, RaftError } from "./messages";

export interface Violation {
  /** Virtual time it was detected. */
  readonly t: number;
  readonly property: string;
  readonly detail: string;
}

export interface InvariantOptions {
  /** Throw at the first violation (stops the simulation there). Default false: record it. */
  throwOnViolation?: boolean;
}

interface CommittedEntry {
  readonly term: number;
  readonly key: string;
  readonly member: number;
}

export class RaftInvariants {
  readonly violations: Violation[] = [];
  /** Number of events checked. */
  events = 0;
  private readonly unsubscribe: () => void;
  private readonly leaders = new Map<number, number>(); // term -> member
  private readonly leading = new Map<number, number>(); // member -> term it currently leads
  private readonly leaderLast = new Map<number, number>(); // member -> last index while leading
  private readonly registry = new Map<string, { key: string; prevTerm: number; member: number }>();
  private readonly committed = new Map<number, CommittedEntry>(); // index -> entry applied by someone
  private readonly lastApplied = new Map<number, number>();
  private readonly hard = new Map<number, { term: number; vote: NodeId; commit: number }>();

  constructor(readonly cluster: RaftCluster, readonly options: InvariantOptions = {}) {
    this.unsubscribe = cluster.on((ev) => this.onEvent(ev));
  }

  /** Stop watching. */
  detach(): void {
    this.unsubscribe();
  }

  get ok(): boolean {
    return this.violations.length === 0;
  }

  private fail(property: string, detail: string): void {
    const v: Violation = { t: this.cluster.sim.now, property, detail };
    this.violations.push(v);
    this.cluster.sim.trace.record("raft", "violation", { property, detail });
    if (this.options.throwOnViolation) throw new Error(`${property} violated at ${v.t} ms: ${detail}`);
  }

  private name(id: number): string {
    return this.cluster.name(id);
  }

  private onEvent(ev: ClusterEvent): void {
    this.events++;
    switch (ev.type) {
      case "role":
        if (ev.role === "leader") this.onLeader(ev.member, ev.term);
        else this.leading.delete(ev.member);
        return;
      case "persist":
        this.onPersist(ev.member, ev.entries, ev.snapshot !== undefined, ev.term, ev.vote, ev.commit);
        return;
      case "apply":
        this.onApply(ev.member, ev.entry);
        return;
      case "restore": {
        const data = ev.snapshot.data;
        if (Array.isArray(data)) for (const e of data as Entry[]) this.checkCommitted(ev.member, e);
        this.lastApplied.set(ev.member, ev.snapshot.metadata.index);
        return;
      }
      case "crash":
      case "removed":
        this.leading.delete(ev.member);
        return;
      case "restart":
        this.lastApplied.set(ev.member, this.cluster.storage(ev.member).snapshot().metadata.index);
        return;
      case "panic":
        this.fail("No Panic", `${this.name(ev.member)} panicked: ${ev.error}`);
        return;
    }
  }

  /** Election Safety and Leader Completeness. */
  private onLeader(member: number, term: number): void {
    const other = this.leaders.get(term);
    if (other !== undefined && other !== member) {
      this.fail("Election Safety", `two leaders in term ${term}: ${this.name(other)} and ${this.name(member)}`);
    }
    this.leaders.set(term, member);
    this.leading.set(member, term);
    this.leaderLast.set(member, this.cluster.storage(member).lastIndex());

    const node = this.cluster.node(member);
    if (!node) return;
    const log = node.raft.raftLog;
    const snapIndex = log.firstIndex() - 1;
    for (const [index, c] of this.committed) {
      if (index <= snapIndex) continue; // inside its snapshot: checked when it was restored/applied
      const t = log.term(index);
      if (t !== c.term) {
        this.fail(
          "Leader Completeness",
          `${this.name(member)} became leader of term ${term} without committed entry ${index}@${c.term} (has ${t === undefined ? "nothing" : `term ${t}`} there)`,
        );
        return;
      }
    }
  }

  private onPersist(member: number, entries: readonly Entry[], snapshot: boolean, term: number, vote: NodeId, commit: number): void {
    // Terms never decrease; one vote per term; commit never decreases — across restarts too.
    const prev = this.hard.get(member);
    if (prev) {
      if (term < prev.term) this.fail("Term Monotonicity", `${this.name(member)} term went from ${prev.term} to ${term}`);
      if (term === prev.term && prev.vote !== None && vote !== prev.vote) {
        this.fail("One Vote Per Term", `${this.name(member)} voted for ${prev.vote} then ${vote} in term ${term}`);
      }
      if (commit < prev.commit) this.fail("Commit Monotonicity", `${this.name(member)} commit went from ${prev.commit} to ${commit}`);
    }
    this.hard.set(member, { term, vote, commit });

    // Leader Append-Only.
    const leadTerm = this.leading.get(member);
    if (leadTerm !== undefined) {
      const last = this.leaderLast.get(member) ?? 0;
      if (snapshot) this.fail("Leader Append-Only", `leader ${this.name(member)} replaced its log with a snapshot`);
      if (entries.length > 0 && entries[0].index <= last) {
        this.fail("Leader Append-Only", `leader ${this.name(member)} of term ${leadTerm} overwrote index ${entries[0].index} (its log ended at ${last})`);
      }
      this.leaderLast.set(member, this.cluster.storage(member).lastIndex());
    }

    // Log Matching.
    const storage = this.cluster.storage(member);
    for (const e of entries) {
      let prevTerm = -1; // unknown: compacted away
      try {
        prevTerm = storage.term(e.index - 1);
      } catch (err) {
        if (!(err instanceof RaftError)) throw err;
      }
      const k = `${e.index}:${e.term}`;
      const seen = this.registry.get(k);
      const key = entryKey(e);
      if (seen === undefined) {
        this.registry.set(k, { key, prevTerm, member });
        continue;
      }
      if (seen.key !== key) {
        this.fail("Log Matching", `entry ${k} differs: ${this.name(member)} has ${key}, ${this.name(seen.member)} had ${seen.key}`);
      } else if (prevTerm >= 0 && seen.prevTerm >= 0 && prevTerm !== seen.prevTerm) {
        this.fail(
          "Log Matching",
          `entry ${k} follows term ${prevTerm} on ${this.name(member)} but term ${seen.prevTerm} on ${this.name(seen.member)}`,
        );
      }
    }
  }

  private onApply(member: number, e: Entry): void {
    const last = this.lastApplied.get(member) ?? 0;
    if (e.index !== last + 1) this.fail("Apply Order", `${this.name(member)} applied ${e.index} after ${last}`);
    this.lastApplied.set(member, e.index);
    this.checkCommitted(member, e);
  }

  /** State Machine Safety: every application of index i is the same entry. */
  private checkCommitted(member: number, e: Entry): void {
    const key = entryKey(e);
    const c = this.committed.get(e.index);
    if (c === undefined) {
      this.committed.set(e.index, { term: e.term, key, member });
    } else if (c.term !== e.term || c.key !== key) {
      this.fail(
        "State Machine Safety",
        `index ${e.index}: ${this.name(member)} applied ${e.term}:${key}, ${this.name(c.member)} applied ${c.term}:${c.key}`,
      );
    }
  }

  /**
   * No committed entry lost: the current leader's log (or snapshot) still holds every entry
   * anyone ever applied, and every running member's state machine agrees with it.
   */
  finalCheck(): void {
    const lead = this.cluster.leader();
    if (lead !== undefined) {
      const raft = this.cluster.node(lead)?.raft;
      if (raft) {
        const snapIndex = raft.raftLog.firstIndex() - 1;
        for (const [index, c] of this.committed) {
          if (index <= snapIndex) continue;
          if (raft.raftLog.term(index) !== c.term) {
            this.fail("Committed Entry Lost", `leader ${lead} lacks committed entry ${index}@${c.term}`);
            break;
          }
        }
      }
    }
    for (const id of this.cluster.ids) {
      for (const e of this.cluster.applied(id)) {
        const c = this.committed.get(e.index);
        if (c && (c.term !== e.term || c.key !== entryKey(e))) {
          this.fail("State Machine Safety", `${this.name(id)} holds ${e.index}@${e.term} in its state machine, committed was ${e.index}@${c.term}`);
          break;
        }
      }
    }
  }

  /** Entries known committed (applied by someone), by index. */
  committedIndexes(): number[] {
    return [...this.committed.keys()].sort((a, b) => a - b);
  }
}

function entryKey(e: Entry): string {
  if (e.type === "confChange" && e.change) return `cc:${e.change.type}:${e.change.nodeId}`;
  return e.data === undefined ? "(empty)" : `d:${e.data}`;
}
