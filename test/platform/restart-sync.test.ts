// A change committed just before the site server dies (kill -9 mid-import: the rows are in
// platform.db, the automatic sync a second later never ran) reaches the boxes after the restart
// without an operator's sync and without the box logging in again. Platform service with the
// embedded broker; the box's command queue is looked at in the broker.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openAgentDb } from '../../agent/store/db';
import { startPlatform, until, type Harness } from './harness';
import { makePhoto } from './photos';

describe('platform restart: changes whose automatic sync never ran are sent at start', () => {
  let h: Harness;
  let devSno: string;
  before(async () => {
    h = await startPlatform();
    await h.platform.addGroup('staff');
    devSno = (await h.platform.addDevice('gate')).devSno;
    await h.platform.assign(devSno, 'staff');
    await until('the box provisioned', async () => (await h.platform.listDevices()).find((d) => d.brokerState === 'ready'));
  });
  after(async () => h?.close());

  it('sends the people committed before the stop once the platform is back', { timeout: 90_000 }, async () => {
    // committed, then the server goes away before its automatic sync (due a second later) runs
    await h.platform.savePerson({ id: 'ada', name: 'Ada', groups: ['staff'] }, { update: false, photos: [await makePhoto(0, false)] });
    await h.close({ keep: true });
    const db = await openAgentDb(h.dir, { file: 'platform.db' });
    const sent = await db.get<{ n: number }>("SELECT count(*) AS n FROM box_people WHERE person_id = 'ada'");
    await db.close();
    assert.equal(sent!.n, 0, 'nothing was sent before the stop');
    h = await startPlatform({}, { dir: h.dir, amqpPort: h.amqpPort });

    const p = await until('ada sent to the box', async () => (await h.platform.getPerson('ada')).boxes.find((b) => b.state === 'pending'), 20_000);
    assert.equal(p.devSno, devSno);
    // the command waits in the box's command queue: the box gets it when it connects
    const queued = await until('the command in the box queue', () =>
      h.broker.running()!.stats().queues.find((q) => q.vhost === 'se3' && q.name === `se3.${devSno}.cmd` && q.messages > 0),
    );
    assert.equal(queued.messages, 1);
  });

  it('re-sends at once the people a sync could not hand to the broker before the stop (unsent), not after the resend time', { timeout: 90_000 }, async () => {
    await h.close({ keep: true });
    // a box logging in while the broker was still starting: its sync found no broker (as the platform records it)
    const db = await openAgentDb(h.dir, { file: 'platform.db' });
    await db.run("UPDATE box_people SET state = 'unsent', message = 'not sent: the broker refused or is unreachable (connect ECONNREFUSED)', sent_at = ? WHERE person_id = 'ada'", [Date.now()]);
    await db.close();
    h = await startPlatform({}, { dir: h.dir, amqpPort: h.amqpPort });
    await until('ada sent again', async () => (await h.platform.getPerson('ada')).boxes.find((b) => b.state === 'pending'), 20_000);
  });
});
