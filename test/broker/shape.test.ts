// The V8 shape helpers of the broker's hot path (electron/broker/shape.ts), checked with V8's own
// introspection (--allow-natives-syntax, in a child process so the test runner stays unflagged).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

const root = new URL('../..', import.meta.url).pathname;
const probe = `
import { objectList, mutableFields, NOT_YET } from './electron/broker/shape.ts';
const fresh = [];
const list = objectList();
class Flags { closing = false; count = 3; }
const f = new Flags();
mutableFields(f, 'closing', 'count');
const g = new Flags();
console.log(JSON.stringify({
  freshSmi: %HasSmiElements(fresh),
  listObject: %HasObjectElements(list), listLength: list.length,
  values: [f.closing, f.count, g.closing, g.count], sameMap: %HaveSameMap(f, g),
  notYet: [NOT_YET === 0, !NOT_YET, %IsSmi(NOT_YET), %IsSmi(0)],
}));
`;

test('objectList starts in the object elements kind, mutableFields keeps values and the class, NOT_YET is a double 0', () => {
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', probe], { cwd: root, encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop()!);
  assert.equal(r.freshSmi, true, 'control: a fresh [] starts as small-integer elements');
  assert.equal(r.listObject, true);
  assert.equal(r.listLength, 0);
  assert.deepEqual(r.values, [false, 3, false, 3]);
  assert.equal(r.sameMap, true);
  assert.deepEqual(r.notYet, [true, true, false, true]);
});
