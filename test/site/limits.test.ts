// The site server's limit helpers on their own: the login limiter counts an attempt when it is
// admitted, locks out after five, ends the lockout with the window, and keeps its table bounded;
// IPv6 clients are counted per /64; the gate runs one task at a time and refuses past its queue;
// request targets parse to a path or null, never to an exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientKey, LoginLimiter } from '../../electron/site/sessions';
import { Gate, requestPath } from '../../electron/site/request';

test('the limiter counts attempts when admitted, locks out after 5 until the window ends, and a success starts afresh', () => {
  const l = new LoginLimiter(5, 60_000);
  const t0 = 1_000_000;
  for (let i = 0; i < 5; i++) assert.deepEqual(l.admit('a', t0), { ok: true });
  const locked = l.admit('a', t0 + 1000);
  assert.equal(locked.ok, false);
  assert.ok(!locked.ok && locked.retryAfter === 59 && locked.until.getTime() === t0 + 60_000);
  assert.equal(l.admit('a', t0 + 60_000).ok, true, 'the window ended');
  l.succeed('a');
  for (let i = 0; i < 5; i++) assert.equal(l.admit('a', t0 + 61_000).ok, true);
  l.clear();
  assert.equal(l.admit('a', t0 + 61_000).ok, true, 'clear() lifts lockouts (a new admin password)');
});

test('the limiter table stays bounded: expired entries go first, then the oldest', () => {
  const l = new LoginLimiter(5, 60_000, 100);
  for (let i = 0; i < 1000; i++) l.admit(`10.0.${i >> 8}.${i & 255}`, 1000 + i);
  assert.ok(l.size <= 100, `size ${l.size}`);
  // a locked-out newcomer is still locked out after the table was pruned
  for (let i = 0; i < 5; i++) l.admit('victim', 5000);
  for (let i = 0; i < 50; i++) l.admit(`192.168.0.${i}`, 5001);
  assert.equal(l.admit('victim', 5002).ok, false);
  for (let i = 0; i < 200; i++) l.admit(`172.16.0.${i}`, 70_000 + i);
  assert.ok(l.size <= 100);
});

test('clients are keyed per IPv4 address and per IPv6 /64', () => {
  assert.equal(clientKey('192.0.2.7'), '192.0.2.7');
  assert.equal(clientKey('::ffff:192.0.2.7'), '192.0.2.7');
  assert.equal(clientKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(clientKey('::1'), '0:0:0:0::/64');
  assert.equal(clientKey(undefined), 'unknown');
});

test('the gate runs one task at a time, queues up to its limit and refuses the rest at once', async () => {
  const g = new Gate(1, 2);
  let running = 0;
  let peak = 0;
  const task = async () => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 20));
    running--;
    return 'done';
  };
  const results = await Promise.all(Array.from({ length: 6 }, () => g.run(task)));
  assert.equal(peak, 1);
  assert.equal(results.filter((r) => !r.busy).length, 3);
  assert.equal(results.filter((r) => r.busy).length, 3);
  assert.deepEqual(await g.run(task), { busy: false, value: 'done' }, 'free again afterwards');
});

test('any request target parses to a path or null', () => {
  assert.equal(requestPath('//'), '//');
  assert.equal(requestPath('/a/../b?x=%'), '/b');
  assert.equal(requestPath('/%zz'), '/%zz');
  for (const bad of ['*', '', 'http://evil.example/', undefined, 'x']) assert.equal(requestPath(bad), null, String(bad));
});
