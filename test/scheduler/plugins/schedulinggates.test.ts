// SchedulingGates, cases from k/k pkg/scheduler/framework/plugins/schedulinggates/scheduling_gates_test.go.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { newSchedulingGates, SchedulingGates } from "../../../src/scheduler/plugins/schedulinggates";
import { makePod, fakeHandle } from "./helpers";

test("SchedulingGates (TestPreEnqueue)", () => {
  const plugin = newSchedulingGates(undefined, fakeHandle([])) as SchedulingGates;
  assert.ok(plugin.preEnqueue(makePod("p")).isSuccess());
  const s = plugin.preEnqueue(makePod("p", { schedulingGates: [{ name: "foo" }, { name: "bar" }] }));
  assert.is(s.code, "UnschedulableAndUnresolvable");
  assert.is(s.message(), "waiting for scheduling gates: [foo bar]");
});

test.run();
