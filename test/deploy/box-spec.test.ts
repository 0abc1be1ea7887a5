// The box address check (electron/deploy/box-spec.ts): parse only — nothing here resolves a name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBoxSpec } from '../../electron/deploy/box-spec';

test('an address as a technician types it: host, host:port, user@host, [v6]:port', () => {
  assert.deepEqual(parseBoxSpec('127.0.0.1'), { host: '127.0.0.1', port: 22, user: 'root' });
  assert.deepEqual(parseBoxSpec('admin@127.0.0.2:2222'), { host: '127.0.0.2', port: 2222, user: 'admin' });
  assert.deepEqual(parseBoxSpec('[::1]:2200'), { host: '::1', port: 2200, user: 'root' });
  assert.deepEqual(parseBoxSpec('box-7.lan', { user: 'linaro', port: 22 }), { host: 'box-7.lan', port: 22, user: 'linaro' });
});

test('an internationalised host name is taken in its xn-- form', () => {
  assert.deepEqual(parseBoxSpec('kasse-büro.lan'), { host: 'xn--kasse-bro-w9a.lan', port: 22, user: 'root' });
  assert.deepEqual(parseBoxSpec('root@例え.テスト:2222'), { host: 'xn--r8jz45g.xn--zckzah', port: 2222, user: 'root' });
  assert.deepEqual(parseBoxSpec('xn--kasse-bro-w9a.lan'), { host: 'xn--kasse-bro-w9a.lan', port: 22, user: 'root' });
});

test('typos are refused with a sentence, non-ASCII ones too', () => {
  for (const typo of ['box 1!', 'box:abc', 'bü ro', 'bü!ro', 'kasse-büro.lan:0', 'kasse-büro.lan:99999', 'üser@box:22:1', '']) {
    const r = parseBoxSpec(typo);
    assert.ok('problem' in r, `${JSON.stringify(typo)} refused`);
    assert.match(r.problem, /is not a box address \(use host, host:port or user@host\)/);
  }
});
