// The start-up warm-up (electron/broker/warm-up.ts): it really runs (messages through a private
// broker), it leaves nothing a client, the management API, the definitions or the data directory
// could see, and a warm-up that fails does not stop the broker from starting.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { startBroker, type Broker, type BrokerOptions } from '../../electron/broker/index';
import { connect, settle, sleep, tempDir } from './helpers';

/** Every file and directory under `dir` (relative paths, sorted). */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      out.push(relative(dir, p));
      if (statSync(p).isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** A client's round trip: declare, publish persistent with a confirm, consume, ack. */
async function roundTrip(port: number, q: string): Promise<void> {
  const c = await connect(port);
  const ch = await c.createConfirmChannel();
  await ch.assertQueue(q, { durable: true });
  for (let i = 0; i < 3; i++) await new Promise<void>((res, rej) => ch.sendToQueue(q, Buffer.from(`m${i}`), { persistent: true }, (err: unknown) => (err ? rej(err) : res())));
  let got = 0;
  await new Promise<void>((res) => void ch.consume(q, (m) => (ch.ack(m!), ++got === 3 && res())));
  await ch.close(); // amqplib's connection.close can overtake the acks still in its channel's stream
  await c.close();
}

describe('broker start-up warm-up', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  const brokers: Broker[] = [];
  after(async () => {
    for (const b of brokers) await b.close().catch(() => undefined);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const dir = (tag: string) => {
    const d = tempDir(tag);
    dirs.push(d);
    return d;
  };
  const definitions = {
    users: [{ name: 'site', password: 'pw', tags: '' }],
    vhosts: [{ name: 'boxes' }],
    permissions: [{ user: 'site', vhost: 'boxes', configure: '.*', write: '.*', read: '.*' }],
    queues: [{ name: 'cmd', vhost: 'boxes', durable: true, auto_delete: false, arguments: {} }],
    exchanges: [],
    bindings: [],
  };
  const opts = (dataDir: string, more: Partial<BrokerOptions> = {}): BrokerOptions => ({
    port: 0,
    dataDir,
    users: [{ name: 'test', password: 'test' }],
    vhosts: ['/', 'site'],
    definitions,
    ...more,
  });

  it('warms up through a private broker and leaves nothing visible: vhosts, users, permissions, definitions, stats, files', async () => {
    const scratch = dir('warm-scratch');
    const withDir = dir('warm-on');
    const withoutDir = dir('warm-off');
    const logged: string[] = [];
    const w = await startBroker(opts(withDir, { warmUp: { tmpDir: scratch, messages: 5000 }, log: (l) => logged.push(l) }));
    brokers.push(w);
    const plain = await startBroker(opts(withoutDir, { warmUp: false }));
    brokers.push(plain);

    // it ran: messages went through, nothing failed
    assert.ok(w.warmUp, 'a warm-up report');
    assert.equal(w.warmUp.error, null);
    assert.ok(w.warmUp.messages >= 1000, `warm-up messages: ${w.warmUp.messages}`);
    assert.ok(w.warmUp.ms > 0 && w.warmUp.cpuMs > 0);
    assert.deepEqual(logged, []);
    assert.equal(plain.warmUp, null);
    // its temporary directory is gone
    assert.deepEqual(readdirSync(scratch), []);

    // the same as a broker that never warmed up
    assert.deepEqual(w.listVhosts().sort(), plain.listVhosts().sort());
    assert.deepEqual(w.listUsers(), plain.listUsers());
    assert.deepEqual(w.listPermissions(), plain.listPermissions());
    const strip = (d: ReturnType<Broker['exportDefinitions']>) => ({ ...d, users: (d.users ?? []).map((u) => ({ ...u, password_hash: '' })) });
    assert.deepEqual(strip(w.exportDefinitions()), strip(plain.exportDefinitions()));
    assert.doesNotMatch(JSON.stringify(w.exportDefinitions()), /warm-up/);
    assert.deepEqual(tree(withDir), tree(withoutDir));
    assert.doesNotMatch(readFileSync(join(withDir, 'definitions.json'), 'utf8'), /warm-up/);
    // no message, queue, connection or counter of it, also after a rate sample (1 s)
    await sleep(1200);
    const s = w.stats();
    assert.deepEqual(s.connections, []);
    assert.deepEqual(s.channels, []);
    assert.deepEqual(s.queues.map((q) => `${q.vhost}/${q.name}`), ['boxes/cmd']);
    assert.deepEqual(
      { ...s.totals, memoryBytes: 0 },
      { published: 0, delivered: 0, acked: 0, publishRate: 0, deliverRate: 0, ackRate: 0, messagesReady: 0, messagesUnacked: 0, memoryBytes: 0 },
    );
    assert.equal(s.totals.memoryBytes, 0);
    assert.deepEqual(s.refusedLogins, []);

    // a real client: the first connection is number 1, and only its messages count
    await roundTrip(w.port, 'after-warm-up');
    await settle(() => w.stats().totals.acked === 3);
    const t = w.stats().totals;
    assert.deepEqual([t.published, t.delivered, t.acked], [3, 3, 3]);
    const c = await connect(w.port);
    const ids = w.stats().connections.map((x) => x.id);
    assert.equal(ids.length, 1);
    assert.equal(ids[0], 2, 'connection ids count this broker’s own connections only (the round trip was number 1)');
    await c.close();
  });

  it('a warm-up that cannot run is logged, and the broker starts and serves clients anyway', async () => {
    const base = dir('warm-fail');
    // its temporary directory cannot be made (the parent is a file)
    const file = join(base, 'not-a-dir');
    writeFileSync(file, 'x');
    const logged: string[] = [];
    const a = await startBroker(opts(join(base, 'a'), { warmUp: { tmpDir: file }, log: (l) => logged.push(l) }));
    brokers.push(a);
    assert.ok(a.warmUp?.error, 'the report says why');
    assert.equal(a.warmUp.messages, 0);
    assert.equal(logged.length, 1);
    assert.match(logged[0]!, /warm-up stopped \(.*(ENOTDIR|not a directory).*\).*starting without it/);
    await roundTrip(a.port, 'served');

  });
});
