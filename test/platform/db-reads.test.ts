// The platform's reads see only committed states: while multi-statement writes run (a person
// update that replaces the group memberships, a sync batch that records a command and its
// people, a batch of results applied one person at a time), admin reads polled in a tight loop
// (getPerson, listPeople, listGroups, syncSummary) must each show a state that existed between
// two transactions — never one half applied, never one read that mixes two commits.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FACES_DIR } from '../fiqa/fixtures';
import { http, pollWhile, startPlatform, type Harness } from './harness';

describe('platform reads during writes', () => {
  let h: Harness;
  const photo = readFileSync(join(FACES_DIR, 'obama.jpg'));
  before(async () => {
    h = await startPlatform({ autoSync: false });
    await h.platform.setSettings({ resultsMode: 'notify' });
    for (const g of ['a', 'b', 'c', 'd', 'batch']) await h.platform.addGroup(g);
  });
  after(async () => h?.close());

  it('a person whose groups are replaced is never seen half updated', async () => {
    await h.platform.savePerson({ id: 'p1', name: 'v0', groups: ['a', 'b'] }, { update: false });
    const expected = (name: string) => (Number(name.slice(1)) % 2 ? ['c', 'd'] : ['a', 'b']);
    const r = await pollWhile(
      async () => {
        for (let i = 1; i <= 150; i++) await h.platform.savePerson({ id: 'p1', name: `v${i}`, groups: i % 2 ? ['c', 'd'] : ['a', 'b'] }, { update: true });
      },
      async () => {
        const p = await h.platform.getPerson('p1');
        if (p.groups.join() !== expected(p.name).join()) return `getPerson: ${p.name} with groups [${p.groups}]`;
        const l = await h.platform.listPeople({ search: 'p1' });
        const q = l.people[0]!;
        if (q.groups.join() !== expected(q.name).join()) return `listPeople: ${q.name} with groups [${q.groups}]`;
        const members = (await h.platform.listGroups()).filter((g) => 'abcd'.includes(g.name)).reduce((n, g) => n + g.members, 0);
        if (members !== 2) return `listGroups: ${members} memberships (2 at every commit)`;
        return null;
      },
    );
    assert.deepEqual(r.bad, [], `${r.bad.length} of ${r.reads} reads saw a half-written update`);
    assert.ok(r.reads >= 20, `only ${r.reads} reads ran during the updates`);
    assert.deepEqual((await h.platform.getPerson('p1')).groups, ['a', 'b']);
  });

  // before the fix the sync under this polling did not finish at all (the writer's statements queued behind the reads on the one connection): the timeout makes that a failure
  it('a sync batch and a batch of results are seen all or nothing', { timeout: 120_000 }, async () => {
    const N = 24;
    const ids = Array.from({ length: N }, (_, i) => `b${String(i).padStart(2, '0')}`);
    const dev = await h.platform.addDevice('batch box');
    await h.platform.assign(dev.devSno, 'batch');
    for (const id of ids) await h.platform.savePerson({ id, name: id, groups: ['batch'] }, { update: false, photos: [photo] });
    const login = await http(`${h.base}/login?dev_sno=${dev.devSno}&hex_mac=0x0000000000b1`);
    const token = login.json().token as string;

    // every person of the batch in the same state, and the box's counts one of the committed ones
    const check = (states: string[]) => async () => {
      const l = await h.platform.listPeople({ group: 'batch', limit: 1000 });
      const seen = new Set(l.people.map((p) => p.boxes.find((b) => b.devSno === dev.devSno)?.state ?? 'none'));
      if (seen.size !== 1) return `listPeople: the batch's people in states ${[...seen].sort().join(', ')}`;
      const counts = (await h.platform.syncSummary()).find((s) => s.devSno === dev.devSno)!.counts;
      const ok = states.some((s) => (s === 'none' ? Object.keys(counts).length === 1 : counts[s] === N && Object.keys(counts).length === 2));
      if (!ok) return `syncSummary: ${JSON.stringify(counts)}`;
      return null;
    };

    let reports: Awaited<ReturnType<typeof h.platform.sync>> = [];
    const sent = await pollWhile(async () => {
      reports = await h.platform.sync(dev.devSno);
    }, check(['none', 'pending']));
    assert.equal(reports[0]?.error, null);
    assert.equal(reports[0]?.added, N);
    assert.deepEqual(sent.bad, [], `${sent.bad.length} of ${sent.reads} reads saw a half-recorded sync batch`);

    const messageId = await h.platformDbCommand(dev.devSno);
    const result = {
      success: true,
      code: 0,
      message: 'ok',
      dev_sno: dev.devSno,
      messageKey: 'add_users_plus',
      messageId,
      result: { success_users: ids.map((id) => ({ userid: id, username: id, message: 'ok', code: 0 })), failed_users: [] },
    };
    const applied = await pollWhile(async () => {
      const r = await http(`${h.base}/notify?dev_sno=${dev.devSno}&token=${token}`, {
        method: 'POST',
        body: JSON.stringify(result),
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(r.status, 200);
    }, check(['pending', 'enrolled']));
    assert.deepEqual(applied.bad, [], `${applied.bad.length} of ${applied.reads} reads saw a half-applied batch of results`);
    for (const id of ids) assert.equal((await h.platform.getPerson(id)).boxes[0]?.state, 'enrolled');
  });
});
