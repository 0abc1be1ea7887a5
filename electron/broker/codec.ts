// AMQP 0-9-1 wire codec: amqplib's generated encoder/decoder (lib/defs.js, lib/frame.js).
// amqplib 2.x leaves those files out of its exports map, so they are loaded by file path;
// package.json pins amqplib to the 2.3.x line the layout below was checked against.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type Fields = Record<string, any>;

interface Defs {
  constants: Record<string, number>;
  decode(id: number, buf: Buffer): Fields;
  encodeMethod(id: number, channel: number, fields: Fields): Buffer;
  encodeProperties(id: number, channel: number, size: number, fields: Fields): Buffer;
  info(id: number): { name: string; classId: number; methodId: number };
  [name: string]: unknown;
}
interface FrameLib {
  PROTOCOL_HEADER: string;
  HEARTBEAT_BUF: Buffer;
}

const req = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
const amqplibDir = dirname(req.resolve('amqplib'));
export const defs: Defs = req(join(amqplibDir, 'lib', 'defs.js'));
const frameLib: FrameLib = req(join(amqplibDir, 'lib', 'frame.js'));
const codec: { encodeTable(buf: Buffer, val: Fields, offset: number): number; decodeFields(buf: Buffer): Fields } = req(
  join(amqplibDir, 'lib', 'codec.js'),
);

export const PROTOCOL_HEADER = Buffer.from(frameLib.PROTOCOL_HEADER, 'latin1');
export const HEARTBEAT_BUF = frameLib.HEARTBEAT_BUF;
export const FRAME_METHOD = 1;
export const FRAME_HEADER = 2;
export const FRAME_BODY = 3;
export const FRAME_HEARTBEAT = 8;
export const FRAME_END = 206;
export const BASIC_CLASS = 60;

function id(name: string): number {
  const v = defs[name];
  if (typeof v !== 'number') throw new Error(`amqplib defs has no method ${name}`);
  return v;
}

/** Method ids by their amqplib names (e.g. M.BasicPublish). */
export const M = {
  ConnectionStart: id('ConnectionStart'),
  ConnectionStartOk: id('ConnectionStartOk'),
  ConnectionSecureOk: id('ConnectionSecureOk'),
  ConnectionTune: id('ConnectionTune'),
  ConnectionTuneOk: id('ConnectionTuneOk'),
  ConnectionOpen: id('ConnectionOpen'),
  ConnectionOpenOk: id('ConnectionOpenOk'),
  ConnectionClose: id('ConnectionClose'),
  ConnectionCloseOk: id('ConnectionCloseOk'),
  ConnectionBlocked: id('ConnectionBlocked'),
  ConnectionUnblocked: id('ConnectionUnblocked'),
  ConnectionUpdateSecret: id('ConnectionUpdateSecret'),
  ConnectionUpdateSecretOk: id('ConnectionUpdateSecretOk'),
  ChannelOpen: id('ChannelOpen'),
  ChannelOpenOk: id('ChannelOpenOk'),
  ChannelFlow: id('ChannelFlow'),
  ChannelFlowOk: id('ChannelFlowOk'),
  ChannelClose: id('ChannelClose'),
  ChannelCloseOk: id('ChannelCloseOk'),
  ExchangeDeclare: id('ExchangeDeclare'),
  ExchangeDeclareOk: id('ExchangeDeclareOk'),
  ExchangeDelete: id('ExchangeDelete'),
  ExchangeDeleteOk: id('ExchangeDeleteOk'),
  ExchangeBind: id('ExchangeBind'),
  ExchangeBindOk: id('ExchangeBindOk'),
  ExchangeUnbind: id('ExchangeUnbind'),
  ExchangeUnbindOk: id('ExchangeUnbindOk'),
  QueueDeclare: id('QueueDeclare'),
  QueueDeclareOk: id('QueueDeclareOk'),
  QueueBind: id('QueueBind'),
  QueueBindOk: id('QueueBindOk'),
  QueueUnbind: id('QueueUnbind'),
  QueueUnbindOk: id('QueueUnbindOk'),
  QueuePurge: id('QueuePurge'),
  QueuePurgeOk: id('QueuePurgeOk'),
  QueueDelete: id('QueueDelete'),
  QueueDeleteOk: id('QueueDeleteOk'),
  BasicQos: id('BasicQos'),
  BasicQosOk: id('BasicQosOk'),
  BasicConsume: id('BasicConsume'),
  BasicConsumeOk: id('BasicConsumeOk'),
  BasicCancel: id('BasicCancel'),
  BasicCancelOk: id('BasicCancelOk'),
  BasicPublish: id('BasicPublish'),
  BasicReturn: id('BasicReturn'),
  BasicDeliver: id('BasicDeliver'),
  BasicGet: id('BasicGet'),
  BasicGetOk: id('BasicGetOk'),
  BasicGetEmpty: id('BasicGetEmpty'),
  BasicAck: id('BasicAck'),
  BasicReject: id('BasicReject'),
  BasicRecoverAsync: id('BasicRecoverAsync'),
  BasicRecover: id('BasicRecover'),
  BasicRecoverOk: id('BasicRecoverOk'),
  BasicNack: id('BasicNack'),
  TxSelect: id('TxSelect'),
  TxCommit: id('TxCommit'),
  TxRollback: id('TxRollback'),
  ConfirmSelect: id('ConfirmSelect'),
  ConfirmSelectOk: id('ConfirmSelectOk'),
} as const;

export function methodName(methodId: number): string {
  try {
    return defs.info(methodId).name;
  } catch {
    return `method ${methodId >>> 16}.${methodId & 0xffff}`;
  }
}

export function encodeMethod(methodId: number, channel: number, fields: Fields = {}): Buffer {
  return defs.encodeMethod(methodId, channel, fields);
}

export function decodeMethod(methodId: number, args: Buffer): Fields {
  // basic.ack, a consumer's most frequent method, read in place: amqplib's decoder makes a BigInt
  // of each delivery tag (the same number: one rounding to nearest either way)
  if (methodId === M.BasicAck && args.length === 9) return { deliveryTag: args.readUInt32BE(0) * 0x1_0000_0000 + args.readUInt32BE(4), multiple: (args[8]! & 1) === 1 };
  return defs.decode(methodId, args);
}

export function decodeProperties(raw: Buffer): Fields {
  return defs.decode(BASIC_CLASS, raw);
}

/** Encodes basic properties to the raw "flags + fields" bytes kept with each message. */
export function encodePropertiesRaw(fields: Fields): Buffer {
  const frame = defs.encodeProperties(BASIC_CLASS, 0, 0, fields);
  // frame: type(1) channel(2) size(4) class(2) weight(2) bodySize(8) props... end(1)
  return Buffer.from(frame.subarray(19, frame.length - 1));
}

export function encodeTable(val: Fields): Buffer {
  const scratch = Buffer.alloc(65536);
  const n = codec.encodeTable(scratch, val, 0);
  return Buffer.from(scratch.subarray(4, n));
}

export function decodeTable(buf: Buffer): Fields {
  return codec.decodeFields(buf);
}

/** A content header frame built from the raw property bytes. */
export function headerFrame(channel: number, bodySize: number, rawProps: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(7 + 12 + rawProps.length + 1);
  buf[0] = FRAME_HEADER;
  buf.writeUInt16BE(channel, 1);
  buf.writeUInt32BE(12 + rawProps.length, 3);
  buf.writeUInt16BE(BASIC_CLASS, 7);
  buf.writeUInt16BE(0, 9);
  buf.writeUInt32BE(Math.floor(bodySize / 0x100000000), 11);
  buf.writeUInt32BE(bodySize >>> 0, 15);
  rawProps.copy(buf, 19);
  buf[buf.length - 1] = FRAME_END;
  return buf;
}

/** Pushes body frames (split to fit frameMax) onto `out`. */
export function pushBodyFrames(out: Buffer[], channel: number, body: Buffer, frameMax: number): void {
  const max = frameMax > 0 ? frameMax - 8 : body.length;
  for (let off = 0; off < body.length; off += max) {
    const chunk = body.subarray(off, Math.min(body.length, off + max));
    const head = Buffer.allocUnsafe(7);
    head[0] = FRAME_BODY;
    head.writeUInt16BE(channel, 1);
    head.writeUInt32BE(chunk.length, 3);
    out.push(head, chunk, END_BUF);
  }
}
const END_BUF = Buffer.from([FRAME_END]);

/** Hard (connection-level) reply codes; everything else closes only the channel. */
export const HARD_ERRORS = new Set([320, 402, 501, 502, 503, 504, 505, 506, 530, 540, 541]);

export class AmqpError extends Error {
  constructor(
    readonly code: number,
    readonly text: string,
    readonly methodId = 0,
  ) {
    super(text);
  }
  get hard(): boolean {
    return HARD_ERRORS.has(this.code);
  }
}

export const CODE_NAMES: Record<number, string> = {
  311: 'CONTENT_TOO_LARGE',
  312: 'NO_ROUTE',
  313: 'NO_CONSUMERS',
  320: 'CONNECTION_FORCED',
  402: 'INVALID_PATH',
  403: 'ACCESS_REFUSED',
  404: 'NOT_FOUND',
  405: 'RESOURCE_LOCKED',
  406: 'PRECONDITION_FAILED',
  501: 'FRAME_ERROR',
  502: 'SYNTAX_ERROR',
  503: 'COMMAND_INVALID',
  504: 'CHANNEL_ERROR',
  505: 'UNEXPECTED_FRAME',
  506: 'RESOURCE_ERROR',
  530: 'NOT_ALLOWED',
  540: 'NOT_IMPLEMENTED',
  541: 'INTERNAL_ERROR',
};

/** Throws a protocol error the RabbitMQ way: "NAME - text". */
export function fail(code: number, text: string): never {
  throw new AmqpError(code, `${CODE_NAMES[code] ?? code} - ${text}`);
}
