// A queue's x-arguments, checked as RabbitMQ checks them (406 PRECONDITION_FAILED naming the
// argument): x-message-ttl, x-max-length(-bytes), x-expires, x-overflow, dead-lettering.
import { fail, type Fields } from './codec';

export interface QueueArgs {
  ttl: number | null;
  maxLength: number | null;
  maxLengthBytes: number | null;
  expires: number | null;
  overflow: string; // drop-head | reject-publish | reject-publish-dlx
}

export function parseQueueArgs(a: Fields, name: string, vhostName: string): QueueArgs {
  const ttl = intArg(a, 'x-message-ttl', name, 0);
  const maxLength = intArg(a, 'x-max-length', name, 0);
  const maxLengthBytes = intArg(a, 'x-max-length-bytes', name, 0);
  const expires = intArg(a, 'x-expires', name, 1);
  const ov = a['x-overflow'];
  if (ov !== undefined && !['drop-head', 'reject-publish', 'reject-publish-dlx'].includes(String(ov)))
    fail(406, `invalid arg 'x-overflow' for queue '${name}' in vhost '${vhostName}': ${String(ov)}`);
  const dlx = a['x-dead-letter-exchange'];
  if (dlx !== undefined && typeof dlx !== 'string')
    fail(406, `invalid arg 'x-dead-letter-exchange' for queue '${name}' in vhost '${vhostName}'`);
  const dlrk = a['x-dead-letter-routing-key'];
  if (dlrk !== undefined && (typeof dlrk !== 'string' || dlx === undefined))
    fail(406, `invalid arg 'x-dead-letter-routing-key' for queue '${name}' in vhost '${vhostName}'`);
  return { ttl, maxLength, maxLengthBytes, expires, overflow: ov === undefined ? 'drop-head' : String(ov) };
}

function intArg(args: Fields, key: string, queue: string, min: number): number | null {
  const v = args[key];
  if (v === undefined) return null;
  const n = typeof v === 'object' && v !== null && '!' in v ? Number(v.value) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min)
    fail(406, `invalid arg '${key}' for queue '${queue}': ${JSON.stringify(v)}`);
  return n;
}
