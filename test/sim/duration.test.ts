import { test } from "uvu";
import * as assert from "uvu/assert";
import { formatDuration, parseDuration } from "../../src/sim";

const cases: [string | number, number][] = [
  ["150ms", 150],
  ["30s", 30_000],
  ["5m", 300_000],
  ["1h30m", 5_400_000],
  ["2.5s", 2_500],
  ["1m30s", 90_000],
  ["500us", 0.5],
  ["0", 0],
  [42, 42],
];
for (const [input, ms] of cases) {
  test(`parseDuration(${JSON.stringify(input)}) = ${ms} ms`, () => {
    assert.is(parseDuration(input), ms);
  });
}

for (const bad of ["5 parsecs", "", "10", "s", "-5s", "1.5.2s", "3 s", "1d"]) {
  test(`parseDuration(${JSON.stringify(bad)}) throws, naming the input and what is accepted`, () => {
    assert.throws(
      () => parseDuration(bad),
      (e: Error) => e.message.includes(JSON.stringify(bad)) && e.message.includes('"150ms"') && e.message.includes("units: ns, us, ms, s, m, h"),
    );
  });
}

test("negative and non-finite numbers are rejected", () => {
  assert.throws(() => parseDuration(-1), /not negative/);
  assert.throws(() => parseDuration(Infinity), /not negative or infinite/);
});

test("formatDuration prints short forms", () => {
  assert.is(formatDuration(850), "850ms");
  assert.is(formatDuration(1500), "1.5s");
  assert.is(formatDuration(150_000), "2m30s");
  assert.is(formatDuration(3_900_000), "1h5m");
});

test.run();
