// A key-value model for the checker: independent registers, one per key (so the history
// partitions by key), with get, put, compare-and-swap and delete as a client of etcd uses them
// (Maelstrom's lin-kv, Knossos' cas-register; reference §5.1–5.3).
//
// Revision-aware, as etcd's own robustness model is: when answers carry revisions, they are
// checked too. A key's state is its value and its mod revision. A put (or a successful cas or
// delete) that reports revision r needs r above the key's current mod revision and makes r the
// new one; a get that reports a mod revision must see exactly the current one. So a read that
// returns the right bytes from an older write (an ABA) is caught, not only a wrong value.
// An operation with an unknown answer still has its effect when placed (a put whose revision was
// never seen leaves only a lower bound for the key's revision).
//
// checkRevisionOrder() adds the global part of §5.4 that partitions cannot see: across keys,
// header revisions never go backwards in real time and writes strictly increase them.

import type { Operation } from "./history";
import type { Model } from "./model";

export type KvInput =
  | { op: "get"; key: string }
  | { op: "put"; key: string; value: string }
  /** Compare-and-swap: set to `to` if the current value is `from` (null: the key is absent). */
  | { op: "cas"; key: string; from: string | null; to: string }
  | { op: "delete"; key: string };

export interface KvOutput {
  /** get: the value read, null if absent. */
  value?: string | null;
  /** get: the key's mod_revision as read (absent keys have none). */
  modRevision?: number;
  /** cas: whether it swapped. */
  ok?: boolean;
  /** delete: whether a key was deleted (etcd's deleted > 0). */
  deleted?: boolean;
  /** put / successful cas / delete of a key: the revision of the write (response header). */
  revision?: number;
  /** Any op: the response header's revision (used by checkRevisionOrder only). */
  header?: number;
}

export interface KvState {
  value: string | null;
  /** The key's mod revision, or a lower bound of it if `exact` is false; 0 = never written. */
  rev: number;
  exact: boolean;
}

export interface KvModelOptions {
  /** The value every key starts with (null: absent). */
  initialValue?: string | null;
}

export function kvModel(options: KvModelOptions = {}): Model<KvState, KvInput, KvOutput> {
  const initial = options.initialValue ?? null;
  return {
    init: () => ({ value: initial, rev: 0, exact: true }),
    partition: (input) => input.key,
    key: (s) => `${s.value === null ? "\u0000" : JSON.stringify(s.value)}@${s.exact ? "" : ">="}${s.rev}`,
    describe,
    step(s, input, out) {
      // A write's revision: it must come after the key's current one.
      const written = (value: string | null): KvState | undefined => {
        if (out?.revision === undefined) return { value, rev: s.rev + 1, exact: false };
        if (!(out.revision > s.rev)) return undefined;
        return { value, rev: out.revision, exact: true };
      };
      switch (input.op) {
        case "get": {
          if (!out) return s;
          if ((out.value ?? null) !== s.value) return undefined;
          if (out.modRevision === undefined || s.value === null) return s;
          if (s.exact ? out.modRevision !== s.rev : out.modRevision < s.rev) return undefined;
          return { value: s.value, rev: out.modRevision, exact: true };
        }
        case "put":
          return written(input.value);
        case "cas": {
          const swaps = s.value === input.from;
          if (!out) return swaps ? written(input.to) : s;
          if (out.ok !== swaps) return undefined;
          return swaps ? written(input.to) : s;
        }
        case "delete": {
          const exists = s.value !== null;
          if (!out) return exists ? written(null) : s;
          if (out.deleted !== undefined && out.deleted !== exists) return undefined;
          return exists ? written(null) : s;
        }
      }
    },
  };
}

function describe(input: KvInput, out: KvOutput | undefined): string {
  const rev = (r?: number) => (r === undefined ? "" : `@${r}`);
  const v = (x: string | null | undefined) => (x === null || x === undefined ? "∅" : JSON.stringify(x));
  switch (input.op) {
    case "get":
      return `get(${input.key}) → ${out ? v(out.value) + rev(out.modRevision) : "?"}`;
    case "put":
      return `put(${input.key}, ${v(input.value)})${out ? rev(out.revision) : " → ?"}`;
    case "cas":
      return `cas(${input.key}, ${v(input.from)} → ${v(input.to)}) → ${out ? (out.ok ? "ok" : "failed") + rev(out.revision) : "?"}`;
    case "delete":
      return `delete(${input.key}) → ${out ? (out.deleted === undefined ? "" : out.deleted ? "deleted" : "nothing") + rev(out.revision) : "?"}`;
  }
}

export interface RevisionViolation {
  /** History indices: `first` returned before `second` was called. */
  first: number;
  second: number;
  reason: string;
}

/**
 * The cross-key revision rules (reference §5.4): if A returned before B was called, B's header
 * revision is not below A's, and if both wrote something, B's is above A's. Uses `header`, or
 * `revision` for writes. O(n log n).
 */
export function checkRevisionOrder(history: readonly Operation<KvInput, KvOutput>[]): RevisionViolation[] {
  const isWrite = (op: Operation<KvInput, KvOutput>) =>
    op.input.op === "put" || (op.input.op === "cas" && op.output?.ok === true) || (op.input.op === "delete" && op.output?.deleted === true);
  const revOf = (op: Operation<KvInput, KvOutput>) => op.output?.header ?? (isWrite(op) ? op.output?.revision : undefined);
  const done = history
    .map((op, i) => ({ op, i, rev: revOf(op) }))
    .filter((x) => x.rev !== undefined && x.op.return !== undefined && Number.isFinite(x.op.return) && (x.op.outcome ?? "ok") === "ok");
  const byReturn = [...done].sort((a, b) => a.op.return! - b.op.return!);
  const byCall = [...done].sort((a, b) => a.op.call - b.op.call);
  const out: RevisionViolation[] = [];
  let j = 0;
  let maxAny: { i: number; rev: number } | undefined;
  let maxWrite: { i: number; rev: number } | undefined;
  for (const b of byCall) {
    while (j < byReturn.length && byReturn[j].op.return! < b.op.call) {
      const a = byReturn[j++];
      if (!maxAny || a.rev! > maxAny.rev) maxAny = { i: a.i, rev: a.rev! };
      if (isWrite(a.op) && (!maxWrite || a.rev! > maxWrite.rev)) maxWrite = { i: a.i, rev: a.rev! };
    }
    if (maxAny && b.rev! < maxAny.rev) out.push({ first: maxAny.i, second: b.i, reason: `revision ${b.rev} after ${maxAny.rev} was already seen` });
    else if (maxWrite && isWrite(b.op) && b.rev! <= maxWrite.rev) out.push({ first: maxWrite.i, second: b.i, reason: `write at revision ${b.rev} after a write at ${maxWrite.rev}` });
  }
  return out;
}
