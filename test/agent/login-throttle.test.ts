// The FTP server's failed-login throttle (agent/capture/login-throttle.ts) on a hand-moved clock:
// five free failures, then waits doubling from 1 s up to 60 s; a success or ten silent minutes
// start afresh; addresses are independent; at most 10,000 addresses are remembered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FREE_FAILURES, LoginThrottle, MAX_WAIT_MS } from '../../agent/capture/login-throttle';

test('waits double from 1 s to at most 60 s after 5 free failures; success or 10 quiet minutes clear them', () => {
  let now = 1_000_000;
  const t = new LoginThrottle(() => now);
  for (let i = 0; i < FREE_FAILURES; i++) assert.equal(t.failed('a'), 0);
  assert.equal(t.wait('a'), 0);
  const waits: number[] = [];
  for (let i = 0; i < 9; i++) {
    waits.push(t.failed('a'));
    assert.equal(t.wait('a'), waits.at(-1));
    assert.equal(t.wait('b'), 0, 'another address is not held up');
    now += waits.at(-1)!;
    assert.equal(t.wait('a'), 0, 'the wait is over');
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 8000, 16000, 32000, MAX_WAIT_MS, MAX_WAIT_MS, MAX_WAIT_MS]);
  t.succeeded('a');
  assert.equal(t.failed('a'), 0, 'a success starts afresh');
  for (let i = 1; i < FREE_FAILURES; i++) t.failed('a');
  assert.equal(t.failed('a'), 1000);
  now += 10 * 60_000 + 1;
  assert.equal(t.wait('a'), 0);
  assert.equal(t.failed('a'), 0, 'ten quiet minutes start afresh');
});

test('at most 10,000 addresses are remembered, the longest quiet dropped first', () => {
  let now = 0;
  const t = new LoginThrottle(() => now);
  for (let i = 0; i < FREE_FAILURES + 7; i++) t.failed('first');
  assert.equal(t.wait('first'), MAX_WAIT_MS, 'locked for a minute');
  for (let i = 0; i < 10_000; i++) {
    now++;
    t.failed(`10.0.${i >> 8}.${i & 255}`);
  }
  assert.ok(now < MAX_WAIT_MS);
  assert.equal(t.wait('first'), 0, 'the oldest address was forgotten (its minute is not over)');
  assert.ok(t.wait('10.0.0.0') === 0 && t.failed('10.0.39.15') === 0, 'the others are remembered, each with one failure');
});
