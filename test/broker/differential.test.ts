// The same client scenarios against a private RabbitMQ and the embedded broker: what the
// client observes (deliveries and order, redelivered flags, counts, reply codes) must match.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBroker, type Broker } from '../../electron/broker/index';
import { requireComponent } from '../helpers/components';
import { RABBITMQ_SERVER, startRabbitMQ, type RabbitMQ } from '../helpers/rabbitmq';
import { scenarios } from './scenarios';

describe('embedded broker vs RabbitMQ (differential)', { timeout: 420_000 }, () => {
  let rabbit: RabbitMQ | null = null;
  let broker: Broker | null = null;
  let dir = '';
  let skip = false;

  before(async (t) => {
    if (!requireComponent(t as never, 'rabbitmq-server', { file: RABBITMQ_SERVER })) {
      skip = true;
      return;
    }
    dir = mkdtempSync(join(tmpdir(), 'se3-broker-diff-'));
    [rabbit, broker] = await Promise.all([
      startRabbitMQ({ timeoutMs: 180_000 }),
      startBroker({ port: 0, dataDir: dir, users: [{ name: 'test', password: 'test' }] }),
    ]);
  });

  after(async () => {
    await broker?.close();
    await rabbit?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, run] of Object.entries(scenarios)) {
    it(name, async (t) => {
      if (skip) return t.skip('rabbitmq-server missing');
      const id = `d${Math.random().toString(36).slice(2, 8)}`;
      const expected = await run(rabbit!.url, id);
      const actual = await run(`amqp://test:test@127.0.0.1:${broker!.port}`, id);
      assert.deepEqual(actual, expected, `embedded broker differs from RabbitMQ in "${name}"`);
    });
  }
});
