// One client connection: protocol header, frame reading, handshake (PLAIN/AMQPLAIN, tune,
// open), heartbeats, channel multiplexing, connection/channel exceptions, flow control
// (stop delivering when the client does not read; stop reading when it cannot keep up).
// The handshake's checks are in handshake.ts, output buffering in connection-output.ts.
import type { Socket } from 'node:net';
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
import { onChannelMethod, onContentFrame } from './channel-frames';
import { ConnectionOutput, HIGH_WATER } from './connection-output';
import { mutableFields } from './shape';
import { authenticate, checkNewSecret, negotiateTune, openVhost } from './handshake';


/** Largest frame accepted before connection.tune-ok (login frames are small). */
const PRE_TUNE_FRAME_MAX = 65536;
/** Bytes read while waiting for close-ok after a connection exception; past this the socket is dropped. */
const CLOSING_READ_BUDGET = 65536;

type State = 'header' | 'start-ok' | 'tune-ok' | 'open' | 'running' | 'closing' | 'closed';

export class Connection implements ChannelConn {
  readonly id: number;
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
  private readonly input = new ChunkReader();
  private readonly output: ConnectionOutput;
  private lastRecv = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private handshakeTimer: NodeJS.Timeout | null = null;
  private pausedByUs = false;
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
    this.id = core.nextConnectionId();
    this.frameMax = core.options.frameMax;
    this.channelMax = core.options.channelMax;
    // Flags a closing connection sets for the first time (shape.ts).
    mutableFields(this, 'pausedByUs', 'flowPaused', 'inputStopped', 'blockedNotified');
    this.output = new ConnectionOutput(
      socket,
      () => this.state !== 'closed',
      (cb) => core.whenDefinitionsSaved(cb),
      () => this.onDrain(),
    );
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
    this.output.send(bufs);
  }

  sendFrames(bufs: Buffer[]): void {
    if (this.state === 'closed') return;
    this.output.send(bufs);
  }

  writable(): boolean {
    return this.state === 'running' && this.output.hasRoom();
  }

  private onDrain(): void {
    this.output.drained();
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
        const size = this.input.u32At(3);
        const max = this.state === 'start-ok' || this.state === 'tune-ok' ? Math.min(PRE_TUNE_FRAME_MAX, this.frameMax) : this.frameMax;
        if (size + 8 > max) fail(501, `frame size ${size + 8} exceeds the negotiated frame_max ${max}`);
        if (this.input.length < size + 8) break;
        const payload = this.input.takeFrame(size);
        if (this.input.frameEnd !== 206) fail(501, `frame end byte is ${this.input.frameEnd}, expected 206`);
        this.onFrame(this.input.frameType, this.input.frameChannel, payload);
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
    this.input.clear();
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
      else onChannelMethod(this, channel, id, fields);
      return;
    }
    if (type === FRAME_HEADER || type === FRAME_BODY) return onContentFrame(this, type, channel, payload);
    fail(501, `unknown frame type ${type}`);
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
    this.user = authenticate(this.core, f, this.peer, this.socket.remoteAddress);
    this.state = 'tune-ok';
    this.send(encodeMethod(M.ConnectionTune, 0, { channelMax: this.core.options.channelMax, frameMax: this.core.options.frameMax, heartbeat: this.core.options.heartbeat }));
  }

  private onUpdateSecret(f: Fields): void {
    checkNewSecret(this.core, this.user, this.peer, f);
    this.send(encodeMethod(M.ConnectionUpdateSecretOk, 0));
  }

  private onTuneOk(f: Fields): void {
    const t = negotiateTune(this.core.options, f);
    this.frameMax = t.frameMax;
    this.channelMax = t.channelMax;
    this.heartbeat = t.heartbeat;
    this.state = 'open';
  }

  private onOpen(f: Fields): void {
    this.vhost = openVhost(this.core, this.user, f);
    this.vhostName = f.virtualHost;
    this.state = 'running';
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.send(encodeMethod(M.ConnectionOpenOk, 0, { knownHosts: '' }));
    this.core.connectionOpened(this);
  }

  /** Stops reading from this publisher until `q` has caught up or its consumers stall (not if it consumes itself). */
  throttle(q: Queue): void {
    if (this.flowPaused || this.state !== 'running') return;
    for (const ch of this.channels.values()) if (ch.consumers.size > 0) return; // would deadlock on its own acks
    this.flowPaused = true;
    this.socket.pause();
    q.waitForFlow(() => {
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
    const stalledSince = this.output.stalledSince;
    if (stalledSince && now - stalledSince > this.core.options.writeStallTimeoutMs) return this.destroy();
    if (this.heartbeat > 0 && this.state === 'running') {
      if (now - this.output.lastSend >= (this.heartbeat * 1000) / 2 && this.output.empty) {
        this.output.lastSend = now;
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
      const pending = this.output.takeAll(close);
      this.state = 'closed';
      this.socket.end(pending);
      setTimeout(() => this.destroy(), 1000).unref();
      return;
    }
    // Framing intact: read on (a bounded amount) for the client's close-ok, at most closeWaitMs (3 s).
    this.input.clear();
    this.state = 'closing';
    this.send(close);
    setTimeout(() => this.destroy(), this.core.options.closeWaitMs).unref();
  }

  /** Closes from the server side (broker shutdown, user deleted): 320 CONNECTION_FORCED. */
  forceClose(text: string): void {
    this.connectionError(new AmqpError(320, `CONNECTION_FORCED - ${text}`), 0);
  }

  private endSoon(): void {
    this.state = 'closed';
    this.stopReading();
    const finish = () => {
      this.socket.end(this.output.takeAll());
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
