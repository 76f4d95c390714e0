// A revision names one change in the store (mvcc/revision.go). `main` is the store revision of
// the write transaction, the number clients see; `sub` numbers the changes inside that
// transaction (a txn that writes three keys makes main.0, main.1, main.2). The pair orders every
// change ever made, which is what history, watch replay and compaction walk.

export interface Revision {
  readonly main: number;
  readonly sub: number;
}

export function rev(main: number, sub = 0): Revision {
  return { main, sub };
}

export function compareRevision(a: Revision, b: Revision): number {
  return a.main !== b.main ? a.main - b.main : a.sub - b.sub;
}

/** a > b */
export function revGreater(a: Revision, b: Revision): boolean {
  return compareRevision(a, b) > 0;
}

export function revisionKey(r: Revision): string {
  return `${r.main}.${r.sub}`;
}
