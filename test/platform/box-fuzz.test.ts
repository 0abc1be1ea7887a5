// The box-facing port under a few thousand malformed requests (odd paths and methods, broken
// and oversized headers, truncated and wrong-length bodies, garbage bytes, bad JSON, with and
// without a valid token), sent raw over TCP from a seeded generator: every request gets an
// HTTP answer (a §8 envelope when it is an error) or a closed connection, never a 2xx for junk,
// never a hang; the server keeps serving real logins afterwards. The §6 report paths (events,
// device status, capture devices) are among them.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { http, startPlatform, type Harness } from './harness';
import { mulberry32 as prng } from '../helpers/random';

interface Answer {
  raw: Buffer;
  status: number | null;
  timedOut: boolean;
}

function rawRequest(port: number, bytes: Buffer, halfClose: boolean): Promise<Answer> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (timedOut: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const raw = Buffer.concat(chunks);
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(raw.subarray(0, 20).toString('latin1'));
      resolve({ raw, status: m ? Number(m[1]) : null, timedOut });
    };
    const timer = setTimeout(() => finish(true), 20_000);
    sock.on('data', (d) => {
      chunks.push(d);
      // one answer is enough: stop at the end of the first response's body
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(text.slice(0, head));
      if (head >= 0 && len && text.length >= head + 4 + Number(len[1])) finish(false);
    });
    sock.on('error', () => finish(false));
    sock.on('close', () => finish(false));
    sock.write(bytes, () => {
      if (halfClose) sock.end();
    });
  });
}

describe('box-facing port under malformed requests', () => {
  let h: Harness;
  let devSno: string;
  let token: string;
  before(async () => {
    h = await startPlatform({ autoSync: false });
    devSno = (await h.platform.addDevice('fuzz')).devSno;
    token = (await http(`${h.base}/login?dev_sno=${devSno}&hex_mac=0xe0a50900f022`)).json().token;
  });
  after(async () => h?.close());

  it('answers 3,000 malformed requests correctly and keeps serving', async () => {
    const rnd = prng(11);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const junk = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)));
    const auth = () => (rnd() < 0.5 ? `dev_sno=${devSno}&token=${token}` : pick(['', 'dev_sno=&token=', `dev_sno=${devSno}`, `token=${token}`, 'dev_sno=%zz&token=%', `dev_sno=${'A'.repeat(500)}&token=x`]));
    const paths = () =>
      pick([
        `/login?${pick(['', 'dev_sno=', `dev_sno=${devSno}&hex_mac=0xZZ`, 'hex_mac=0xe0a50900062b', `dev_sno=${devSno}&hex_mac=${'0'.repeat(5000)}`, 'dev_sno[]=1&hex_mac[]=2', '%%%'])}`,
        `/getSendPerson?${auth()}`,
        `/photo/${pick(['', '..%2f..%2fetc%2fpasswd', 'a'.repeat(64) + '.jpg', '0'.repeat(64), '../../platform.db'])}?${auth()}`,
        `/notify?${auth()}`,
        `/record?${auth()}`,
        `/deviceStatus?${auth()}`,
        `/deviceInfo?${auth()}`,
        pick(['/', '//', '/login/', '/LOGIN', '/getSendPerson/../login', '*', 'http://evil/login', '/%00', `/${'x'.repeat(3000)}`, '/\u00e9\u4e2d']),
      ]);
    const bodies = () =>
      pick([
        '',
        '{',
        '[]',
        'null',
        '"str"',
        '{"userid_list":null}',
        '{"userid_list":[1,2,3]}',
        `{"userid_list":[${Array.from({ length: 1200 }, (_, i) => `"u${i}"`).join(',')}]}`,
        '{"userid_list":["a"]}',
        '['.repeat(5000),
        '{"success":true,"code":0,"message":"ok","dev_sno":"x","messageKey":"add_users_plus","messageId":"nope","result":{}}',
        '{"__proto__":{"polluted":1},"messageId":{}}',
        junk(200).toString('latin1'),
        // §6 reports: events (one, a batch, too many), device status, capture devices
        `{"timestamp":${Date.now()},"identity_id":"u1","ext_data":{"spot_pic":"/9j/4AAQSkZJRgABAQ==","event_id":"../../x"}}`,
        '[{"timestamp":"soon"}]',
        `[${Array.from({ length: 101 }, (_, i) => `{"timestamp":${i}}`).join(',')}]`,
        '{"timestamp":1e400,"ext_data":[]}',
        '{"timestamp":-1,"score":"NaN","ext_data":{"box_fiqa_info":{"age":"x"}}}',
        '{"sub_devices":[null],"gateway_ext_data":1}',
        '{"gateway_ext_data":{"cpu_usage":"6.5"},"sub_devices":[{"ep_ip":"1.2.3.4","ep_status":7}]}',
        '{"actionType":1,"deviceInfo":{"epIp":"1.2.3.4","direction":"in"}}',
        '{"actionType":"2","deviceInfo":null}',
      ]);
    const counts = new Map<string, number>();
    const N = 3000;
    let next = 0;
    const failures: string[] = [];
    async function worker() {
      while (next < N) {
        const i = next++;
        const kind = Math.floor(rnd() * 8);
        let req: Buffer;
        let halfClose = true;
        const method = pick(['GET', 'POST', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'FOO', 'G E T']);
        const body = bodies();
        const type = pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', '', 'application/json; charset=utf-8']);
        const head = (extra = '', len = Buffer.byteLength(body, 'latin1')) =>
          `${method} ${paths()} HTTP/1.1\r\nHost: x\r\n${type ? `Content-Type: ${type}\r\n` : ''}Content-Length: ${len}\r\n${extra}\r\n`;
        switch (kind) {
          case 0: // well-formed HTTP, odd content
            req = Buffer.from(head() + body, 'latin1');
            break;
          case 1: // truncated body: fewer bytes than announced
            req = Buffer.from(head('', Buffer.byteLength(body) + 1 + Math.floor(rnd() * 1000)) + body, 'latin1');
            break;
          case 2: // more bytes than announced (a second, garbage request follows)
            req = Buffer.concat([Buffer.from(head('', 0), 'latin1'), junk(50)]);
            break;
          case 3: // huge announced length
            req = Buffer.from(head('', 50 * 1024 * 1024) + body.slice(0, 10), 'latin1');
            break;
          case 4: // garbage bytes
            req = junk(1 + Math.floor(rnd() * 400));
            break;
          case 5: // header section cut short, or headers too large
            req = Buffer.from(rnd() < 0.5 ? `GET /login HTTP/1.1\r\nHost: x\r\nX-A: ${'y'.repeat(Math.floor(rnd() * 40000))}` : `POST /notify?${auth()} HTTP/1.1\r\nHost`, 'latin1');
            break;
          case 6: // chunked with broken chunk sizes
            req = Buffer.from(`POST /getSendPerson?${auth()} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${pick(['zz', '5\r\nabc', 'ffffffffffff\r\n', '3\r\n{"u\r\n0\r\n\r\n'])}`, 'latin1');
            break;
          default: // both length headers, or a bad HTTP version
            req = Buffer.from(
              rnd() < 0.5
                ? `POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc`
                : `GET /login?dev_sno=${devSno}&hex_mac=0x000000000001 HTTP/${pick(['0.9', '2.0', '1.x', '9'])}\r\n\r\n`,
              'latin1',
            );
            halfClose = rnd() < 0.7;
        }
        const a = await rawRequest(h.platform.boxPort, req, halfClose);
        const key = a.timedOut ? 'timeout' : String(a.status ?? 'closed');
        counts.set(key, (counts.get(key) ?? 0) + 1);
        if (a.timedOut) failures.push(`#${i} kind ${kind}: no answer within 20 s`);
        if (a.status !== null && a.status >= 200 && a.status < 300) {
          // only the few junk-free cases may succeed: a login of the real box, or a details/notify call with the real token
          const text = req.toString('latin1');
          if (!/\/login\?dev_sno=[A-Z0-9]{24}&hex_mac=0x0{11}1|token=/.test(text)) failures.push(`#${i} kind ${kind}: ${a.status} for ${JSON.stringify(text.slice(0, 120))}`);
        }
        if (a.status !== null && a.status >= 400 && method === 'HEAD' && kind <= 3) {
          // HEAD: no body, but the headers say what the body would be
          if (!/content-type: application\/json/i.test(a.raw.toString('latin1'))) failures.push(`#${i} HEAD: ${a.status} without a JSON content type`);
        } else if (a.status !== null && a.status >= 400) {
          const raw = a.raw.toString('utf8');
          const bodyText = raw.slice(raw.indexOf('\r\n\r\n') + 4);
          try {
            const env = JSON.parse(bodyText);
            if (typeof env?.error?.code !== 'number' || typeof env.error.message !== 'string' || typeof env.error.status !== 'string') throw new Error('not an envelope');
          } catch {
            if (a.status !== 431 && a.status !== 413 && a.status !== 400) failures.push(`#${i} kind ${kind} ${method}: ${a.status} without the envelope: ${bodyText.slice(0, 100)}`);
          }
        }
        // 503 is allowed only as the box's own event uploads being over its limit (it retries)
        if (a.status !== null && a.status >= 500 && !(a.status === 503 && /busy storing this box's events/.test(a.raw.toString('utf8')))) failures.push(`#${i} kind ${kind}: server error ${a.status}`);
      }
    }
    await Promise.all(Array.from({ length: 16 }, worker));
    assert.deepEqual(failures.slice(0, 10), []);
    const statuses = [...counts.keys()].sort();
    assert.ok((counts.get('400') ?? 0) > 100, `many 400s: ${JSON.stringify([...counts])}`);
    assert.ok(statuses.includes('401') && statuses.includes('404') && statuses.includes('405') && statuses.includes('413'), JSON.stringify([...counts]));
    // reports with a real body still work; junk stored nothing but a few well-formed events
    const page = await h.platform.events!.list({});
    assert.ok(page.events.every((e) => e.devSno === devSno && Number.isFinite(e.timestamp) && e.timestamp >= 0), JSON.stringify(page.events.slice(0, 2)));
    // still serving
    const r = await http(`${h.base}/login?dev_sno=${devSno}&hex_mac=0xe0a50900f022`);
    assert.equal(r.status, 200);
    const t = r.json().token;
    const d = await http(`${h.base}/getSendPerson?dev_sno=${devSno}&token=${t}`, { method: 'POST', body: '{"userid_list":["x"]}' });
    assert.deepEqual(d.json(), { data: { user_list: [] } });
    const e = await http(`${h.base}/record?dev_sno=${devSno}&token=${t}`, { method: 'POST', body: JSON.stringify({ timestamp: Date.now(), identity_id: 'after', ext_data: { event_id: 'after-fuzz' } }) });
    assert.deepEqual(e.json(), { status: 0, message: 'ok', data: null });
    assert.equal((await h.platform.events!.get('after-fuzz')).identityId, 'after');
  });
});
