// An exercise check's answer. A check never throws at the learner: it says what is right, or
// what is not yet, so that a fresh (unsolved) notebook still runs from top to bottom.

export interface Verdict {
  ok: boolean;
  message: string;
}

export function verdict(ok: boolean, good: string, notYet: string): Verdict {
  return { ok, message: ok ? `✔ ${good}` : `✘ not yet: ${notYet}` };
}

/** Prints the verdict in a cell and returns it (so a test can read it). */
export function report(v: Verdict): Verdict {
  console.log(v.message);
  return v;
}
