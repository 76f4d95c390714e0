// NodeName, cases from k/k pkg/scheduler/framework/plugins/nodename/node_name_test.go.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { newNodeName } from "../../../src/scheduler/plugins/nodename";
import { makeNode, makePod, nodeInfos, runFilter, verdicts, fakeHandle } from "./helpers";

test("NodeName (TestNodeName)", () => {
  const infos = nodeInfos([makeNode("foo"), makeNode("bar")]);
  const plugin = newNodeName(undefined, fakeHandle(infos));
  assert.equal(verdicts(runFilter(plugin, makePod("p"), infos)), { foo: "Success", bar: "Success" }, "no host specified");
  assert.equal(verdicts(runFilter(plugin, makePod("p", { nodeName: "foo" }), infos)), { foo: "Success", bar: "UnschedulableAndUnresolvable: node(s) didn't match the requested node name" });
});

test.run();
