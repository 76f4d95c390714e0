// The linearizability check of Wing & Gong as improved by Lowe and by Horn & Kroening's
// P-compositionality, in the form Porcupine uses (reference §5.1):
//
// 1. Partition the history (per key for a key-value store): it is linearizable iff every
//    partition is, and small partitions are exponentially cheaper to search.
// 2. Per partition, lay out the call and return events in time order (calls first on ties:
//    intervals are closed) as a doubly linked list.
// 3. Depth-first search for a linearization: walking the list, at a call try to linearize that
//    operation now (the model must accept its answer in the current state); if it is accepted,
//    lift its call and return out of the list and start again from the head. Reaching a return
//    whose call is still in the list means that operation should already have taken effect and
//    none of the choices made allow it: backtrack (undo the last linearized operation, try the
//    next candidate after it).
// 4. Memoize (set of linearized operations, model state): reaching the same pair again cannot
//    lead anywhere new. This is what makes the search practical.
//
// The search is bounded by a step budget, not a clock (the engine never reads time): a history
// too hard to decide within it is reported "unknown", which callers must not read as "ok".

import { Operation, PreparedOp, prepare } from "./history";
import type { Model } from "./model";

export type Verdict = "ok" | "illegal" | "unknown";

export interface PartitionResult {
  partition: string;
  result: Verdict;
  /** Operations checked (failures excluded). */
  operations: number;
  /** Search steps spent. */
  steps: number;
  /** For "illegal": the longest prefix of a linearization found (history indices, in order). */
  longest?: number[];
  /** For "illegal": history indices of the operations that could not be placed after `longest`. */
  stuck?: number[];
}

export interface CheckResult {
  result: Verdict;
  partitions: PartitionResult[];
  steps: number;
}

export interface CheckOptions {
  /** Search steps allowed per partition (default 5,000,000). */
  maxSteps?: number;
}

interface Entry {
  isCall: boolean;
  /** Operation number within the partition. */
  id: number;
  time: number;
  prev: Entry | null;
  next: Entry | null;
  /** A call's return entry. */
  match: Entry | null;
}

function buildList<I, O>(ops: PreparedOp<I, O>[]): Entry {
  const events: { time: number; isCall: boolean; id: number }[] = [];
  ops.forEach((op, id) => {
    events.push({ time: op.call, isCall: true, id });
    events.push({ time: op.return, isCall: false, id });
  });
  events.sort((a, b) => {
    if (a.time !== b.time) return a.time < b.time ? -1 : 1;
    if (a.isCall !== b.isCall) return a.isCall ? -1 : 1;
    return a.id - b.id;
  });
  const head: Entry = { isCall: false, id: -1, time: -Infinity, prev: null, next: null, match: null };
  const calls: Entry[] = [];
  let last = head;
  for (const ev of events) {
    const e: Entry = { isCall: ev.isCall, id: ev.id, time: ev.time, prev: last, next: null, match: null };
    last.next = e;
    last = e;
    if (ev.isCall) calls[ev.id] = e;
    else calls[ev.id].match = e;
  }
  return head;
}

function lift(call: Entry): void {
  call.prev!.next = call.next;
  call.next!.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

function unlift(call: Entry): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  call.next!.prev = call;
}

/** Checks one partition. */
export function checkPartition<S, I, O>(model: Model<S, I, O>, ops: PreparedOp<I, O>[], partition = "", options: CheckOptions = {}): PartitionResult {
  const maxSteps = options.maxSteps ?? 5_000_000;
  const head = buildList(ops);
  const bits = new Uint32Array(Math.ceil(ops.length / 32) || 1);
  const bitsKey = () => Array.prototype.join.call(bits, ",");
  const cache = new Set<string>();
  const stack: { entry: Entry; state: S }[] = [];
  let state = model.init();
  let entry = head.next;
  let steps = 0;
  let longest: number[] = [];
  let stuck: number[] = [];
  while (head.next !== null) {
    if (++steps > maxSteps) return { partition, result: "unknown", operations: ops.length, steps };
    if (entry!.isCall) {
      const op = ops[entry!.id];
      const next = model.step(state, op.input, op.output);
      if (next !== undefined) {
        bits[entry!.id >>> 5] |= 1 << (entry!.id & 31);
        const key = bitsKey() + "|" + model.key(next);
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ entry: entry!, state });
          state = next;
          lift(entry!);
          entry = head.next;
          continue;
        }
        bits[entry!.id >>> 5] &= ~(1 << (entry!.id & 31));
      }
      entry = entry!.next;
    } else {
      // A return whose call is not linearized: nothing tried from here works.
      if (stack.length >= longest.length) {
        if (stack.length > longest.length) stuck = [];
        longest = stack.map((s) => ops[s.entry.id].index);
        const pending = ops[entry!.id].index;
        if (!stuck.includes(pending)) stuck.push(pending);
      }
      const top = stack.pop();
      if (!top) return { partition, result: "illegal", operations: ops.length, steps, longest, stuck };
      state = top.state;
      bits[top.entry.id >>> 5] &= ~(1 << (top.entry.id & 31));
      unlift(top.entry);
      entry = top.entry.next;
    }
  }
  return { partition, result: "ok", operations: ops.length, steps };
}

/**
 * Checks a history against a model: "ok" (linearizable), "illegal" (not), or "unknown" (a
 * partition ran out of search steps). Partitions are checked in key order, all of them.
 */
export function checkOperations<S, I, O>(model: Model<S, I, O>, history: readonly Operation<I, O>[], options: CheckOptions = {}): CheckResult {
  const prepared = prepare(history);
  const parts = new Map<string, PreparedOp<I, O>[]>();
  for (const op of prepared) {
    const p = model.partition ? model.partition(op.input) : "";
    let list = parts.get(p);
    if (!list) parts.set(p, (list = []));
    list.push(op);
  }
  const partitions = [...parts.keys()].sort().map((p) => checkPartition(model, parts.get(p)!, p, options));
  const result: Verdict = partitions.some((p) => p.result === "illegal") ? "illegal" : partitions.some((p) => p.result === "unknown") ? "unknown" : "ok";
  return { result, partitions, steps: partitions.reduce((n, p) => n + p.steps, 0) };
}

/** A short account of a verdict, naming the operations that cannot be explained. */
export function explain<S, I, O>(model: Model<S, I, O>, history: readonly Operation<I, O>[], result: CheckResult): string {
  const show = (i: number) => {
    const op = history[i];
    const what = model.describe ? model.describe(op.input, op.output) : JSON.stringify({ input: op.input, output: op.output });
    const who = op.client === undefined ? "" : `client ${op.client} `;
    const ret = op.return === undefined || op.return === Infinity ? "?" : op.return;
    return `${who}${what} [${op.call}, ${ret}]`;
  };
  const lines: string[] = [`history of ${history.length} operations: ${result.result}`];
  for (const p of result.partitions) {
    if (p.result === "ok") continue;
    const name = p.partition === "" ? "" : ` ${JSON.stringify(p.partition)}`;
    if (p.result === "unknown") {
      lines.push(`partition${name}: undecided after ${p.steps} steps`);
      continue;
    }
    lines.push(`partition${name}: not linearizable`);
    lines.push(`  the longest explanation found (${p.longest!.length} operations):`);
    for (const i of p.longest!) lines.push(`    ${show(i)}`);
    lines.push("  after which none of these can take effect:");
    for (const i of p.stuck!) lines.push(`    ${show(i)}`);
  }
  return lines.join("\n");
}
