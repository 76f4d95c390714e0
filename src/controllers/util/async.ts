// Sequencing callbacks on the virtual clock. Controllers in Go block on API calls; here every
// call answers later through a callback, so "do these one after another" and "do these
// together, then continue" are spelled out once, here.

export type Done = (err?: unknown) => void;

/**
 * Runs fn for each item, one after another; stops at the first error. Steps that answer at once
 * (most of them: claimObjects only calls the API server for an adoption or a release) loop
 * instead of nesting, so ten thousand pods in a namespace do not overflow the stack.
 */
export function series<T>(items: T[], fn: (item: T, done: Done) => void, done: Done): void {
  let i = 0;
  let inLoop = false;
  let answeredInLoop = false;
  let finished = false;
  const next = (err?: unknown): void => {
    if (finished) return;
    if (err !== undefined && err !== null) {
      finished = true;
      return done(err);
    }
    if (inLoop) {
      answeredInLoop = true; // the loop below takes the next item
      return;
    }
    inLoop = true;
    do {
      answeredInLoop = false;
      if (i >= items.length) {
        inLoop = false;
        finished = true;
        return done();
      }
      fn(items[i++], next);
    } while (answeredInLoop && !finished);
    inLoop = false; // the step answers later, and its next() resumes the loop
  };
  next();
}

/** Runs fn for every item at once; done once all answered, with the first error (if any). */
export function parallel<T>(items: T[], fn: (item: T, done: Done) => void, done: (errs: unknown[]) => void): void {
  let left = items.length;
  const errs: unknown[] = [];
  if (left === 0) return done(errs);
  for (const item of items) {
    let answered = false;
    fn(item, (err) => {
      if (answered) return;
      answered = true;
      if (err !== undefined && err !== null) errs.push(err);
      if (--left === 0) done(errs);
    });
  }
}

/** client-go's SlowStartInitialBatchSize. */
export const SlowStartInitialBatchSize = 1;

/**
 * slowStartBatch [k/k pkg/controller/replicaset/replica_set.go]: calls fn count times in batches
 * of 1, 2, 4, 8, ... (each batch all at once), stopping after the first batch with an error.
 * A quota or admission error then costs one failed request, not 500.
 * done(successes, firstError).
 */
export function slowStartBatch(count: number, initialBatchSize: number, fn: (done: Done) => void, done: (successes: number, err?: unknown) => void): void {
  let remaining = count;
  let successes = 0;
  let batchSize = Math.min(remaining, initialBatchSize);
  const runBatch = (): void => {
    if (batchSize <= 0) return done(successes);
    const n = batchSize;
    parallel(
      Array.from({ length: n }, (_, i) => i),
      (_i, d) => fn(d),
      (errs) => {
        successes += n - errs.length;
        if (errs.length > 0) return done(successes, errs[0]);
        remaining -= n;
        batchSize = Math.min(2 * n, remaining);
        runBatch();
      },
    );
  };
  runBatch();
}
