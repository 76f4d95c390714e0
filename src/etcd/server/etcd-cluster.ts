// EtcdCluster: an etcd cluster on the simulation kernel — RaftCluster members, each running an
// EtcdMember whose MvccStore is the state machine the Raft log is applied to. Clients are
// network endpoints of their own (src/etcd/client) that talk to the members' names.

import type { Simulation } from "../../sim/index";
import { RaftCluster } from "../raft/cluster";
import type { RaftClusterOptions } from "../raft/cluster";
import { EtcdMember } from "./member";

export interface EtcdClusterOptions extends Omit<RaftClusterOptions, "stateMachine" | "onClientMessage"> {
  /** The cluster ID in response headers (etcd derives it from the initial cluster). */
  clusterId?: number;
  /**
   * TEACHING ONLY: serve every read from the member's local store, as if all reads were
   * serializable. A member cut off from the leader then answers with stale data, which the
   * linearizability checker catches (chapter 02).
   */
  unsafeStaleReads?: boolean;
}

/** "kubl" in ASCII: a fixed, recognisable cluster ID. */
export const DEFAULT_CLUSTER_ID = 0x6b75626c;

export class EtcdCluster {
  readonly raft: RaftCluster;
  readonly sim: Simulation;
  private readonly servers = new Map<string, EtcdMember>();
  private readonly leaders = new Set<string>();

  constructor(sim: Simulation, options: EtcdClusterOptions = {}) {
    this.sim = sim;
    const { clusterId = DEFAULT_CLUSTER_ID, unsafeStaleReads = false, ...raftOptions } = options;
    this.raft = new RaftCluster(sim, {
      ...raftOptions,
      // Called on every boot of a member: a fresh server and store, rebuilt from disk by Raft.
      stateMachine: (name) => {
        const server = new EtcdMember(name, sim, () => this.raft, Number(name.replace(/\D+/g, "")) || 0, clusterId, unsafeStaleReads);
        this.servers.set(name, server);
        return server;
      },
      onClientMessage: (name, env) => this.servers.get(name)?.receive(env),
    });
    this.raft.on((ev) => {
      switch (ev.type) {
        case "role": {
          const name = this.raft.name(ev.member);
          const isLeader = ev.role === "leader";
          if (isLeader !== this.leaders.has(name)) {
            if (isLeader) this.leaders.add(name);
            else this.leaders.delete(name);
            this.servers.get(name)?.leadership(isLeader);
          }
          break;
        }
        case "crash":
        case "removed": {
          const name = this.raft.name(ev.member);
          this.leaders.delete(name);
          this.servers.get(name)?.crashed();
          break;
        }
        case "read":
          this.servers.get(this.raft.name(ev.member))?.readReady(ev.ctx);
          break;
      }
    });
  }

  get members(): string[] {
    return this.raft.members;
  }

  leader(): string | undefined {
    return this.raft.leader();
  }

  /** The server (and its store) of a running member. */
  server(member: string): EtcdMember | undefined {
    return this.raft.isUp(member) ? this.servers.get(member) : undefined;
  }

  crash(member: string): void {
    this.raft.crash(member);
  }

  restart(member: string): void {
    this.raft.restart(member);
  }
}
