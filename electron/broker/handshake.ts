// The connection handshake's checks: login (PLAIN/AMQPLAIN against the users, loopback-only
// users), connection.update-secret, tune negotiation and vhost access. Refused logins are kept
// for the Broker page (BrokerCore.loginRefused).
import { checkPassword, parseLogin } from './auth';
import { AmqpError, M, type Fields } from './codec';
import type { BrokerCore, CoreOptions } from './core';
import type { Vhost } from './vhost';

/** Whether a socket address is this machine's loopback (IPv4 127/8, ::1, IPv4-mapped 127/8). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\./.test(a);
}

/** connection.start-ok: the user logged in, or an AmqpError (403 ACCESS_REFUSED, 540 unknown mechanism). */
export function authenticate(core: BrokerCore, f: Fields, peer: string, remoteAddress: string | undefined): string {
  let login: ReturnType<typeof parseLogin>;
  try {
    login = parseLogin(f.mechanism, f.response);
  } catch (err) {
    core.loginRefused({ at: Date.now(), peer, user: '', mechanism: String(f.mechanism), reason: `unreadable ${f.mechanism} response` });
    throw new AmqpError(403, `ACCESS_REFUSED - unreadable ${f.mechanism} login response: ${(err as Error).message}`, M.ConnectionStartOk);
  }
  if (!login) throw new AmqpError(540, `NOT_IMPLEMENTED - unsupported authentication mechanism '${f.mechanism}'`, M.ConnectionStartOk);
  const { user, pass } = login;
  const u = core.users.get(user);
  const reason = !u
    ? `user '${user}' does not exist`
    : !checkPassword(u, pass)
      ? `wrong password for user '${user}'`
      : core.loopbackUsers.has(user) && !isLoopback(remoteAddress)
        ? `user '${user}' can only connect via localhost`
        : null;
  if (reason) {
    core.loginRefused({ at: Date.now(), peer, user, mechanism: String(f.mechanism), reason });
    throw new AmqpError(403, `ACCESS_REFUSED - Login was refused using authentication mechanism ${f.mechanism}. For details see the broker logfile.`, M.ConnectionStartOk);
  }
  return user;
}

/** connection.update-secret (RabbitMQ ≥ 3.8): the new secret must be the user's password, else 403. */
export function checkNewSecret(core: BrokerCore, user: string, peer: string, f: Fields): void {
  const secret = Buffer.isBuffer(f.newSecret) ? f.newSecret.toString('utf8') : String(f.newSecret ?? '');
  const u = core.users.get(user);
  if (!u || !checkPassword(u, secret)) {
    core.loginRefused({ at: Date.now(), peer, user, mechanism: 'update-secret', reason: `update-secret: wrong secret for user '${user}'` });
    throw new AmqpError(403, `ACCESS_REFUSED - New secret was refused by one of the backends`, M.ConnectionUpdateSecret);
  }
}

/** connection.tune-ok: the frame size, channel count and heartbeat the connection runs with. */
export function negotiateTune(options: CoreOptions, f: Fields): { frameMax: number; channelMax: number; heartbeat: number } {
  const max = options.frameMax;
  const fm = f.frameMax === 0 ? max : f.frameMax;
  if (fm < 4096 || fm > max) throw new AmqpError(530, `NOT_ALLOWED - frame_max=${f.frameMax} outside 4096..${max}`, M.ConnectionTuneOk);
  return {
    frameMax: fm,
    channelMax: f.channelMax === 0 ? options.channelMax : Math.min(f.channelMax, options.channelMax),
    heartbeat: f.heartbeat,
  };
}

/** connection.open: the vhost, if it exists and the user may use it (else 530 NOT_ALLOWED). */
export function openVhost(core: BrokerCore, user: string, f: Fields): Vhost {
  const vh = core.vhosts.get(f.virtualHost);
  if (!vh) throw new AmqpError(530, `NOT_ALLOWED - vhost ${f.virtualHost} not found`, M.ConnectionOpen);
  if (!core.permissions.get(user, f.virtualHost))
    throw new AmqpError(530, `NOT_ALLOWED - access to vhost '${f.virtualHost}' refused for user '${user}'`, M.ConnectionOpen);
  return vh;
}
