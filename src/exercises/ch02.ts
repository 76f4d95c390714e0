// Chapter 02's exercises: find when a key was deleted (revisions are the store's clock), and
// create a key only if it does not exist (the transaction behind every Kubernetes create).

import type { TxnResponse } from "../etcd/mvcc/types";
import type { Session } from "../etcd/client/session";
import { Verdict, verdict } from "./verdict";

/** The revision at which `key` was last deleted, found by the truth: a watch over all history. */
export function deletionRevision(history: { type: string; key: string; revision: number }[], key: string): number | undefined {
  const deletes = history.filter((e) => e.key === key && e.type === "DELETE");
  return deletes.length ? deletes[deletes.length - 1].revision : undefined;
}

export function checkDeletedAt(answer: number, truth: number | undefined, key: string): Verdict {
  if (truth === undefined) return verdict(false, "", `${key} was never deleted in this store; run the chapter's cells first`);
  if (typeof answer !== "number" || !Number.isInteger(answer) || answer <= 0) return verdict(false, "", "set deletedAt to a revision number (a positive integer)");
  if (answer === truth) return verdict(true, `${key} was deleted at revision ${truth}. Reading at revision ${truth - 1} still finds it; at ${truth}, it is gone.`, "");
  return verdict(false, "", answer < truth
    ? `at revision ${answer} the key still existed; look later`
    : `${key} was already gone before revision ${answer}; look earlier (hint: etcd.get(key, { revision: r }) reads the past)`);
}

/**
 * Checks a create-if-absent: both txn responses given, the first succeeded, the second did not,
 * and the key exists exactly once (version 1), as the API server's create does.
 */
export function checkCreateIfAbsent(etcd: Session, key: string, responses: (TxnResponse | undefined)[]): Verdict {
  if (!Array.isArray(responses) || responses.length !== 2 || responses.some((r) => !r || typeof r.succeeded !== "boolean")) {
    return verdict(false, "", "put the responses of your two etcd.txn(...) calls in `attempts`, e.g. const attempts = [first, second]");
  }
  const [first, second] = responses as TxnResponse[];
  const kv = etcd.get(key).kvs[0];
  if (!kv) return verdict(false, "", `${key} does not exist: your txn's success branch should put it`);
  if (!first.succeeded) return verdict(false, "", "the first txn did not succeed: did the key exist before? Use a fresh key, and compare create_revision with 0");
  if (second.succeeded) return verdict(false, "", "the second txn succeeded too: it overwrote the key. Compare the key's create revision with 0 (\"create\", \"=\", 0)");
  if (kv.version !== 1) return verdict(false, "", `${key} has version ${kv.version}: it was written more than once`);
  return verdict(true, `created once (create_revision ${kv.create_revision}, version 1); the second attempt failed its compare, just as a second kubectl create gets AlreadyExists.`, "");
}
