// A sequential specification (Porcupine's Model, reference §5.1): the state of the object, and
// whether an operation with a given answer could have happened in a given state.

export interface Model<S, I, O> {
  /** The state before any operation. */
  init(): S;
  /**
   * The state after `input` answered with `output`, or undefined if that answer is impossible in
   * `state`. `output` is undefined for an operation whose answer is unknown: the step must then
   * accept, applying the operation's effect as it would have happened in `state`. Must be pure.
   */
  step(state: S, input: I, output: O | undefined): S | undefined;
  /** A canonical string of a state: equal strings, equal states (the search memoizes on it). */
  key(state: S): string;
  /**
   * The partition an operation belongs to, for P-compositionality: the history must be
   * linearizable iff each partition is (true per key for a key-value store). Undefined: one
   * partition.
   */
  partition?(input: I): string;
  /** Human-readable operation, for reports. */
  describe?(input: I, output: O | undefined): string;
}
