// Crash safety around segment rolls (electron/broker/store/segment-roll.ts): a broker child with
// 128 KiB segments (a roll every ~100 messages, so the next segment is being prepared, just
// switched to, or its predecessor still being synced on the pool at almost any moment) gets
// persistent messages pipelined on one channel and one at a time on another, and is killed with
// SIGKILL at a random moment; this three times, publishing going on after each restart. At the end
// every confirmed message is there, intact, once.
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ConfirmChannel } from 'amqplib';
import { checkedBody, checkedIndex, connect, sleep, spawnBroker, tempDir, type ChildBroker } from './helpers';

const SEGMENT = 128 * 1024;
const body = (i: number) => checkedBody('roll', i, 'r'.repeat(800 + (i % 600)));

describe('broker crash (kill -9) around segment rolls', { timeout: 180_000 }, () => {
  const data = tempDir('crash-roll');
  let child: ChildBroker | null = null;
  after(async () => {
    await child?.kill();
    rmSync(data, { recursive: true, force: true });
  });

  it('keeps every confirmed message through three kills at random moments', async () => {
    const confirmed = new Set<number>();
    let next = 0;
    const kills: number[] = [];
    for (let round = 0; round < 3; round++) {
      child = await spawnBroker(data, 0, undefined, [], { warmUp: false, segmentBytes: SEGMENT });
      const c = await connect(child.port);
      const piped = await c.createConfirmChannel();
      const single = await c.createConfirmChannel();
      piped.on('error', () => {});
      single.on('error', () => {});
      await piped.assertQueue('roll', { durable: true });
      assert.ok((await piped.checkQueue('roll')).messageCount >= confirmed.size, 'every message confirmed before the kill is back');
      let stop = false;
      const pipeline = async (ch: ConfirmChannel) => {
        let inFlight = 0;
        while (!stop) {
          const i = next++;
          inFlight++;
          ch.sendToQueue('roll', body(i), { persistent: true }, (err) => {
            inFlight--;
            if (!err) confirmed.add(i);
          });
          if (inFlight >= 200) await new Promise((r) => setImmediate(r));
          if (i % 50 === 0) await new Promise((r) => setImmediate(r));
        }
      };
      const oneAtATime = async (ch: ConfirmChannel) => {
        while (!stop) {
          const i = next++;
          const ok = await new Promise<boolean>((res) => ch.sendToQueue('roll', body(i), { persistent: true }, (err) => res(!err)));
          if (ok) confirmed.add(i);
        }
      };
      const running = [pipeline(piped).catch(() => {}), oneAtATime(single).catch(() => {})];
      const at = 400 + Math.floor(Math.random() * 900);
      kills.push(at);
      await sleep(at);
      await child.kill('SIGKILL');
      stop = true;
      await Promise.all(running);
      child = null;
    }
    const segs = readdirSync(join(data, 'store')).filter((f) => f.endsWith('.log'));
    assert.ok(segs.length >= 6, `several rolls happened (${segs.length} segment files; kills at ${kills.join(', ')} ms)`);

    child = await spawnBroker(data, 0, undefined, [], { warmUp: false, segmentBytes: SEGMENT });
    const c = await connect(child.port);
    const rd = await c.createChannel();
    const seen = new Set<number>();
    for (let m = await rd.get('roll', { noAck: true }); m; m = await rd.get('roll', { noAck: true })) {
      const i = checkedIndex(m.content);
      assert.ok(i !== null, 'every message comes back intact');
      assert.ok(!seen.has(i), `message ${i} comes back once`);
      seen.add(i);
    }
    const lost = [...confirmed].filter((i) => !seen.has(i));
    assert.deepEqual(lost.slice(0, 10), [], `${lost.length} of ${confirmed.size} confirmed messages lost (kills at ${kills.join(', ')} ms)`);
    assert.ok(confirmed.size > 1000, `enough confirmed to span many rolls (${confirmed.size})`);
    await c.close();
  });
});
