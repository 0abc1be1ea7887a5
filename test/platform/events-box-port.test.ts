// The platform's §6 report paths (/record, /deviceStatus, /deviceInfo) on the box port under
// hostile requests, against the in-process platform: while 200 slow partial requests
// (slowloris-like: headers or a body trickled a byte a second, with the box's token, a wrong one
// or none) are open, every bad report — wrong or missing token, another box's token, malformed
// or empty JSON, a body over the limit declared up front or streamed chunked — gets its §8
// envelope at once, and real reports of another box (and the status of the slow box itself) are
// stored; the slow box's own event uploads get 503 "busy" while its three slots are held
// (it retries), and 200 again once the server has dropped the slow requests (its request
// timeout, 15 s, checked every 30 s). Nothing of the junk is stored and the server still serves.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { http, startPlatform, until, type Harness, type Reply } from './harness';

const MIB = 1024 * 1024;
const PATHS = ['/record', '/deviceStatus', '/deviceInfo'] as const;
const LIMIT: Record<(typeof PATHS)[number], number> = { '/record': 24 * MIB, '/deviceStatus': MIB, '/deviceInfo': MIB };

interface Slow {
  what: string;
  socket: Socket;
  answer: string;
  closed: boolean;
}

/** A request whose head is sent and whose rest trickles a byte a second until the server answers or closes. */
function slow(port: number, what: string, head: string): Slow {
  const s: Slow = { what, socket: connect(port, '127.0.0.1'), answer: '', closed: false };
  const trickle = setInterval(() => {
    if (!s.socket.destroyed && !s.socket.writableEnded) s.socket.write(' ');
  }, 1000);
  s.socket.on('data', (d) => (s.answer += d.toString('latin1')));
  s.socket.on('error', () => undefined);
  s.socket.on('close', () => {
    clearInterval(trickle);
    s.closed = true;
  });
  s.socket.write(head);
  return s;
}

/** Sends raw bytes and returns the first HTTP answer (or null when the connection closed without one). */
function raw(port: number, bytes: string | Buffer, end = false): Promise<{ status: number | null; body: string }> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      sock.destroy();
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(got);
      resolve({ status: m ? Number(m[1]) : null, body: got.slice(got.indexOf('\r\n\r\n') + 4) });
    };
    sock.on('data', (d) => {
      got += d.toString('latin1');
      const head = got.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(got.slice(0, head));
      if (head >= 0 && len && got.length >= head + 4 + Number(len[1])) done();
    });
    sock.on('error', done);
    sock.on('close', done);
    sock.write(bytes, () => end && sock.end());
  });
}

describe('box port: the report paths under slow, oversized and malformed requests', () => {
  let h: Harness;
  let port: number;
  const boxes: Record<'a' | 'b', { devSno: string; token: string; q: string }> = {} as never;
  before(async () => {
    h = await startPlatform({ autoSync: false });
    port = h.platform.boxPort;
    for (const [k, mac] of [['a', '0xe0a50900a001'], ['b', '0xe0a50900b002']] as const) {
      const devSno = (await h.platform.addDevice(`box ${k}`)).devSno;
      const r = await http(`${h.base}/login?dev_sno=${devSno}&hex_mac=${mac}`);
      assert.equal(r.status, 200, r.body.toString());
      const token = r.json().token as string;
      boxes[k] = { devSno, token, q: `dev_sno=${devSno}&token=${encodeURIComponent(token)}` };
    }
  });
  after(async () => h?.close());

  const post = (path: string, q: string, body: string | Buffer) => http(`${h.base}${path}?${q}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  function envelope(r: Reply | { status: number | null; body: string }, status: number, code: number, message: RegExp, what: string) {
    assert.equal(r.status, status, `${what}: ${r.status} ${r.body.toString()}`);
    const e = JSON.parse(r.body.toString()).error;
    assert.equal(e.code, code, what);
    assert.match(e.message, message, what);
    assert.equal(typeof e.status, 'string', what);
  }
  const ok = (r: Reply, what: string) => {
    assert.equal(r.status, 200, `${what}: ${r.status} ${r.body.toString()}`);
    assert.deepEqual(r.json(), { status: 0, message: 'ok', data: null }, what);
  };
  const event = (devSno: string, id: string) => JSON.stringify({ identity_id: 'p1', timestamp: Date.now(), score: 0.8, ext_data: { event_id: id, ep_id: `${devSno}__10.0.0.1`, device_ip: '10.0.0.1' } });
  const status = (devSno: string, ips: string[]) =>
    JSON.stringify({ dev_sno: devSno, gateway_ext_data: { cpu_usage: 7, memory_size: 2, memory_usage: 0.4, disk_size: 16, disk_free_size: 12 }, sub_devices: ips.map((ip) => ({ ep_id: `${devSno}__${ip}`, ep_ip: ip, ep_name: ip, ep_status: 'online', ep_type: '1' })) });
  const info = (ip: string) => JSON.stringify({ actionType: 1, deviceInfo: { epIp: ip, epName: 'cam', epStatus: '1', epType: '1' } });

  it('200 slow requests hold no one else up; bad reports get their envelope at once; nothing of them is stored', async () => {
    const a = boxes.a;
    const b = boxes.b;
    // 1. the slow ones: a partial body with a's token, with a wrong one and with none; a trickled head
    const slows: Slow[] = [];
    for (let i = 0; i < 15; i++) {
      for (const path of PATHS) {
        for (const [who, q] of [['token', a.q], ['wrong token', `dev_sno=${a.devSno}&token=nope`], ['no token', '']] as const) {
          slows.push(slow(port, `${path} ${who}`, `POST ${path}?${q} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"ext_data":`));
        }
      }
    }
    for (let i = 0; i < 65; i++) slows.push(slow(port, `${PATHS[i % 3]} head`, `POST ${PATHS[i % 3]}?${a.q} HTTP/1.1\r\nHost: x\r\nX-Slow-${i}:`));
    assert.equal(slows.length, 200);
    // without a valid token no body is waited for: 401 at once (the trickle goes on)
    await until('the 401s of the unauthenticated slow requests', () => slows.filter((s) => /wrong token|no token/.test(s.what)).every((s) => /^HTTP\/1\.1 401 /.test(s.answer)), 15_000);
    // a's event uploads beyond its three slots: 503 busy at once
    await until('the slow record uploads beyond the slots are told to retry', () => slows.filter((s) => s.what === '/record token' && /^HTTP\/1\.1 503 /.test(s.answer)).length === 12, 15_000);

    // 2. meanwhile, real reports: b's all stored, a's status too; a's events are busy (it retries)
    ok(await post('/record', b.q, event(b.devSno, 'b-1')), 'b event');
    ok(await post('/deviceStatus', b.q, status(b.devSno, ['10.0.0.1'])), 'b status');
    ok(await post('/deviceInfo', b.q, info('10.0.0.2')), 'b capture device');
    ok(await post('/deviceStatus', a.q, status(a.devSno, ['10.0.0.9'])), 'a status');
    envelope(await post('/record', a.q, event(a.devSno, 'a-busy')), 503, 50072, /busy storing this box's events \(3 uploads at once\); send again shortly/, 'a event while its slots are held');

    // 3. bad reports, each path: the §8 envelope, at once
    for (const path of PATHS) {
      const body = path === '/record' ? event(b.devSno, 'junk') : path === '/deviceStatus' ? status(b.devSno, ['10.9.9.9']) : info('10.9.9.9');
      envelope(await post(path, '', body), 401, 40003, /dev_sno and token/, `${path} without a token`);
      envelope(await post(path, `dev_sno=${b.devSno}&token=wrong`, body), 401, 40003, /log in again/, `${path} wrong token`);
      envelope(await post(path, `dev_sno=${b.devSno}&token=${encodeURIComponent(a.token)}`, body), 401, 40003, /log in again/, `${path} another box's token`);
      envelope(await post(path, `dev_sno=${'Z'.repeat(65)}&token=x`, body), 401, 40003, /not valid/, `${path} an overlong dev_sno`);
      envelope(await post(path, b.q, body.slice(0, -1)), 400, 40091, /not valid JSON/, `${path} truncated JSON`);
      envelope(await post(path, b.q, '{"a":1}}'), 400, 40091, /not valid JSON/, `${path} trailing brace`);
      envelope(await post(path, b.q, Buffer.from([0xff, 0xfe, 0x7b, 0x00])), 400, 40091, /not valid JSON/, `${path} binary`);
      envelope(await post(path, b.q, '  '), 400, 40002, /empty/, `${path} empty`);
      envelope(await post(path, b.q, 'null'), 400, 40091, /./, `${path} null`);
      // over the limit, declared: refused from the head alone (no body sent)
      const declared = await raw(port, `POST ${path}?${b.q} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${LIMIT[path] + 1}\r\n\r\n`);
      envelope(declared, 413, 41300, new RegExp(`at most ${LIMIT[path]} are accepted`), `${path} declared oversize`);
      if (path !== '/record') {
        // over the limit, streamed without a length: refused once past it
        const chunk = Buffer.alloc(256 * 1024, 0x20);
        const parts = [Buffer.from(`POST ${path}?${b.q} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`)];
        for (let i = 0; i < 6; i++) parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
        parts.push(Buffer.from('0\r\n\r\n'));
        envelope(await raw(port, Buffer.concat(parts)), 413, 41300, new RegExp(`over ${LIMIT[path]} bytes`), `${path} streamed oversize`);
      }
    }
    // a's record body streamed past 24 MiB (3 slots held: still busy, and said so before reading it)
    envelope(await post('/record', a.q, Buffer.alloc(25 * MIB, 0x20)), 503, 50072, /busy/, 'a oversize while busy');

    // 4. the server drops the slow requests (an answer or a closed connection), none with a 2xx or a 5xx other than busy
    await until('every slow request answered or closed', () => slows.every((s) => s.closed || /^HTTP\/1\.1 [45]\d\d /.test(s.answer)), 60_000);
    for (const s of slows) {
      const st = /^HTTP\/1\.1 (\d{3}) /.exec(s.answer)?.[1];
      if (st) assert.ok(/^4/.test(st) || (st === '503' && s.what === '/record token'), `${s.what}: ${s.answer.slice(0, 120)}`);
    }
    for (const s of slows) s.socket.destroy();

    // 5. what is stored: b's event, both statuses, b's capture device; none of the junk
    ok(await post('/record', a.q, event(a.devSno, 'a-after')), 'a event after the slow ones are gone');
    const ev = h.platform.events!;
    assert.deepEqual((await ev.list({})).events.map((e) => e.id).sort(), ['a-after', 'b-1']);
    const st = new Map((await ev.devicesStatus()).map((d) => [d.devSno, d]));
    assert.deepEqual(st.get(b.devSno)!.captureDevices.map((c) => c.epIp), ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual(st.get(a.devSno)!.captureDevices.map((c) => c.epIp), ['10.0.0.9']);
    assert.equal(st.get(a.devSno)!.latest!.cpuUsage, 7);
    const r = await http(`${h.base}/login?dev_sno=${a.devSno}&hex_mac=0xe0a50900a001`);
    assert.equal(r.status, 200, 'still serving logins');
  });
});
