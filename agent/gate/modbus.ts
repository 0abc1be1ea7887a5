// The relay output: a LAN relay module spoken to by Modbus TCP (function 5, write single coil;
// function 1, read coils for a toggle), with jsmodbus as the client. One short connection per
// operation: relay modules accept few connections, and a connection held across a door's hold
// time would be one more thing to go stale. Every step is bounded by `timeoutMs`.
import { Socket } from 'node:net';
import { ModbusTCPClient } from 'jsmodbus';

export interface RelayAddress {
  ip: string;
  port: number;
  /** the relay channel: coil address, 0-based */
  coil: number;
}

/** Modbus unit id sent to the relay module (most LAN modules answer 1; many ignore it). */
export const RELAY_UNIT_ID = 1;

export const relayName = (r: RelayAddress) => `${r.ip.includes(':') ? `[${r.ip}]` : r.ip}:${r.port} coil ${r.coil}`;

/** jsmodbus rejects with UserRequestError objects ({err, message}), not Errors. */
function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object') {
    const e = err as { err?: unknown; message?: unknown };
    if (e.err === 'Timeout') return 'no Modbus answer in time';
    if (typeof e.message === 'string') return e.message;
  }
  return String(err);
}

/** Connects, runs `fn` with a Modbus TCP client, closes; any failure is an Error naming the relay. */
async function withRelay<T>(r: RelayAddress, timeoutMs: number, fn: (c: ModbusTCPClient) => Promise<T>): Promise<T> {
  const socket = new Socket();
  socket.on('error', () => undefined); // after connecting, a broken socket rejects the pending request (jsmodbus)
  const client = new ModbusTCPClient(socket, RELAY_UNIT_ID, timeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
      socket.once('connect', () => (clearTimeout(t), resolve()));
      socket.once('error', (e) => (clearTimeout(t), reject(e)));
      socket.connect({ host: r.ip, port: r.port });
    });
    return await fn(client);
  } catch (err) {
    throw new Error(`relay ${relayName(r)}: ${describe(err)}`);
  } finally {
    socket.destroy();
  }
}

/** Writes the coil ON or OFF. */
export function writeCoil(r: RelayAddress, on: boolean, timeoutMs: number): Promise<void> {
  return withRelay(r, timeoutMs, async (c) => {
    await c.writeSingleCoil(r.coil, on);
  });
}

/** Reads the coil and writes the opposite; resolves with the new state. */
export function toggleCoil(r: RelayAddress, timeoutMs: number): Promise<boolean> {
  return withRelay(r, timeoutMs, async (c) => {
    const { response } = await c.readCoils(r.coil, 1);
    const next = !response.body.valuesAsArray[0];
    await c.writeSingleCoil(r.coil, next);
    return next;
  });
}
