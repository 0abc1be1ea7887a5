// A box whose token the platform no longer takes (the operator released its MAC on the Site page)
// logs in again by itself: its next report is answered 401, and the agent logs in, binds the code
// again and reports on. Before, it kept its dead token, showed "logged-in" and was refused every
// status period for ever. The platform service (1 s status period) and a real `se3kit agent`.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { health, put, startAgent, type AgentProc } from '../agent/link-fixture';
import { startPlatform, until, type Harness } from './harness';

const MAC = 'e0:a5:09:00:07:01';

describe('a box whose token the platform no longer takes logs in again', () => {
  let h: Harness;
  let agent: AgentProc;
  let devSno: string;
  before(async () => {
    h = await startPlatform({ events: { statusPeriodS: 1 } });
    devSno = (await h.platform.addDevice('gate')).devSno;
    agent = await startAgent(join(h.dir, 'agent'), ['--mac', MAC, '--ftp-port', '0']);
    await put(agent, 'DevSno', devSno);
    await put(agent, 'LoginUrl', `${h.base}/login`);
  });
  after(async () => {
    await agent?.kill();
    await h?.close();
  });

  const device = async () => (await h.platform.listDevices()).find((d) => d.devSno === devSno)!;
  const lastStatus = async () => (await h.platform.events!.devicesStatus()).find((d) => d.devSno === devSno)?.lastStatusAt ?? null;

  it('after its MAC is released, the next report gets 401 and the box logs in and reports again', { timeout: 60_000 }, async () => {
    await until('the box logged in and reporting', async () => (await device()).mac !== null && (await lastStatus()) !== null);
    await h.platform.releaseDevice(devSno);
    const released = Date.now();
    assert.equal((await device()).mac, null);

    await until('the box bound again by its own login', async () => (await device()).mac === MAC, 20_000);
    await until('status reports accepted again', async () => ((await lastStatus()) ?? 0) > released, 20_000);
    assert.match(agent.output(), /answered HTTP 401 \(the platform no longer takes this login's token\); logging in to/);
    const hl = await health(agent);
    assert.equal(hl.login.state, 'logged-in');
  });
});
