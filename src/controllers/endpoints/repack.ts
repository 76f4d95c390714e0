// RepackSubsets [k/k pkg/api/v1/endpoints/util.go]: the canonical layout of an Endpoints
// object's subsets, so that two computations of the same endpoints compare equal and the
// controller writes only when something really changed.
//
// The controller first builds one subset per (pod, port); repacking groups them: every set of
// addresses that offers exactly the same ports becomes one subset listing those ports. A pod
// that is ready on one port and not ready on another counts as not ready for both ("not ready
// always trumps ready"). Addresses are de-duplicated by IP + pod UID.
//
// Simplification, named: Go orders subsets and ports by an md5 of a Go-specific dump of the
// struct, which cannot be reproduced here; we order them by their JSON text. Either way the
// order is canonical (the same endpoints always give the same bytes), which is what matters.

import { compareStrings } from "../endpointslice/util";

export interface ObjectReference {
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

/** Ports of a subset with no ports (a headless Service without ports) map to this sentinel. */
const NO_PORT = -1;

function portKey(p: EndpointPort): string {
  return JSON.stringify([p.name ?? "", p.port, p.protocol ?? "", p.appProtocol ?? ""]);
}

/** LessEndpointAddress: by IP bytes, then by the pod's UID. */
export function lessEndpointAddress(a: EndpointAddress, b: EndpointAddress): number {
  const c = compareStrings(a.ip, b.ip);
  if (c !== 0) return c;
  return compareStrings(a.targetRef?.uid ?? "", b.targetRef?.uid ?? "");
}

export function repackSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  // 1. Each distinct port → the addresses offering it, each with its readiness.
  const allAddrs = new Map<string, EndpointAddress>();
  const ports = new Map<string, { port: EndpointPort; addrs: Map<string, boolean> }>();
  const mapAddress = (addr: EndpointAddress, port: EndpointPort, ready: boolean) => {
    const ak = `${addr.ip}\u0000${addr.targetRef?.uid ?? ""}`;
    if (!allAddrs.has(ak)) allAddrs.set(ak, addr);
    const pk = portKey(port);
    let entry = ports.get(pk);
    if (!entry) ports.set(pk, (entry = { port, addrs: new Map() }));
    const was = entry.addrs.get(ak);
    // Not ready always trumps ready.
    if (was === undefined || was) entry.addrs.set(ak, ready);
  };
  for (const s of subsets) {
    const ps = s.ports && s.ports.length > 0 ? s.ports : [{ port: NO_PORT }];
    for (const p of ps) {
      for (const a of s.addresses ?? []) mapAddress(a, p, true);
      for (const a of s.notReadyAddresses ?? []) mapAddress(a, p, false);
    }
  }
  // 2. Each distinct set of (address, readiness) → the ports it offers.
  const groups = new Map<string, { addrs: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const { port, addrs } of ports.values()) {
    const gk = JSON.stringify(Array.from(addrs.entries()).sort(([a], [b]) => compareStrings(a, b)));
    let g = groups.get(gk);
    if (!g) groups.set(gk, (g = { addrs, ports: [] }));
    if (port.port !== NO_PORT) g.ports.push(port);
  }
  // 3. One subset per group, sorted.
  const out: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [ak, r] of g.addrs) (r ? ready : notReady).push(allAddrs.get(ak)!);
    const subset: EndpointSubset = {};
    if (ready.length) subset.addresses = ready.sort(lessEndpointAddress);
    if (notReady.length) subset.notReadyAddresses = notReady.sort(lessEndpointAddress);
    if (g.ports.length) subset.ports = g.ports.sort((a, b) => compareStrings(portKey(a), portKey(b)));
    out.push(subset);
  }
  return out.sort((a, b) => compareStrings(JSON.stringify(a), JSON.stringify(b)));
}
