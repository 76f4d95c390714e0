// Timestamps from virtual time: the fixed epoch (deterministic runs), MicroTime, the round trip,
// and setEpoch for live mode.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { DEFAULT_EPOCH_SECONDS, epoch, microTime, parseTimestamp, setEpoch, timestamp } from "../../src/apiserver/registry/object";

test("virtual 0 is 2026-01-01T00:00:00Z by default; seconds are truncated", () => {
  assert.is(epoch(), DEFAULT_EPOCH_SECONDS);
  assert.is(timestamp(0), "2026-01-01T00:00:00Z");
  assert.is(timestamp(90_999), "2026-01-01T00:01:30Z");
  assert.is(timestamp(366 * 86400_000), "2027-01-02T00:00:00Z");
  assert.is(microTime(10_000.5), "2026-01-01T00:00:10.000500Z");
  assert.is(parseTimestamp("2026-01-01T00:01:30Z"), 90_000);
  assert.ok(Number.isNaN(parseTimestamp("yesterday")));
});

test("setEpoch moves virtual 0 (live mode) and parseTimestamp follows; bad input refused", () => {
  try {
    setEpoch(1700000000); // 2023-11-14T22:13:20Z
    assert.is(timestamp(0), "2023-11-14T22:13:20Z");
    assert.is(parseTimestamp(timestamp(42_000)), 42_000);
    assert.throws(() => setEpoch(-1), /not a Unix time/);
    assert.throws(() => setEpoch(1.5), /not a Unix time/);
  } finally {
    setEpoch(DEFAULT_EPOCH_SECONDS);
  }
  assert.is(timestamp(0), "2026-01-01T00:00:00Z");
});

test.run();
