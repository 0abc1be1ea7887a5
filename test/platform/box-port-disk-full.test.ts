// The box port when the platform's disk fills up (a 12 MiB tmpfs in a private mount namespace,
// when this runs as root; skipped otherwise): event uploads with pictures until the disk is
// full. Each answer is a 200 or a 507 saying the disk is full (never a bare internal error),
// every event acknowledged with 200 is stored, the platform keeps answering, and it closes.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { http } from './harness';

test('disk full: 507 saying so, every acknowledged event stored, the platform keeps answering', { timeout: 120_000 }, async (t) => {
  if (process.getuid?.() !== 0 || spawnSync('unshare', ['-m', 'true']).status !== 0) return void t.skip('needs root and unshare for a private tmpfs');
  const mnt = mkdtempSync(join(tmpdir(), 'se3-platform-full-'));
  const child = spawn('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=12m se3-test "$1" && shift && TMPDIR="$0" exec "$@"', mnt, mnt, process.execPath, '--import', 'tsx', join(import.meta.dirname, 'disk-full-child.ts')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const l = await lines.next();
    if (l.done) throw new Error(`the platform child ended:\n${err.slice(-3000)}`);
    return JSON.parse(l.value);
  };
  try {
    const { base, devSno, q } = await next();
    const jpg = readFileSync(join(import.meta.dirname, '../../../shared/fixtures/faces/obama-1080p.jpg'));
    const acked: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 80; i++) {
      const pic = Buffer.concat([jpg, Buffer.from(String(i))]).toString('base64'); // a new picture each time
      const body = JSON.stringify({ identity_id: 'p1', timestamp: Date.now(), score: 0.8, ext_data: { event_id: `e${i}`, ep_id: `${devSno}__10.0.0.1`, device_ip: '10.0.0.1', spot_pic: pic } });
      const r = await http(`${base}/record?${q}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status === 200) acked.push(`e${i}`);
      else {
        assert.equal(r.status, 507, r.body.toString());
        assert.match(r.json().error.message, /the platform's disk is full: this request was not taken; send it again later/);
      }
    }
    t.diagnostic(`statuses: ${JSON.stringify([...statuses])}`);
    assert.ok((statuses.get(200) ?? 0) > 0 && (statuses.get(507) ?? 0) > 0, `some taken, then the disk full: ${JSON.stringify([...statuses])}`);
    const status = await http(`${base}/deviceStatus?${q}`, { method: 'POST', body: JSON.stringify({ dev_sno: devSno, gateway_ext_data: {}, sub_devices: [] }), headers: { 'content-type': 'application/json' } });
    assert.ok(status.status === 200 || status.status === 507, `${status.status} ${status.body.toString()}`);
    child.stdin!.write('list\n');
    const stored: string[] = await next();
    assert.deepEqual(acked.filter((id) => !stored.includes(id)), [], 'every acknowledged event is stored');
    child.stdin!.write('close\n');
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, 0, err.slice(-2000));
  } finally {
    child.kill('SIGKILL');
    rmSync(mnt, { recursive: true, force: true });
  }
});
