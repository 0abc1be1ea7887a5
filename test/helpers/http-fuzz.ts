// A small HTTP/1.x fuzzer for the site server and the agent: deterministic (seeded) malformed
// requests — odd request targets, methods, versions, headers, bodies, byte encodings, truncated
// and reset requests — each sent on its own raw TCP connection, a bounded number at a time.
// It records the status line of each answer (or how the connection ended); the caller asserts
// the process is alive and still answers valid requests correctly afterwards.
import { connect } from 'node:net';

/** xorshift32: the same seed gives the same requests on every run. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

export interface FuzzTarget {
  /** Paths the server really serves, mixed in so the fuzz reaches the handlers' parsing. */
  paths: string[];
  /** A Host header value the server accepts. */
  host: string;
  /** Extra header lines to sometimes add (e.g. a session cookie). */
  extraHeaders?: string[];
}

export interface FuzzCase {
  bytes: Buffer;
  /**
   * How the client ends its side: half-close after writing ('end': Node's server then drops a
   * request its handler has not answered yet), keep the connection open a moment first so
   * the handler answers ('wait'), or reset (RST) mid-request.
   */
  end: 'end' | 'wait' | 'reset';
  kind: string;
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'get', 'G ET', 'PRI', 'XYZZY', '', 'GET\0', 'POST /'];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/0.9', 'HTTP/2.0', 'HTTP/1.1 extra', 'http/1.1', 'HTTP/1.', 'HTTP/9.9', ''];
const ODD_TARGETS = [
  '//', '///', '//api/events', '//api/login', '/\\', '/\\\\evil', '*', '', ' ', 'http://evil.example/', 'https://x/', '//evil.example/x',
  '/%', '/%zz', '/%00', '/%2e%2e/%2e%2e/etc/passwd', '/..', '/../..', '/./', '/api/call/%E0%A4%A', '/api/call/%', '/api/call/',
  '/api/call/__proto__', '/api/call/constructor', '/api/call/toString', '/api/call/..%2f..%2f', '/api/', '/api', '/api/login/', '/api//login',
  '/?', '/?%', '/#', '/;', '/@evil', '/:80', '/\t', '/a b', '/\u00ff', '/SophonMQ/api/DevSno/..', '/SophonMQ//api/DevSno', '/health?x=%',
  '/' + 'a'.repeat(9000), '/' + '%'.repeat(3000), '/' + '/'.repeat(2000), '/a?' + '&'.repeat(4000),
];
const HEADER_JUNK = [
  'Host:', 'Host: ', 'Host: evil.example', 'Host: [::1', 'Host: 999.999.999.999', 'Host: a:b:c', 'Host: x\x7f',
  'Content-Length: -1', 'Content-Length: abc', 'Content-Length: 99999999999999999999', 'Content-Length: 1e3', 'Content-Length: 5, 6',
  'Content-Length: 4\r\nContent-Length: 5', 'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip, chunked', 'Transfer-Encoding: xchunked',
  'Transfer-Encoding: chunked\r\nContent-Length: 3', 'Content-Type: application/json', 'Content-Type: application/json; charset=utf-7',
  'Content-Type: \u00ff\u00fe', 'Content-Type: multipart/form-data; boundary=', 'Expect: 100-continue', 'Expect: 999-nope',
  'Connection: Upgrade\r\nUpgrade: websocket', 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings', 'Cookie: se3kit_session=', 'Cookie: ;;;=;=', 'Cookie: se3kit_session=' + 'A'.repeat(5000),
  'Origin: null', 'Origin: http://evil.example', 'Origin: %%%', 'Sec-Fetch-Site: cross-site', 'NoColonHere', ' leading-space: x',
  'X-Folded: a\r\n b', 'X-Nul: a\0b', 'X-Big: ' + 'b'.repeat(20_000), 'X-Utf8: \u00e9\u4e2d', ':authority: x', 'Range: bytes=0-0,-1',
  'If-None-Match: *', 'Accept-Encoding: ' + 'gzip,'.repeat(500),
];
const BODIES = [
  '', '{', '}', '{"password":', '{"password":"x"}', '{"password":123}', '{"password":""}', '{"dev_sno":"A B"}', '{"login_url":"http://h/\\r\\nX: 1"}',
  '{"login_url":"http://u:p@h/"}', 'null', '[]', '"str"', '1e999', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"y":1}}}',
  '['.repeat(5000) + ']'.repeat(5000), '{"a":' + '['.repeat(3000), '\u0000\u0001\u0002', '\ufeff{}', '{"password":"' + 'p'.repeat(6000) + '"}',
  '0\r\n\r\n', '5\r\nhello\r\n0\r\n\r\n', 'zz\r\nbad chunk\r\n', 'ffffffffffffffff\r\n', '3\r\nab',
];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

function randomBytes(r: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** One malformed (or merely odd) request. */
export function fuzzCase(r: () => number, t: FuzzTarget): FuzzCase {
  const roll = r();
  const e = r();
  const end: FuzzCase['end'] = e < 0.1 ? 'reset' : e < 0.55 ? 'wait' : 'end';
  if (roll < 0.06) return { bytes: randomBytes(r, 1 + Math.floor(r() * 300)), end, kind: 'random bytes' };
  const method = r() < 0.6 ? pick(r, ['GET', 'POST', 'PUT']) : pick(r, METHODS);
  let target = r() < 0.5 ? pick(r, ODD_TARGETS) : pick(r, t.paths);
  if (r() < 0.15) target += pick(r, ['?', '#', '/', '%', '/..', '%2F', '\u00e9', '?q=' + pick(r, ODD_TARGETS)]);
  const version = r() < 0.8 ? 'HTTP/1.1' : pick(r, VERSIONS);
  const headers: string[] = [];
  if (r() < 0.85) headers.push(`Host: ${t.host}`);
  const nJunk = r() < 0.4 ? 0 : 1 + Math.floor(r() * 3);
  for (let i = 0; i < nJunk; i++) headers.push(pick(r, HEADER_JUNK));
  if (t.extraHeaders && r() < 0.3) headers.push(pick(r, t.extraHeaders));
  let body = r() < 0.5 ? pick(r, BODIES) : '';
  if (body && !headers.some((h) => /^(content-length|transfer-encoding)/i.test(h))) {
    if (r() < 0.8) headers.push(`Content-Length: ${r() < 0.7 ? Buffer.byteLength(body) : Math.floor(r() * 100_000)}`);
    if (r() < 0.6) headers.push('Content-Type: application/json');
  }
  const lineEnd = r() < 0.92 ? '\r\n' : pick(r, ['\n', '\r', '\n\r', '']);
  const text = `${method} ${target} ${version}${lineEnd}${headers.join(lineEnd)}${headers.length ? lineEnd : ''}${lineEnd}${body}`;
  let bytes = Buffer.from(text, r() < 0.1 ? 'latin1' : 'utf8');
  if (r() < 0.05) {
    // invalid UTF-8 / raw high bytes spliced into the request line or headers
    const at = Math.floor(r() * Math.min(bytes.length, 60));
    bytes = Buffer.concat([bytes.subarray(0, at), randomBytes(r, 1 + Math.floor(r() * 8)), bytes.subarray(at)]);
  }
  let kind = 'request';
  if (r() < 0.2) {
    bytes = bytes.subarray(0, Math.floor(r() * bytes.length));
    kind = 'truncated';
  }
  return { bytes, end: kind === 'truncated' && end === 'wait' ? 'end' : end, kind };
}

export interface FuzzOutcome {
  sent: number;
  /** status code → count; 'closed' when the connection ended with no answer; 'timeout' when nothing happened in time. */
  statuses: Map<string, number>;
  /** Answers whose status line or first bytes look like a leaked internal error. */
  leaks: string[];
}

function sendOne(port: number, host: string, c: FuzzCase, timeoutMs: number): Promise<{ status: string; head: string }> {
  return new Promise((resolve) => {
    let got = '';
    let done = false;
    const finish = (status: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ status, head: got.slice(0, 2000) });
    };
    const sock = connect({ port, host }, () => {
      if (c.end === 'reset') {
        sock.write(c.bytes, () => sock.resetAndDestroy());
        setImmediate(() => finish('reset'));
      } else if (c.end === 'wait') {
        sock.write(c.bytes);
        // a request the server still waits on (a longer Content-Length, say) ends here
        setTimeout(() => sock.end(), 300);
      } else sock.end(c.bytes);
    });
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    sock.on('data', (d) => {
      got += d.toString('latin1');
      // an answer's head is complete: enough to judge it
      if (got.includes('\r\n\r\n') || got.length > 4000) {
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
        finish(m ? m[1]! : 'garbled');
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      finish(m ? m[1]! : 'closed');
    });
  });
}

/** Sends `count` fuzz cases, `concurrency` at a time; never throws. */
export async function fuzz(opts: { port: number; host?: string; target: FuzzTarget; count: number; concurrency?: number; seed?: number; timeoutMs?: number }): Promise<FuzzOutcome> {
  const r = rng(opts.seed ?? 0x5e3);
  const statuses = new Map<string, number>();
  const leaks: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < opts.count) {
      next++;
      const c = fuzzCase(r, opts.target);
      const { status, head } = await sendOne(opts.port, opts.host ?? '127.0.0.1', c, opts.timeoutMs ?? 5000);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (/TypeError|ReferenceError|Invalid URL|ERR_INVALID|at [\w.<>]+ \(|node:internal/.test(head)) leaks.push(`${c.bytes.subarray(0, 80).toString('latin1')} → ${head.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 24 }, worker));
  return { sent: opts.count, statuses, leaks };
}

/** Counts of 5xx answers and timeouts, for the assertion message. */
export function summary(o: FuzzOutcome): string {
  return [...o.statuses.entries()].sort().map(([k, v]) => `${k}: ${v}`).join(', ');
}
