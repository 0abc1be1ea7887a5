// The box-facing port (8090) against what the other box-port suites do not send (see
// box-fuzz.test.ts, events-box-port.test.ts), on one in-process platform:
// - JSON nested thousands of levels deep (a few hundred kB) on every JSON path: a 400 naming the
//   nesting, never an internal error (JSON.stringify of the §4.5 result and of an event's
//   box_fiqa_info overflowed the stack), nothing stored, and the port keeps serving;
// - numbers out of range (NaN, 1e309, negative) and invalid UTF-8 in reports: refused or
//   stored as nothing, never stored as a non-finite number;
// - event uploads reset or half-closed mid-body: nothing stored, and their upload slots (3 per
//   box) are free again at once;
// - connections that send nothing are closed (Node's headersTimeout starts only at the first
//   byte), and one address holds at most 256 connections: the next gets a 503 saying so while
//   other addresses (127.0.0.2) are served.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { http, startPlatform, until, type Harness, type Reply } from './harness';
import { exchange } from '../helpers/raw-exchange';


const deepObj = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const deepArr = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('box port: deep JSON, odd numbers and bytes', () => {
  let h: Harness;
  let devSno: string;
  let q: string;
  before(async () => {
    h = await startPlatform({ autoSync: false });
    devSno = (await h.platform.addDevice('hostile')).devSno;
    const r = await http(`${h.base}/login?dev_sno=${devSno}&hex_mac=0xe0a50900c003`);
    assert.equal(r.status, 200, r.body.toString());
    q = `dev_sno=${devSno}&token=${encodeURIComponent(r.json().token as string)}`;
  });
  after(async () => h?.close());

  const post = (path: string, body: string | Buffer) => http(`${h.base}${path}?${q}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const event = (id: string, extra = '') => `{"identity_id":"p1","timestamp":${Date.now()},"score":0.8,"ext_data":{"event_id":"${id}","ep_id":"${devSno}__10.0.0.1","device_ip":"10.0.0.1"${extra}}}`;
  function tooDeep(r: Reply, what: string) {
    assert.equal(r.status, 400, `${what}: ${r.status} ${r.body.toString().slice(0, 200)}`);
    const e = r.json().error;
    assert.equal(e.code, 40091, what);
    assert.match(e.message, /nests arrays\/objects more than 64 levels deep/, what);
  }

  it('JSON nested 100,000 levels deep gets a 400 on every path, nothing is stored, and the port keeps serving', async () => {
    const deep = deepObj(100_000);
    for (const path of ['/notify', '/record', '/deviceStatus', '/deviceInfo', '/getSendPerson']) {
      tooDeep(await post(path, deep), `${path} deep object`);
      tooDeep(await post(path, deepArr(200_000)), `${path} deep array`);
    }
    // inside fields the platform serialises: the §4.5 result body, an event's box_fiqa_info
    tooDeep(await post('/notify', `{"type":"user_add","result":${deep}}`), '/notify deep result');
    tooDeep(await post('/record', event('deep-fiqa', `,"box_fiqa_info":${deep}`)), '/record deep box_fiqa_info');
    tooDeep(await http(`${h.base}/login?dev_sno=${devSno}&hex_mac=0xe0a50900c003`, { method: 'POST', body: deepObj(2000), headers: { 'content-type': 'application/json' } }), '/login deep');
    // 64 levels are still JSON the platform takes
    const ok = await post('/record', event('fiqa-64', `,"box_fiqa_info":${deepObj(61)}`));
    assert.equal(ok.status, 200, ok.body.toString());
    const stored = (await h.platform.events!.list({})).events.map((e) => e.id);
    assert.deepEqual(stored, ['fiqa-64']);
    const r = await http(`${h.base}/login?dev_sno=${devSno}&hex_mac=0xe0a50900c003`);
    assert.equal(r.status, 200, 'still serving logins');
    q = `dev_sno=${devSno}&token=${encodeURIComponent(r.json().token as string)}`; // a login issues a new token
  });

  it('NaN, 1e309 and negative numbers, invalid UTF-8: refused, or stored without a non-finite number', async () => {
    const nan = await post('/record', event('nan').replace('"score":0.8', '"score":NaN'));
    assert.equal(nan.status, 400);
    assert.match(nan.json().error.message, /not valid JSON/);
    for (const ts of ['1e309', '-1', '-1e309', '1e20']) {
      const r = await post('/record', event(`ts${ts}`).replace(/"timestamp":\d+/, `"timestamp":${ts}`));
      assert.equal(r.status, 400, ts);
      assert.match(r.json().error.message, /timestamp must be milliseconds since the epoch/, ts);
    }
    assert.equal((await post('/record', event('inf-score').replace('"score":0.8', '"score":1e309'))).status, 200);
    const bad = Buffer.concat([Buffer.from(event('utf8').slice(0, -2) + ',"x":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}}')]);
    assert.equal((await post('/record', bad)).status, 200);
    const status = `{"dev_sno":"${devSno}","gateway_ext_data":{"cpu_usage":-1e309,"memory_size":1e309,"memory_usage":"NaN","disk_size":-5,"disk_free_size":1e309},"sub_devices":[]}`;
    assert.equal((await post('/deviceStatus', status)).status, 200);
    const events = (await h.platform.events!.list({})).events;
    const inf = events.find((e) => e.id === 'inf-score')!;
    assert.ok(Number.isFinite(inf.score), `score stored as ${inf.score}`);
    assert.ok(events.some((e) => e.id === 'utf8'));
    const latest = (await h.platform.events!.devicesStatus()).find((d) => d.devSno === devSno)!.latest!;
    for (const v of Object.values(latest)) if (typeof v === 'number') assert.ok(Number.isFinite(v), JSON.stringify(latest));
    assert.equal(latest.cpuUsage, null);
  });

  it('connections that send nothing are closed; one address holds at most 256 at once, the next gets a 503; others are served', { timeout: 60_000 }, async () => {
    const port = h.platform.boxPort;
    const idle: Socket[] = [];
    let closed = 0;
    for (let i = 0; i < 256; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      s.on('close', () => closed++);
    s.resume(); // read what the server says (a refusal), so its close is seen
      idle.push(s);
    }
    await Promise.all(idle.map((s) => new Promise((r) => (s.readyState === 'open' ? r(null) : s.once('connect', r)))));
    const login = `GET /login?dev_sno=${devSno}&hex_mac=0xe0a50900c003 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
    const refused = await exchange(port, '127.0.0.1', login);
    assert.match(refused, /^HTTP\/1\.1 503 /, refused.slice(0, 200));
    const e = JSON.parse(refused.slice(refused.indexOf('\r\n\r\n') + 4)).error;
    assert.equal(e.code, 50072);
    assert.match(e.message, /too many connections from 127\.0\.0\.1 \(256 at once\); close some and send again/);
    const other = await exchange(port, '127.0.0.2', login);
    assert.match(other, /^HTTP\/1\.1 200 /, `another address is served: ${other.slice(0, 200)}`);
    // the idle ones are closed by the server (10 s without a request), and 127.0.0.1 is served again
    await until('the idle connections closed by the server', () => closed === 256, 30_000);
    const again = await http(`${h.base}/login?dev_sno=${devSno}&hex_mac=0xe0a50900c003`);
    assert.equal(again.status, 200);
    q = `dev_sno=${devSno}&token=${encodeURIComponent(again.json().token as string)}`;
  });

  it('event uploads reset or half-closed mid-body store nothing and give their slots back', { timeout: 60_000 }, async () => {
    const port = h.platform.boxPort;
    const before = (await h.platform.events!.list({})).events.length;
    for (const how of ['reset', 'half-close', 'reset', 'half-close'] as const) {
      // three at once: every slot of the box held, then cut
      const socks = Array.from({ length: 3 }, (_, i) => {
        const s = connect(port, '127.0.0.1');
        s.on('error', () => undefined);
        s.resume(); // read the server's answer (a 400 for a half-closed body) so the close is seen
        s.write(`POST /record?${q} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n${event(`cut-${how}-${i}`).slice(0, 60)}`);
        return s;
      });
      await Promise.all(socks.map((s) => new Promise((r) => s.once('connect', r))));
      await new Promise((r) => setTimeout(r, 200));
      for (const s of socks) how === 'reset' ? s.resetAndDestroy() : s.end();
      await Promise.all(socks.map((s) => new Promise((r) => (s.closed ? r(null) : s.once('close', r)))));
      // the slots are free: a whole upload is taken (retried while the server is still seeing the cuts)
      const r = await until('a whole upload taken', async () => {
        const x = await post('/record', event(`after-${how}-${Math.random()}`));
        return x.status === 200 ? x : x.status === 503 ? null : assert.fail(`${x.status} ${x.body.toString()}`);
      }, 10_000);
      assert.equal(r.status, 200);
    }
    const ids = (await h.platform.events!.list({})).events.map((e) => e.id);
    assert.equal(ids.length, before + 4);
    assert.deepEqual(ids.filter((id) => id.startsWith('cut-')), []);
  });
});
