// Quantities as apimachinery parses them: suffixes, exponents, rounding up to the unit, bad input.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { formatBytes, formatMilliCpu, milliValue, parseQuantity, value } from "../../src/apiserver/registry/quantity";

test("cpu in millicores: MilliValue rounds up", () => {
  const cases: [string | number, number][] = [["100m", 100], ["1", 1000], ["1.5", 1500], ["0.1m", 1], ["2", 2000], ["250m", 250], [0.5, 500], ["1e3", 1000000], ["1k", 1000000]];
  for (const [q, want] of cases) assert.is(milliValue(q), want, String(q));
});

test("memory in bytes: binary and decimal suffixes", () => {
  const cases: [string, number][] = [["1Gi", 2 ** 30], ["128Mi", 128 * 2 ** 20], ["1G", 1e9], ["1.5k", 1500], ["100m", 1], ["64", 64], ["1Ki", 1024], ["2e3", 2000]];
  for (const [q, want] of cases) assert.is(value(q), want, q);
});

test("bad quantities do not parse", () => {
  for (const q of ["", "1Gb", "abc", "1 Gi", "--1", "1.2.3", null, {}, "Gi"]) assert.is(parseQuantity(q), undefined, JSON.stringify(q));
  assert.is(milliValue("nope"), 0);
});

test("formatting", () => {
  assert.is(formatMilliCpu(1500), "1500m");
  assert.is(formatMilliCpu(2000), "2");
  assert.is(formatBytes(2 ** 30), "1Gi");
  assert.is(formatBytes(3 * 2 ** 20), "3Mi");
  assert.is(formatBytes(1000), "1000");
});

test.run();
