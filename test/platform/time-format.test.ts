// How the pages write times (renderer/src/time-format.ts: Events rows, alerts, "last seen" older than a day): with the time
// zone, and with the date when it is not today. Run in a fixed zone so the words are known.
process.env.TZ = 'Europe/Berlin';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clock } from '../../renderer/src/time-format';
import { alertWords } from '../../renderer/src/pages/devices/alert-words';

test('an event today shows its time with the zone; another day adds the date', () => {
  const today = new Date();
  today.setHours(14, 3, 7, 0);
  const t = clock(today.getTime());
  assert.match(t, /\b(CET|CEST|GMT\+[12])\b/, t);
  assert.match(t, /(14|2):03:07/, t);
  assert.doesNotMatch(t, /\d{4}/, `no date for today: ${t}`);
  const old = Date.UTC(2026, 0, 2, 13, 3, 7); // 14:03:07 in Berlin (CET)
  const o = clock(old);
  assert.match(o, /2026/, o);
  assert.match(o, /Jan/, o);
  assert.match(o, /\b(CET|GMT\+1)\b/, o);
});

test('summer time is named as such', () => {
  const s = clock(Date.UTC(2025, 5, 1, 10, 0, 0)); // 12:00 CEST
  assert.match(s, /2025/, s);
  assert.match(s, /\b(CEST|GMT\+2)\b/, s);
});

test("an offline alert names the box once and gives the last report's time in the browser's zone", () => {
  const msg = 'front gate (M32Y8ITB6PKZYYQ2G4FXBKCX) is offline: no status report since 2026-11-28T12:27:42.682Z (3 periods of 2 s missed)';
  const w = alertWords(msg, 'front gate', 'M32Y8ITB6PKZYYQ2G4FXBKCX');
  assert.equal(w.who, 'front gate');
  assert.match(w.rest, /^is offline: no status report since .*(13|01|1):27:42.*\b(CET|GMT\+1)\b.* \(3 periods of 2 s missed\)$/, w.rest);
  assert.doesNotMatch(w.rest, /2026-11-28T/);
  // a box without a name: its code once
  const bare = alertWords('ABC123 is offline: no status report since 2026-11-28T12:27:42.682Z (3 periods of 2 s missed)', '', 'ABC123');
  assert.equal(bare.who, 'ABC123');
  assert.match(bare.rest, /^is offline/);
  // a message of another form is kept whole after the name
  assert.deepEqual(alertWords('disk almost full', 'gate', 'ABC123'), { who: 'gate', rest: ': disk almost full' });
});
