// One client connection: protocol header, frame reading, handshake (PLAIN/AMQPLAIN, tune,
// open), heartbeats, channel multiplexing, connection/channel exceptions, flow control
// (stop delivering when the client does not read; stop reading when it cannot keep up).
import type { Socket } from 'node:net';
import { checkPassword, parseLogin } from './auth';
import { ChunkReader } from './chunk-reader';
import { Channel, type ChannelConn } from './channel';
import {
  AmqpError,
  decodeMethod,
  encodeMethod,
  fail,
  FRAME_BODY,
  FRAME_HEADER,
  FRAME_HEARTBEAT,
  FRAME_METHOD,
  HEARTBEAT_BUF,
  M,
  PROTOCOL_HEADER,
  type Fields,
} from './codec';
import type { Queue } from './queue';
import type { Vhost } from './vhost';
import type { BrokerCore } from './core';

const HIGH_WATER = 1 << 20;
/** Largest frame accepted before connection.tune-ok (login frames are small). */
const PRE_TUNE_FRAME_MAX = 65536;
/** Bytes read while waiting for close-ok after a connection exception; past this the socket is dropped. */
const CLOSING_READ_BUDGET = 65536;
let nextConnId = 1;

/** Whether a socket address is this machine's loopback (IPv4 127/8, ::1, IPv4-mapped 127/8). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\./.test(a);
}

type State = 'header' | 'start-ok' | 'tune-ok' | 'open' | 'running' | 'closing' | 'closed';

export class Connection implements ChannelConn {
  readonly id = nextConnId++;
  readonly connectedAt = Date.now();
  state: State = 'header';
  user = '';
  vhostName = '';
  vhost!: Vhost;
  frameMax: number;
  channelMax: number;
  heartbeat = 0;
  clientCaps: Fields = {};
  clientProperties: Fields = {};
  readonly channels = new Map<number, Channel>();
  readonly exclusiveQueues = new Set<Queue>();
  readonly counters = { published: 0, delivered: 0, acked: 0 };
  private input = new ChunkReader();
  private out: Buffer[] = [];
  private outBytes = 0;
  private flushQueued = false;
  private lastRecv = Date.now();
  private lastSend = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private handshakeTimer: NodeJS.Timeout | null = null;
  private stalledSince = 0;
  private pausedByUs = false;
  private wantKick = false;
  private flowPaused = false;
  /** Set once the connection is closing because its framing is broken: nothing more is read. */
  private inputStopped = false;
  private closingRead = 0;
  blockedNotified = false;

  constructor(
    readonly socket: Socket,
    readonly core: BrokerCore,
    readonly tls: boolean,
  ) {
    this.frameMax = core.options.frameMax;
    this.channelMax = core.options.channelMax;
    socket.setNoDelay(true);
    socket.on('data', (d) => this.onData(d));
    socket.on('drain', () => this.onDrain());
    socket.on('error', () => this.teardown());
    socket.on('close', () => this.teardown());
    this.handshakeTimer = setTimeout(() => this.destroy(), core.options.handshakeTimeoutMs);
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  get peer(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  // ---- output --------------------------------------------------------------------------------

  send(...bufs: Buffer[]): void {
    if (this.state === 'closed') return;
    for (const b of bufs) {
      this.out.push(b);
      this.outBytes += b.length;
    }
    this.queueFlush();
  }

  private queueFlush(): void {
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(() => this.flush());
    }
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.out.length === 0 || this.state === 'closed' || this.socket.destroyed) return;
    // Replies (declare-ok, confirms…) leave only once the definitions they depend on are on disk.
    if (!this.core.whenDefinitionsSaved(() => this.queueFlush())) return;
    const buf = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out, this.outBytes);
    this.out = [];
    this.outBytes = 0;
    this.lastSend = Date.now();
    if (this.socket.write(buf)) {
      // Deliveries paused on our own output buffer (not the socket's): resume them now.
      if (this.wantKick) setImmediate(() => this.onDrain());
    } else if (!this.stalledSince) this.stalledSince = Date.now();
  }

  writable(): boolean {
    const ok = this.state === 'running' && this.socket.writableLength + this.outBytes < HIGH_WATER;
    if (!ok) this.wantKick = true;
    return ok;
  }

  private onDrain(): void {
    this.wantKick = false;
    this.stalledSince = 0;
    if (this.pausedByUs) {
      this.pausedByUs = false;
      if (!this.flowPaused && (!this.core.blockedReason || !this.blockedNotified)) this.socket.resume();
    }
    for (const ch of this.channels.values()) ch.kick();
  }

  // ---- input ---------------------------------------------------------------------------------

  private onData(d: Buffer): void {
    if (this.inputStopped || this.state === 'closed') {
      // Closing: what the client still sends is not read, let alone buffered.
      this.stopReading();
      return;
    }
    if (this.state === 'closing') {
      this.closingRead += d.length;
      if (this.closingRead > CLOSING_READ_BUDGET) return this.destroy();
    }
    this.lastRecv = Date.now();
    this.input.push(d);
    try {
      if (this.state === 'header') {
        if (this.input.length < 8) return;
        const all = this.input.take(this.input.length);
        if (!all.subarray(0, 8).equals(PROTOCOL_HEADER)) {
          this.stopReading();
          this.state = 'closed';
          this.socket.end(PROTOCOL_HEADER);
          setTimeout(() => this.destroy(), 1000).unref();
          return;
        }
        if (all.length > 8) this.input.unshift(all.subarray(8));
        this.state = 'start-ok';
        this.send(
          encodeMethod(M.ConnectionStart, 0, {
            versionMajor: 0,
            versionMinor: 9,
            serverProperties: this.core.serverProperties,
            mechanisms: Buffer.from('PLAIN AMQPLAIN'),
            locales: Buffer.from('en_US'),
          }),
        );
      }
      while ((this.state as State) !== 'closed' && !this.inputStopped && this.input.length >= 7) {
        const head = this.input.peek(7);
        const size = head.readUInt32BE(3);
        const max = this.state === 'start-ok' || this.state === 'tune-ok' ? Math.min(PRE_TUNE_FRAME_MAX, this.frameMax) : this.frameMax;
        if (size + 8 > max) fail(501, `frame size ${size + 8} exceeds the negotiated frame_max ${max}`);
        if (this.input.length < size + 8) break;
        const frame = this.input.take(size + 8);
        if (frame[size + 7] !== 206) fail(501, `frame end byte is ${frame[size + 7]}, expected 206`);
        this.onFrame(frame[0]!, frame.readUInt16BE(1), frame.subarray(7, 7 + size));
      }
      if (this.pausedByUs === false && this.socket.writableLength > HIGH_WATER * 4 && this.state === 'running') {
        this.pausedByUs = true; // the client is not reading our replies: stop reading its requests
        this.socket.pause();
      }
    } catch (err) {
      if (this.state === 'closing') return this.destroy(); // a second error while closing: give up on it
      this.connectionError(err, 0);
    }
  }

  /** Stops reading from the socket for good and drops whatever was buffered. */
  private stopReading(): void {
    this.inputStopped = true;
    this.input = new ChunkReader();
    this.socket.pause();
  }

  private onFrame(type: number, channel: number, payload: Buffer): void {
    if (this.state === 'closing') {
      // After we sent connection.close only close / close-ok matter.
      if (type === FRAME_METHOD && channel === 0) {
        const id = payload.readUInt32BE(0);
        if (id === M.ConnectionCloseOk) this.destroy();
        else if (id === M.ConnectionClose) {
          this.send(encodeMethod(M.ConnectionCloseOk, 0));
          this.endSoon();
        }
      }
      return;
    }
    if (type === FRAME_HEARTBEAT) {
      if (channel !== 0) fail(501, 'heartbeat frame on a non-zero channel');
      return;
    }
    if (type === FRAME_METHOD) {
      if (payload.length < 4) fail(501, 'method frame too short');
      const id = payload.readUInt32BE(0);
      let fields: Fields;
      try {
        fields = decodeMethod(id, payload.subarray(4));
      } catch (err) {
        if (/Unknown class\/method/.test(String(err))) throw new AmqpError(540, `NOT_IMPLEMENTED - unknown method ${id >>> 16}.${id & 0xffff}`, id);
        throw new AmqpError(501, `FRAME_ERROR - cannot decode method ${id >>> 16}.${id & 0xffff}: ${(err as Error).message}`, id);
      }
      if (channel === 0) this.onConnectionMethod(id, fields);
      else this.onChannelMethod(channel, id, fields);
      return;
    }
    if (type === FRAME_HEADER || type === FRAME_BODY) {
      if (this.state !== 'running') fail(505, 'content frame before the connection is open');
      const ch = this.channels.get(channel);
      if (!ch) fail(504, `content frame on unopened channel ${channel}`);
      if (ch.closing) return;
      try {
        if (type === FRAME_HEADER) {
          if (payload.length < 14 || payload.readUInt16BE(0) !== 60) fail(505, 'content header for an unknown class');
          const size = Number(payload.readBigUInt64BE(4));
          if (size > this.core.options.maxMessageBytes)
            fail(406, `message size ${size} is larger than configured max size ${this.core.options.maxMessageBytes}`);
          ch.onHeader(size, Buffer.from(payload.subarray(12)));
        } else ch.onBody(Buffer.from(payload));
      } catch (err) {
        this.channelError(ch, err, M.BasicPublish);
      }
      return;
    }
    fail(501, `unknown frame type ${type}`);
  }

  private onChannelMethod(n: number, id: number, f: Fields): void {
    if (this.state !== 'running') fail(504, `channel method before the connection is open`);
    const ch = this.channels.get(n);
    if (id === M.ChannelOpen) {
      if (ch) throw new AmqpError(504, `CHANNEL_ERROR - second 'channel.open' seen`, id);
      if (n > this.channelMax) throw new AmqpError(530, `NOT_ALLOWED - channel number ${n} exceeds channel_max ${this.channelMax}`, id);
      this.channels.set(n, new Channel(this, n));
      this.send(encodeMethod(M.ChannelOpenOk, n, { channelId: Buffer.alloc(0) }));
      return;
    }
    if (!ch) throw new AmqpError(504, `CHANNEL_ERROR - expected 'channel.open'`, id);
    if (ch.closing) {
      if (id === M.ChannelCloseOk) this.channels.delete(n);
      else if (id === M.ChannelClose) {
        this.send(encodeMethod(M.ChannelCloseOk, n));
      }
      return;
    }
    if (id === M.ChannelClose) {
      ch.release();
      this.channels.delete(n);
      this.send(encodeMethod(M.ChannelCloseOk, n));
      return;
    }
    if (id === M.ChannelCloseOk) return;
    try {
      ch.onMethod(id, f);
    } catch (err) {
      this.channelError(ch, err, id);
    }
  }

  private channelError(ch: Channel, err: unknown, methodId: number): void {
    if (!(err instanceof AmqpError) || err.hard) throw err instanceof AmqpError && !err.methodId ? new AmqpError(err.code, err.text, methodId) : err;
    const mid = err.methodId || methodId;
    ch.release();
    this.send(encodeMethod(M.ChannelClose, ch.number, { replyCode: err.code, replyText: err.text, classId: mid >>> 16, methodId: mid & 0xffff }));
  }

  private onConnectionMethod(id: number, f: Fields): void {
    switch (this.state) {
      case 'start-ok':
        if (id !== M.ConnectionStartOk) fail(505, `expected connection.start-ok`);
        return this.onStartOk(f);
      case 'tune-ok':
        if (id !== M.ConnectionTuneOk) fail(505, `expected connection.tune-ok`);
        return this.onTuneOk(f);
      case 'open':
        if (id !== M.ConnectionOpen) fail(505, `expected connection.open`);
        return this.onOpen(f);
    }
    if (id === M.ConnectionClose) {
      this.send(encodeMethod(M.ConnectionCloseOk, 0));
      this.releaseAll();
      this.endSoon();
      return;
    }
    if (id === M.ConnectionCloseOk) return this.destroy();
    if (id === M.ConnectionBlocked || id === M.ConnectionUnblocked) return;
    if (id === M.ConnectionUpdateSecret) return this.onUpdateSecret(f);
    throw new AmqpError(503, `COMMAND_INVALID - unexpected method on channel 0`, id);
  }

  private onStartOk(f: Fields): void {
    this.clientProperties = f.clientProperties ?? {};
    this.clientCaps = this.clientProperties.capabilities ?? {};
    let login: ReturnType<typeof parseLogin>;
    try {
      login = parseLogin(f.mechanism, f.response);
    } catch (err) {
      this.core.loginRefused({ at: Date.now(), peer: this.peer, user: '', mechanism: String(f.mechanism), reason: `unreadable ${f.mechanism} response` });
      throw new AmqpError(403, `ACCESS_REFUSED - unreadable ${f.mechanism} login response: ${(err as Error).message}`, M.ConnectionStartOk);
    }
    if (!login) throw new AmqpError(540, `NOT_IMPLEMENTED - unsupported authentication mechanism '${f.mechanism}'`, M.ConnectionStartOk);
    const { user, pass } = login;
    const u = this.core.users.get(user);
    const reason = !u
      ? `user '${user}' does not exist`
      : !checkPassword(u, pass)
        ? `wrong password for user '${user}'`
        : this.core.loopbackUsers.has(user) && !isLoopback(this.socket.remoteAddress)
          ? `user '${user}' can only connect via localhost`
          : null;
    if (reason) {
      this.core.loginRefused({ at: Date.now(), peer: this.peer, user, mechanism: String(f.mechanism), reason });
      throw new AmqpError(
        403,
        `ACCESS_REFUSED - Login was refused using authentication mechanism ${f.mechanism}. For details see the broker logfile.`,
        M.ConnectionStartOk,
      );
    }
    this.user = user;
    this.state = 'tune-ok';
    this.send(
      encodeMethod(M.ConnectionTune, 0, {
        channelMax: this.core.options.channelMax,
        frameMax: this.core.options.frameMax,
        heartbeat: this.core.options.heartbeat,
      }),
    );
  }

  /** connection.update-secret (RabbitMQ ≥ 3.8): re-authenticates this connection's user with the new secret. */
  private onUpdateSecret(f: Fields): void {
    const secret = Buffer.isBuffer(f.newSecret) ? f.newSecret.toString('utf8') : String(f.newSecret ?? '');
    const u = this.core.users.get(this.user);
    if (!u || !checkPassword(u, secret)) {
      this.core.loginRefused({ at: Date.now(), peer: this.peer, user: this.user, mechanism: 'update-secret', reason: `update-secret: wrong secret for user '${this.user}'` });
      throw new AmqpError(403, `ACCESS_REFUSED - New secret was refused by one of the backends`, M.ConnectionUpdateSecret);
    }
    this.send(encodeMethod(M.ConnectionUpdateSecretOk, 0));
  }

  private onTuneOk(f: Fields): void {
    const max = this.core.options.frameMax;
    const fm = f.frameMax === 0 ? max : f.frameMax;
    if (fm < 4096 || fm > max) throw new AmqpError(530, `NOT_ALLOWED - frame_max=${f.frameMax} outside 4096..${max}`, M.ConnectionTuneOk);
    this.frameMax = fm;
    this.channelMax = f.channelMax === 0 ? this.core.options.channelMax : Math.min(f.channelMax, this.core.options.channelMax);
    this.heartbeat = f.heartbeat;
    this.state = 'open';
  }

  private onOpen(f: Fields): void {
    const vh = this.core.vhosts.get(f.virtualHost);
    if (!vh) throw new AmqpError(530, `NOT_ALLOWED - vhost ${f.virtualHost} not found`, M.ConnectionOpen);
    if (!this.core.permissions.get(this.user, f.virtualHost))
      throw new AmqpError(530, `NOT_ALLOWED - access to vhost '${f.virtualHost}' refused for user '${this.user}'`, M.ConnectionOpen);
    this.vhost = vh;
    this.vhostName = f.virtualHost;
    this.state = 'running';
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.send(encodeMethod(M.ConnectionOpenOk, 0, { knownHosts: '' }));
    this.core.connectionOpened(this);
  }

  /** Stops reading from this publisher until `q` has caught up (not if it consumes itself). */
  throttle(q: Queue): void {
    if (this.flowPaused || this.state !== 'running') return;
    for (const ch of this.channels.values()) if (ch.consumers.size > 0) return; // would deadlock on its own acks
    this.flowPaused = true;
    this.socket.pause();
    q.flowWaiters.add(() => {
      this.flowPaused = false;
      if (!this.pausedByUs && !this.blockedNotified && this.state !== 'closed') this.socket.resume();
    });
  }

  allowed(kind: 'configure' | 'write' | 'read', resourceKind: 'queue' | 'exchange', name: string): void {
    if (!this.core.permissions.allowed(this.user, this.vhostName, kind, name))
      fail(403, `${kind} access to ${resourceKind} '${name}' in vhost '${this.vhostName}' refused for user '${this.user}'`);
  }

  // ---- blocking, heartbeats, closing ----------------------------------------------------------

  setBlocked(reason: string | null): void {
    if (this.state !== 'running' || this.clientCaps['connection.blocked'] !== true) {
      if (reason === null && !this.pausedByUs && !this.flowPaused) this.socket.resume();
      return;
    }
    if (reason !== null && !this.blockedNotified) {
      this.blockedNotified = true;
      this.send(encodeMethod(M.ConnectionBlocked, 0, { reason }));
      if (this.counters.published > 0) this.socket.pause(); // publishers wait, as with RabbitMQ alarms
    } else if (reason === null && this.blockedNotified) {
      this.blockedNotified = false;
      this.send(encodeMethod(M.ConnectionUnblocked, 0));
      if (!this.pausedByUs && !this.flowPaused) this.socket.resume();
    }
  }

  private tick(): void {
    const now = Date.now();
    if (this.stalledSince && now - this.stalledSince > this.core.options.writeStallTimeoutMs) return this.destroy();
    if (this.heartbeat > 0 && this.state === 'running') {
      if (now - this.lastSend >= (this.heartbeat * 1000) / 2 && this.out.length === 0) {
        this.lastSend = now;
        this.socket.write(HEARTBEAT_BUF);
      }
      if (!this.pausedByUs && !this.flowPaused && now - this.lastRecv > this.heartbeat * 2000) this.destroy();
    }
  }

  /** Connection exception: connection.close with the code, then wait for close-ok. */
  connectionError(err: unknown, methodId: number): void {
    if (this.state === 'closed' || this.state === 'closing') return;
    const e =
      err instanceof AmqpError
        ? err
        : new AmqpError(541, `INTERNAL_ERROR - ${err instanceof Error ? err.message : String(err)}`, methodId);
    // Frames already queued (e.g. connection.start, replies to earlier methods) go out before the close.
    this.releaseAll();
    const mid = e.methodId || methodId;
    const close = encodeMethod(M.ConnectionClose, 0, { replyCode: e.code, replyText: e.text, classId: mid >>> 16, methodId: mid & 0xffff });
    if (e.code === 501) {
      // The framing is broken: no close-ok can be recognised in what follows. Send the close,
      // stop reading at once and end the socket (what the client still sends is never buffered).
      this.stopReading();
      const pending = Buffer.concat([...this.out, close]);
      this.out = [];
      this.outBytes = 0;
      this.state = 'closed';
      this.socket.end(pending);
      setTimeout(() => this.destroy(), 1000).unref();
      return;
    }
    // Framing intact: read on (a bounded amount) for the client's close-ok, at most 3 s.
    this.input = new ChunkReader();
    this.state = 'closing';
    this.send(close);
    setTimeout(() => this.destroy(), 3000).unref();
  }

  /** Closes from the server side (broker shutdown, user deleted): 320 CONNECTION_FORCED. */
  forceClose(text: string): void {
    this.connectionError(new AmqpError(320, `CONNECTION_FORCED - ${text}`), 0);
  }

  private endSoon(): void {
    this.state = 'closed';
    this.stopReading();
    const finish = () => {
      const buf = Buffer.concat(this.out);
      this.out = [];
      this.outBytes = 0;
      this.socket.end(buf);
      setTimeout(() => this.destroy(), 1000).unref();
    };
    if (this.core.whenDefinitionsSaved(finish)) finish();
  }

  destroy(): void {
    this.socket.destroy();
    this.teardown();
  }

  private releaseAll(): void {
    for (const ch of this.channels.values()) ch.release();
    this.channels.clear();
    for (const q of this.exclusiveQueues) q.host.deleteQueue(q, 'exclusive owner closed');
    this.exclusiveQueues.clear();
  }

  private teardown(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.timer = this.handshakeTimer = null;
    if (this.state !== 'closed') this.state = 'closed';
    this.releaseAll();
    this.core.connectionClosed(this);
  }
}
