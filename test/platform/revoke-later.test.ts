// A code disabled while the embedded broker is stopped cannot have its broker login revoked then
// (state "failed", saying so); once the broker runs again, the platform's retry timer revokes it
// without a platform restart, so the box's saved broker password stops working.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import { http, startPlatform, until, type Harness } from './harness';

describe('disabling a code while the broker is down', () => {
  let h: Harness;
  before(async () => {
    // resendAfterMs 10 s: the retry timer ticks every 5 s (its floor)
    h = await startPlatform({ autoSync: false, resendAfterMs: 10_000 });
  });
  after(async () => {
    await h?.close();
  });

  it('revokes the box broker login once the broker runs again', { timeout: 90_000 }, async () => {
    const dev = (await h.platform.addDevice('D')).devSno;
    const l = (await http(`${h.base}/login?dev_sno=${dev}&hex_mac=0x0000000000d1`)).json() as { rabbitmq: { login: string; password: string; port: number; vHost: string } };
    const url = `amqp://${encodeURIComponent(l.rabbitmq.login)}:${encodeURIComponent(l.rabbitmq.password)}@127.0.0.1:${l.rabbitmq.port}/${encodeURIComponent(l.rabbitmq.vHost)}`;
    const c = await amqp.connect(url); // the box's login works
    await c.close();
    await h.broker.stop();
    const disabled = await h.platform.setDeviceEnabled(dev, false);
    assert.equal(disabled.brokerState, 'failed');
    assert.match(disabled.brokerError ?? '', /could not be revoked yet/);
    await h.broker.start({ port: h.amqpPort, host: '127.0.0.1' });
    await until('revoked after the broker came back', async () => (await h.platform.listDevices()).find((d) => d.devSno === dev)!.brokerState === 'revoked', 30_000);
    await assert.rejects(amqp.connect(url), /ACCESS_REFUSED|403/);
  });
});
