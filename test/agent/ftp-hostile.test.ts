// The agent's snapshot FTP server (port 2121) as a LAN attacker or a failing camera would use
// it, against the real FTP server and spool in a child process (ftp-spool-child.ts), one data
// folder throughout:
// - one address holds at most 16 control connections: the 17th gets a 421 saying so and is
//   closed, another address (127.0.0.2) is still greeted, and uploads go on;
// - wrong passwords from one address: after 5 in a row its next login (even the right one) is
//   refused unchecked with a 530 saying how long to wait, 1 s, then 2 s; another address logs in
//   meanwhile; once the wait is over the right password logs in and clears the count;
// - hostile file names (../, absolute, backslashes, NUL, 300 bytes, the reserved in-progress
//   prefix, none, a missing sub-folder): each is refused with a 550 saying why, or stays
//   inside the camera's own spool folder; the server keeps taking uploads;
// - a data connection reset mid-upload leaves nothing, and nothing is recognised;
// - the agent killed with SIGKILL mid-upload: after the restart the cut-short picture is not
//   recognised as if it were whole, and no trace of it stays on disk;
// - the disk full mid-upload (a 256 KiB tmpfs in a private mount namespace, when this runs as
//   root): a 550 saying so, the partial file removed, later uploads taken once there is room.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { ftpLogin, ftpStor } from './recog-fixture';

interface Child {
  proc: ChildProcess;
  port: number;
  out: () => string;
}

let dir: string;
let child: Child;

/** Starts the FTP child on `dataDir`; with `tmpfs`, on a tmpfs of that size mounted there in a mount namespace of its own. */
async function startChild(dataDir = dir, tmpfs?: string): Promise<Child> {
  const node = [process.execPath, '--import', 'tsx', join(import.meta.dirname, 'ftp-spool-child.ts'), dataDir];
  const [cmd, ...args] = tmpfs ? ['unshare', '-m', 'sh', '-c', `mount -t tmpfs -o size=${tmpfs} se3-test "$1" && shift && exec "$@"`, 'sh', dataDir, ...node] : node;
  const proc = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`FTP child did not listen within 30 s:\n${out}`)), 30_000);
    proc.stdout!.on('data', () => {
      const m = /^ftp (\d+)$/m.exec(out);
      if (m) resolve((clearTimeout(timer), Number(m[1])));
    });
    proc.once('exit', () => reject((clearTimeout(timer), new Error(`FTP child exited:\n${out}`))));
  });
  return { proc, port, out: () => out };
}

async function kill9(c: Child): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  const exited = new Promise((r) => c.proc.once('exit', r));
  c.proc.kill('SIGKILL');
  await exited;
}

const processed = (c: Child) => [...c.out().matchAll(/^processed (\S+) (\d+) ([0-9a-f]{64})$/gm)].map((m) => ({ user: m[1], size: Number(m[2]), sha: m[3] }));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const spoolFiles = (d = dir) => readdirSync(join(d, 'spool', 'cam1'));
/** Every file under the data folder (relative), to show nothing was written outside the spool. */
function allFiles(d = dir, rel = ''): string[] {
  return readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? allFiles(join(d, n), `${rel}${n}/`) : [`${rel}${n}`]));
}

async function waitFor(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${child.out().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitForAsync(what: string, cond: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A whole upload; returns the final reply. */
async function upload(name: string | Buffer, data: Buffer): Promise<string> {
  const { c, sock, pass } = await ftpLogin(child.port, 'cam1', 'pw1');
  try {
    assert.match(pass, /^230/);
    const s = await ftpStor(c, name);
    if ('refused' in s) return s.refused;
    await new Promise<void>((r) => s.data.end(data, () => r()));
    return await c.reply();
  } finally {
    sock.destroy();
  }
}

/** Uploads a whole picture and waits until the spool has recognised it. */
async function uploadAndProcess(name: string, data: Buffer): Promise<void> {
  const n = processed(child).length;
  assert.match(await upload(name, data), /^226/, name);
  await waitFor(`${name} recognised`, () => processed(child).length > n);
  assert.deepEqual(processed(child).at(-1), { user: 'cam1', size: data.length, sha: sha(data) }, name);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'se3-ftp-hostile-'));
  child = await startChild();
});
after(async () => {
  if (child) await kill9(child);
  rmSync(dir, { recursive: true, force: true });
});

/** Connects from `localAddress` and resolves with what the server sends until `until` matches or it closes. */
function firstReply(localAddress: string): Promise<{ text: string; socket: Socket }> {
  return new Promise((resolve) => {
    const socket = connect({ port: child.port, host: '127.0.0.1', localAddress });
    let text = '';
    socket.on('error', () => undefined);
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (text.includes('\r\n')) resolve({ text, socket });
    });
    socket.on('close', () => resolve({ text, socket }));
  });
}

test('one address holds at most 16 FTP connections: the next gets a 421; another address is greeted', { timeout: 60_000 }, async () => {
  const held = await Promise.all(Array.from({ length: 16 }, () => firstReply('127.0.0.1')));
  try {
    for (const h of held) assert.match(h.text, /^220[- ]/);
    const refused = await firstReply('127.0.0.1');
    assert.match(refused.text, /^421 too many connections from 127\.0\.0\.1 \(16 at once\)/, refused.text);
    await new Promise((r) => (refused.socket.closed ? r(null) : refused.socket.once('close', r)));
    const other = await firstReply('127.0.0.2');
    assert.match(other.text, /^220[- ]/, other.text);
    other.socket.destroy();
  } finally {
    for (const h of held) h.socket.destroy();
  }
  // once the server has seen them close, this address is greeted again
  await waitForAsync('127.0.0.1 greeted again', async () => {
    const again = await firstReply('127.0.0.1');
    again.socket.destroy();
    return /^220[- ]/.test(again.text);
  });
  await uploadAndProcess('after-flood.jpg', randomBytes(10_000));
  assert.doesNotMatch(child.out(), /Uncaught|TypeError|write after end/i);
});

test('failed logins: after 5 wrong passwords an address waits 1 s, then 2 s, before a login is checked; others are not held up', { timeout: 60_000 }, async () => {
  const attempt = async (password: string, from: string) => {
    const { sock, pass } = await ftpLogin(child.port, 'cam1', password, from);
    sock.destroy();
    return pass;
  };
  for (let i = 0; i < 5; i++) assert.match(await attempt('wrong', '127.0.0.4'), /^530 unknown user or wrong password/, `free failure ${i + 1}`);
  assert.match(await attempt('wrong', '127.0.0.4'), /^530 unknown user or wrong password/, 'the 6th is still checked');
  // now 1 s: even the right password is refused unchecked, and says so
  assert.match(await attempt('pw1', '127.0.0.4'), /^530 too many failed logins from 127\.0\.0\.4; try again in 1 s/);
  assert.match(await attempt('pw1', '127.0.0.5'), /^230/, 'another address logs in meanwhile');
  await new Promise((r) => setTimeout(r, 1100));
  assert.match(await attempt('wrong', '127.0.0.4'), /^530 unknown user or wrong password/, 'checked again once the wait is over');
  assert.match(await attempt('pw1', '127.0.0.4'), /^530 too many failed logins from 127\.0\.0\.4; try again in 2 s/, 'the next wait doubles');
  await new Promise((r) => setTimeout(r, 2100));
  assert.match(await attempt('pw1', '127.0.0.4'), /^230/, 'the right password logs in after the wait');
  // a success clears the count: five free failures again
  for (let i = 0; i < 5; i++) assert.match(await attempt('wrong', '127.0.0.4'), /^530 unknown user or wrong password/, `free failure ${i + 1} after a success`);
  assert.match(await attempt('pw1', '127.0.0.4'), /^230/);
  // one log line per checked refusal, none per unchecked one
  assert.equal(child.out().match(/refused login as "cam1" from 127\.0\.0\.4/g)?.length, 12);
  assert.doesNotMatch(child.out(), /log ftp: too many failed logins/);
});

test('hostile file names are refused with a reason or kept in the camera folder; the server keeps taking uploads', { timeout: 60_000 }, async () => {
  const pic = randomBytes(20_000);
  const refusals: Array<[string | Buffer, RegExp]> = [
    [Buffer.from('a\0b.jpg'), /NUL/],
    ['x'.repeat(300), /300 bytes; at most 255/],
    ['.partial-1234', /reserved for uploads in progress/],
    ['/', /file name/],
    ['no/such/folder.jpg', /ENOENT|no such file/i],
  ];
  for (const [name, why] of refusals) {
    const reply = await upload(name, pic);
    assert.match(reply, /^55\d /, `${String(name).slice(0, 40)}: ${reply}`);
    assert.match(reply, why, String(name).slice(0, 40));
  }
  // traversal: confined to the camera's folder (ftp-srv resolves against its root)
  for (const name of ['../../escape1.jpg', '/../../../escape2.jpg', '..\\..\\escape3.jpg', '/etc/escape4.jpg']) {
    const reply = await upload(name, pic);
    assert.ok(/^226 /.test(reply) || /^55\d /.test(reply), `${name}: ${reply}`);
  }
  await uploadAndProcess('good.jpg', randomBytes(50_000));
  await waitFor('the spool emptied', () => spoolFiles().length === 0);
  assert.deepEqual(allFiles().filter((f) => !f.startsWith('spool/cam1/')), [], 'nothing outside the camera folder');
  assert.doesNotMatch(child.out(), /Uncaught|TypeError|RangeError/);
});

test('a data connection reset mid-upload leaves no file and nothing is recognised', { timeout: 60_000 }, async () => {
  const n = processed(child).length;
  const { c, sock } = await ftpLogin(child.port, 'cam1', 'pw1');
  const s = await ftpStor(c, 'reset.jpg');
  assert.ok('data' in s);
  s.data.write(randomBytes(64 * 1024));
  await waitFor('the partial upload on disk', () => spoolFiles().some((f) => statSync(join(dir, 'spool', 'cam1', f)).size > 0));
  s.data.resetAndDestroy();
  assert.match(await c.reply(), /^(426|550) /);
  sock.destroy();
  await waitFor('the partial file removed', () => spoolFiles().length === 0);
  await uploadAndProcess('after-reset.jpg', randomBytes(30_000));
  assert.equal(processed(child).length, n + 1, 'only the whole picture was recognised');
});

test('kill -9 mid-upload: after the restart the cut-short picture is neither recognised nor left on disk', { timeout: 60_000 }, async () => {
  const whole = randomBytes(200_000);
  const { c } = await ftpLogin(child.port, 'cam1', 'pw1');
  const s = await ftpStor(c, 'snap.jpg');
  assert.ok('data' in s);
  s.data.write(whole.subarray(0, 100_000));
  await waitFor('the first half on disk', () => spoolFiles().some((f) => statSync(join(dir, 'spool', 'cam1', f)).size >= 100_000));
  await kill9(child);
  s.data.destroy();
  c.sock.destroy();

  child = await startChild();
  // the spool recognises oldest first, one at a time: anything recovered would come before this
  await uploadAndProcess('after-restart.jpg', whole);
  assert.deepEqual(processed(child).map((p) => p.size), [whole.length], 'only the whole picture after the restart');
  assert.match(child.out(), /removed 1 upload\(s\) cut short/);
  await waitFor('the spool emptied', () => spoolFiles().length === 0);
});

test('disk full mid-upload: a 550 saying so, no partial file left, the next upload taken', { timeout: 60_000 }, async (t) => {
  const canMount = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;
  if (!canMount) return void t.skip('needs root and unshare for a private tmpfs');
  const full = mkdtempSync(join(tmpdir(), 'se3-ftp-full-'));
  const first = child;
  try {
    child = await startChild(full, '256k');
    // the spool folder lives only inside the child's mount namespace: ask the child's view
    const inChild = () => readdirSync(`/proc/${child.proc.pid}/root${join(full, 'spool', 'cam1')}`);
    const reply = await upload('big.jpg', randomBytes(600_000));
    assert.match(reply, /^550 .*ENOSPC|no space/i, reply);
    await waitFor('the partial file removed', () => inChild().length === 0);
    assert.match(child.out(), /big\.jpg: the transfer failed .*partial file removed/);
    await uploadAndProcess('small.jpg', randomBytes(50_000));
    await waitFor('the spool emptied', () => inChild().length === 0);
  } finally {
    await kill9(child);
    child = first;
    rmSync(full, { recursive: true, force: true });
  }
});
