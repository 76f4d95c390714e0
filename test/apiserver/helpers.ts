// Shared setup for the API server tests: a seeded Cluster and a raw REST call that runs virtual
// time until the answer (or the first events of a watch).
import { Cluster } from "../../src/cluster/cluster";
import type { RestRequest } from "../../src/apiserver/rest";

export interface Answer {
  status: number;
  body: any;
  headers?: Record<string, string>;
}

export function raw(c: Cluster, req: Partial<RestRequest> & { path: string }, token: string | null = c.adminToken): Answer {
  let answer: Answer | undefined;
  const headers: Record<string, string> = { "content-type": "application/json", ...(req.headers ?? {}) };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  c.apiserver.serve(
    { method: req.method ?? "GET", path: req.path, query: req.query ?? {}, headers, body: req.body },
    {
      send: (status, body, headers) => (answer = { status, body, headers }),
      stream: () => {
        throw new Error("unexpected stream");
      },
    },
  );
  c.sim.runUntil(() => answer !== undefined, "30s");
  if (!answer) throw new Error(`no answer to ${req.method} ${req.path}`);
  return answer;
}

/** Opens a watch through serve(); events collect in the returned array. */
export function watch(c: Cluster, path: string, query: Record<string, string>, token = c.adminToken) {
  const events: any[] = [];
  let status = 0;
  let ended = false;
  let closeFn: (() => void) | undefined;
  let refused: Answer | undefined;
  c.apiserver.serve(
    { method: "GET", path, query: { watch: "true", ...query }, headers: { authorization: `Bearer ${token}` } },
    {
      send: (s, body) => (refused = { status: s, body }),
      stream: (s) => {
        status = s;
        return {
          event: (v) => events.push(v),
          end: () => {
            ended = true;
            closeFn?.();
          },
          onClose: (fn) => (closeFn = fn),
        };
      },
    },
  );
  return {
    events,
    get status() {
      return status;
    },
    get ended() {
      return ended;
    },
    get refused() {
      return refused;
    },
    close: () => closeFn?.(),
  };
}

export const pod = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels: { app: "web" } },
  spec: { containers: [{ name: "c", image: "nginx:1.27" }] },
  ...extra,
});

export const post = (c: Cluster, path: string, obj: unknown, token?: string) => raw(c, { method: "POST", path, body: JSON.stringify(obj) }, token);
