// The history of one key (mvcc/key_index.go): a list of generations. A generation is one life of
// the key, from the put that creates it to the delete (tombstone) that ends it; the last
// generation is the current one and is empty while the key does not exist. Example (etcd's doc
// comment): put@1.0, put@2.0, tombstone@3.0, put@4.0, tombstone@5.0 gives
//   generations: {empty}  {4.0, 5.0(t)}  {1.0, 2.0, 3.0(t)}   (newest first)
// The index answers "which revision of this key was visible at store revision R?", and
// compaction drops every revision that no read at or after the compaction point can need.

import { Revision, compareRevision, revisionKey } from "./revision";

export interface Generation {
  /** Puts in this generation so far (the version of its latest revision). */
  ver: number;
  /** The revision that created it (its first put). */
  created: Revision;
  /** Revisions in order; the last one is the tombstone if the generation has ended. */
  revs: Revision[];
}

function emptyGeneration(): Generation {
  return { ver: 0, created: { main: 0, sub: 0 }, revs: [] };
}

export class KeyIndex {
  readonly key: string;
  /** The latest revision of the key (put or tombstone). */
  modified: Revision = { main: 0, sub: 0 };
  generations: Generation[] = [];

  constructor(key: string) {
    this.key = key;
  }

  isEmpty(): boolean {
    return this.generations.length === 1 && this.generations[0].revs.length === 0;
  }

  /** Records a put at `r`; starts a generation if the key does not currently exist. */
  put(r: Revision): void {
    if (compareRevision(r, this.modified) <= 0) {
      throw new Error(`mvcc: put of ${this.key} at ${revisionKey(r)} is not after ${revisionKey(this.modified)}`);
    }
    if (this.generations.length === 0) this.generations.push(emptyGeneration());
    const g = this.generations[this.generations.length - 1];
    if (g.revs.length === 0) g.created = r;
    g.revs.push(r);
    g.ver++;
    this.modified = r;
  }

  /** Rebuilds the index entry of a key from its oldest surviving revision (store restore). */
  restore(created: Revision, modified: Revision, ver: number): void {
    this.modified = modified;
    this.generations = [{ ver, created, revs: [modified] }];
  }

  /** Ends the current generation with a tombstone at `r`. False if the key does not exist. */
  tombstone(r: Revision): boolean {
    if (this.generations.length === 0 || this.generations[this.generations.length - 1].revs.length === 0) return false;
    this.put(r);
    this.generations.push(emptyGeneration());
    return true;
  }

  /**
   * Takes back the latest revision `r` (a put or a tombstone of an aborted write txn). Returns
   * true if the key is left with no history at all (it was created by that txn).
   */
  undo(r: Revision): boolean {
    let last = this.generations[this.generations.length - 1];
    // A tombstone appended an empty generation after the one it ended.
    if (last.revs.length === 0 && this.generations.length > 1) {
      this.generations.pop();
      last = this.generations[this.generations.length - 1];
    }
    const top = last.revs[last.revs.length - 1];
    if (!top || compareRevision(top, r) !== 0) throw new Error(`mvcc: undo of ${this.key} at ${revisionKey(r)} is not its latest revision`);
    last.revs.pop();
    last.ver--;
    if (last.revs.length === 0) {
      last.ver = 0;
      last.created = { main: 0, sub: 0 };
    }
    this.modified = { main: 0, sub: 0 };
    for (let i = this.generations.length - 1; i >= 0; i--) {
      const revs = this.generations[i].revs;
      if (revs.length) {
        this.modified = revs[revs.length - 1];
        break;
      }
    }
    return this.isEmpty();
  }

  /**
   * The revision of the key visible at store revision `atRev` with its generation's created
   * revision and the version at that point; undefined if the key did not exist then.
   */
  get(atRev: number): { modified: Revision; created: Revision; ver: number } | undefined {
    const g = this.findGeneration(atRev);
    if (!g || g.revs.length === 0) return undefined;
    for (let i = g.revs.length - 1; i >= 0; i--) {
      if (g.revs[i].main <= atRev) return { modified: g.revs[i], created: g.created, ver: g.ver - (g.revs.length - 1 - i) };
    }
    return undefined;
  }

  /** The generation alive at `rev`, or undefined if the key was deleted (or not yet created). */
  private findGeneration(rev: number): Generation | undefined {
    const last = this.generations.length - 1;
    for (let cg = last; cg >= 0; cg--) {
      const g = this.generations[cg];
      if (g.revs.length === 0) continue;
      // An ended generation whose tombstone is at or before rev: the key was deleted at rev.
      if (cg !== last && g.revs[g.revs.length - 1].main <= rev) return undefined;
      if (g.revs[0].main <= rev) return g;
    }
    return undefined;
  }

  /**
   * Drops the revisions that compaction at `atRev` makes unreachable. For the key, the last
   * revision at or before atRev stays (reads at atRev need it) and is added to `available`, the
   * set of backend revisions to keep; a tombstone at or before atRev takes its whole generation
   * with it, so a key deleted before the compaction point vanishes from history.
   */
  compact(atRev: number, available: Set<string>): void {
    let genIdx = 0;
    // Skip the generations that ended at or before atRev (never the current one).
    while (genIdx < this.generations.length - 1) {
      const g = this.generations[genIdx];
      if (g.revs[g.revs.length - 1].main > atRev) break;
      genIdx++;
    }
    const g = this.generations[genIdx];
    let revIndex = -1;
    for (let i = g.revs.length - 1; i >= 0; i--) {
      if (g.revs[i].main <= atRev) {
        available.add(revisionKey(g.revs[i]));
        revIndex = i;
        break;
      }
    }
    if (g.revs.length !== 0) {
      if (revIndex !== -1) g.revs = g.revs.slice(revIndex);
      // Only a tombstone is left of an ended generation: drop it too.
      if (g.revs.length === 1 && genIdx !== this.generations.length - 1) {
        available.delete(revisionKey(g.revs[0]));
        genIdx++;
      }
    }
    this.generations = this.generations.slice(genIdx);
  }
}
