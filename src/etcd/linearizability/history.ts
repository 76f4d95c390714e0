// Histories: what clients saw. Each operation has the time the client called it and the time the
// answer came back, with the answer; the checker decides whether some order of the operations,
// one at a time, explains every answer while respecting real time (reference §5.1).
//
// Outcomes (Jepsen's :ok / :fail / :info):
// - ok: the answer is known; the operation took effect at one instant in [call, return].
// - fail: a definite failure; the operation did not happen and is left out of the check.
// - unknown: the client never learned (timeout, crash). It may have taken effect at any instant
//   after its call, or never: it gets a return time of +infinity and any answer is accepted.
// Intervals are closed: ops over [10, 20] and [20, 30] overlap.

export type Outcome = "ok" | "fail" | "unknown";

export interface Operation<I, O> {
  /** Who issued it (for display; the check does not need it). */
  client?: number | string;
  input: I;
  /** Virtual time of the call. */
  call: number;
  /** Virtual time of the return; absent or Infinity for an operation that never returned. */
  return?: number;
  /** The answer, if known. */
  output?: O;
  /** Default: "ok" if it returned, "unknown" if not. */
  outcome?: Outcome;
}

/** The outcome an operation is checked with. */
export function outcomeOf(op: Operation<unknown, unknown>): Outcome {
  if (op.outcome) return op.outcome;
  return op.return === undefined || op.return === Infinity ? "unknown" : "ok";
}

/** Operations ready for the search: failures dropped, unknowns returning at +infinity. */
export interface PreparedOp<I, O> {
  /** Index in the original history. */
  index: number;
  input: I;
  output: O | undefined;
  call: number;
  return: number;
  unknown: boolean;
}

export function prepare<I, O>(history: readonly Operation<I, O>[]): PreparedOp<I, O>[] {
  const out: PreparedOp<I, O>[] = [];
  history.forEach((op, index) => {
    const outcome = outcomeOf(op);
    if (outcome === "fail") return;
    if (!Number.isFinite(op.call)) throw new Error(`linearizability: operation ${index} has no call time`);
    const unknown = outcome === "unknown";
    const ret = unknown ? Infinity : (op.return as number);
    if (!unknown && !(ret >= op.call)) throw new Error(`linearizability: operation ${index} returns (${op.return}) before its call (${op.call})`);
    out.push({ index, input: op.input, output: unknown ? undefined : op.output, call: op.call, return: ret, unknown });
  });
  return out;
}
