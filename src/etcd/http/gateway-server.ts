// LIVE BRIDGE: etcd 3.4's v3 JSON API over real HTTP on loopback, in front of a simulated etcd
// cluster. Real clients (curl, any HTTP client, the etcd JSON gateway's users) POST to
// /v3/kv/put, /v3/kv/range, /v3/watch, ...; each request becomes a call of an EtcdClient inside
// the simulation, and the LiveBridge paces virtual time to the wall clock so that elections,
// lease expiry and timeouts happen in real time. Only this folder touches sockets and clocks.

import * as http from "http";
import type { AddressInfo } from "net";
import { LiveBridge, Simulation } from "../../sim/index";
import { EtcdClient } from "../client/client";
import type { Callback } from "../client/client";
import { EtcdCluster } from "../server/etcd-cluster";
import type { RpcError } from "../server/protocol";
import { EtcdError } from "../mvcc/errors";
import * as gateway from "../mvcc/json-gateway";
import type { WatchResponse } from "../mvcc/types";

export interface EtcdServeOptions {
  port?: number;
  host?: string;
  seed?: number | string;
  members?: number;
  /** Virtual ms per real ms (default 1). */
  speed?: number;
}

export interface EtcdServer {
  url: string;
  sim: Simulation;
  etcd: EtcdCluster;
  bridge: LiveBridge;
  close(): Promise<void>;
}

/** Starts a seeded simulated etcd cluster and serves its JSON API on host:port. */
export async function serveEtcd(options: EtcdServeOptions = {}): Promise<EtcdServer> {
  const sim = new Simulation({ seed: options.seed ?? 1, trace: false });
  sim.network.traceMessages = false;
  const etcd = new EtcdCluster(sim, { members: options.members ?? 3, traceMessages: false });
  etcd.raft.runUntilLeader("10s");
  const client = new EtcdClient(sim, { name: "http-gateway", endpoints: etcd.members });
  const bridge = new LiveBridge(sim, { speed: options.speed ?? 1 });
  bridge.start();

  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => handle(req, res, body));
  });

  function handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const route = req.method === "POST" ? gateway.route(req.url ?? "") : undefined;
    if (!route) {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("Not Found\n");
      return;
    }
    try {
      if (route.kind === "watch") return watchStream(req, res, body);
      if (route.kind === "leaseKeepAlive") return keepAliveStream(res, body);
      const j = gateway.parseBody(body);
      const kind = route.kind;
      const reply: Callback<object> = (err, resp) => {
        if (err) return sendError(res, err);
        send(res, 200, gateway.encodeResponse(kind, resp!));
      };
      bridge.inject(() => {
        switch (kind) {
          case "range": return client.range(gateway.decode.range(j), reply);
          case "put": return client.put(gateway.decode.put(j), reply);
          case "deleteRange": return client.deleteRange(gateway.decode.deleteRange(j), reply);
          case "txn": return client.txn(gateway.decode.txn(j), reply);
          case "compaction": return client.compact(gateway.decode.compaction(j), reply);
          case "leaseGrant": return client.leaseGrant(gateway.decode.leaseGrant(j), reply);
          case "leaseRevoke": return client.leaseRevoke(gateway.decode.leaseRevoke(j), reply);
          case "leaseTimeToLive": return client.leaseTimeToLive(gateway.decode.leaseTimeToLive(j), reply);
          case "leaseLeases": return client.leaseLeases(reply);
        }
      });
    } catch (e) {
      if (e instanceof EtcdError) return sendError(res, e);
      throw e;
    }
  }

  /** The gateway streams one {"result": ...} JSON value per line for as long as the client stays. */
  function watchStream(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const requests = gateway.splitJsonValues(body).map((j) => gateway.decode.watch(j));
    res.writeHead(200, { "Content-Type": "application/json" });
    const watches = requests
      .filter((r) => r.create_request)
      .map((r) => bridge.inject(() => client.watch(r.create_request!, (w: WatchResponse) => res.write(JSON.stringify(gateway.encodeStreamMessage("watch", w)) + "\n"))));
    res.on("close", () => bridge.inject(() => watches.forEach((w) => w.cancel())));
  }

  function keepAliveStream(res: http.ServerResponse, body: string): void {
    const requests = gateway.splitJsonValues(body).map((j) => gateway.decode.leaseKeepAlive(j));
    res.writeHead(200, { "Content-Type": "application/json" });
    let left = requests.length;
    if (left === 0) return void res.end();
    for (const r of requests) {
      bridge.inject(() =>
        client.leaseKeepAlive(r, (err, resp) => {
          res.write(JSON.stringify(err ? { error: errorBody(err) } : gateway.encodeStreamMessage("leaseKeepAlive", resp!)) + "\n");
          if (--left === 0) res.end();
        }),
      );
    }
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 2379, options.host ?? "127.0.0.1", resolve));
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${addr.address}:${addr.port}`,
    sim,
    etcd,
    bridge,
    close: () =>
      new Promise<void>((resolve) => {
        bridge.stop();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

function send(res: http.ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

function errorBody(err: RpcError): object {
  return gateway.encodeError(new EtcdError(err.code, err.message)).body;
}

function sendError(res: http.ServerResponse, err: RpcError): void {
  const e = gateway.encodeError(new EtcdError(err.code, err.message));
  send(res, e.status, e.body);
}
