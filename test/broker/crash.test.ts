// Crash safety: 10,000 persistent messages published with confirms; the broker process is
// killed with SIGKILL at a random moment; after a restart every confirmed message is there,
// intact (extra unconfirmed ones are allowed), and nothing is duplicated.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { connect, sleep, spawnBroker, tempDir, type ChildBroker } from './helpers';

const TOTAL = 10_000;

function body(i: number): Buffer {
  const payload = `msg-${i}-${'x'.repeat(i % 700)}`;
  const sum = createHash('sha256').update(payload).digest('hex').slice(0, 16);
  return Buffer.from(`${sum}|${payload}`);
}

function intact(buf: Buffer): number | null {
  const s = buf.toString();
  const bar = s.indexOf('|');
  const payload = s.slice(bar + 1);
  if (createHash('sha256').update(payload).digest('hex').slice(0, 16) !== s.slice(0, bar)) return null;
  return Number(payload.split('-')[1]);
}

describe('broker crash (kill -9) keeps every confirmed message', { timeout: 120_000 }, () => {
  const dir = tempDir('crash');
  let child: ChildBroker | null = null;
  after(async () => {
    await child?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('recovers all confirmed messages after SIGKILL mid-publish', async () => {
    child = await spawnBroker(dir, 0, undefined, [], { warmUp: false });
    const c = await connect(child.port);
    const ch = await c.createConfirmChannel();
    ch.on('error', () => {});
    await ch.assertQueue('crash', { durable: true });
    const confirmed = new Set<number>();
    // Kill somewhere between 20% and 80% of the confirmed stream.
    const killAt = Math.floor(TOTAL * (0.2 + Math.random() * 0.6));
    let killed = false;
    const done = new Promise<void>((resolve) => {
      let i = 0;
      let outstanding = 0;
      // Keep up to 1,000 unconfirmed publishes in flight, so the kill lands mid-stream.
      const pump = () => {
        while (i < TOTAL && !killed && outstanding < 1000) {
          const n = i++;
          outstanding++;
          ch.publish('', 'crash', body(n), { persistent: true }, (err) => {
            outstanding--;
            if (!err) confirmed.add(n);
            if (!killed && confirmed.size >= killAt) {
              killed = true;
              void child!.kill('SIGKILL').then(resolve);
            } else if (!killed) pump();
          });
        }
      };
      pump();
    });
    await done;
    assert.ok(confirmed.size >= killAt, 'the kill happened after the planned number of confirms');
    await sleep(100);
    child = await spawnBroker(dir, 0, undefined, [], { warmUp: false });
    const c2 = await connect(child.port);
    const ch2 = await c2.createChannel();
    const q = await ch2.checkQueue('crash');
    const seen = new Set<number>();
    let corrupt = 0;
    await new Promise<void>((resolve) => {
      let got = 0;
      void ch2.consume(
        'crash',
        (m) => {
          const n = intact(m!.content);
          if (n === null) corrupt++;
          else {
            assert.ok(!seen.has(n), `message ${n} delivered twice`);
            seen.add(n);
          }
          if (++got === q.messageCount) resolve();
        },
        { noAck: true },
      );
      if (q.messageCount === 0) resolve();
    });
    assert.equal(corrupt, 0, 'no corrupted message bodies');
    const missing = [...confirmed].filter((n) => !seen.has(n));
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} confirmed messages lost (of ${confirmed.size})`);
    assert.ok(seen.size >= confirmed.size);
    await c2.close();
  });
});
