// NodePorts, cases from k/k pkg/scheduler/framework/plugins/nodeports/node_ports_test.go (TestNodePorts).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { newNodePorts } from "../../../src/scheduler/plugins/nodeports";
import { makeNode, makePod, nodeInfos, runFilter, verdicts, fakeHandle } from "./helpers";

test("NodePorts (TestNodePorts): conflicts by protocol, port and IP (0.0.0.0 conflicts with every IP)", () => {
  const R = "Unschedulable: node(s) didn't have free ports for the requested pod ports";
  const p = (...specs: string[]) =>
    specs.map((s) => {
      const [proto, ip, port] = s.split("/");
      return { protocol: proto, hostIP: ip, hostPort: Number(port) };
    });
  const cases: [string[], string[], string][] = [
    [[], [], "Success"],
    [["UDP/127.0.0.1/8080"], ["UDP/127.0.0.1/9090"], "Success"],
    [["UDP/127.0.0.1/8080"], ["UDP/127.0.0.1/8080"], R],
    [["TCP/127.0.0.1/8080"], ["TCP/127.0.0.1/8080"], R],
    [["TCP/127.0.0.1/8080"], ["UDP/127.0.0.1/8080"], "Success"],
    [["TCP/127.0.0.1/8080"], ["TCP/127.0.0.2/8080"], "Success"],
    [["TCP/0.0.0.0/8001"], ["TCP/127.0.0.1/8001"], R],
    [["TCP/127.0.0.1/8001"], ["TCP/0.0.0.0/8001"], R],
    [["UDP/0.0.0.0/8001"], ["TCP/0.0.0.0/8001"], "Success"],
    [["TCP//8001"], ["TCP/10.0.10.10/8001"], R], // empty hostIP means 0.0.0.0
  ];
  for (const [want, existing, verdict] of cases) {
    const infos = nodeInfos([makeNode("n")], existing.length ? [{ pod: makePod("e", { ports: p(...existing) }), node: "n" }] : []);
    assert.is(verdicts(runFilter(newNodePorts(undefined, fakeHandle(infos)), makePod("p", { ports: want.length ? p(...want) : undefined }), infos)).n, verdict, `${want} vs ${existing}`);
  }
});

test.run();
