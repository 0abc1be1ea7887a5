// Opening an SSH session to a box with the deploy service's settings: pinned host keys, and the
// login key (an explicit key file, or this installation's key installed by `adopt`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBoxSpec } from './box-spec';
import { DeployError } from './errors';
import type { EventSink } from './events';
import { emitter } from './events';
import { loadInstallationKey } from './keys';
import { KnownHosts } from './known-hosts';
import { noSecretStore, type SecretStore } from './secret-store';
import { adoptCommand, SshSession } from './ssh';

export interface BoxTarget {
  host: string;
  /** SSH port (default 22). */
  port?: number;
  /** SSH user (default root). */
  user?: string;
  /** Per-box override of the install prefix (fleets where boxes differ). */
  prefix?: string;
  /** Per-box override of the agent's HTTP port. */
  agentPort?: number;
}

export interface DeployContext {
  /** App data dir: known-hosts.json and the installation key live here. */
  dataDir: string;
  /** Login key file; default: this installation's key (see `adopt`). */
  keyFile?: string;
  /** Accept a changed host key, exactly this fingerprint (after the technician checked it on the box). */
  acceptHostKey?: string;
  secretStore?: SecretStore;
  /** SSH handshake timeout in seconds (default 20). */
  connectTimeoutSec?: number;
}

export function knownHostsFor(ctx: DeployContext): KnownHosts {
  return new KnownHosts(join(ctx.dataDir, 'known-hosts.json'));
}

export function targetLabel(t: BoxTarget): string {
  return t.port && t.port !== 22 ? `${t.host}:${t.port}` : t.host;
}

/** Parses "host", "host:port", "user@host[:port]", "[v6]:port" (see box-spec.ts). */
export function parseTarget(spec: string, defaults: { user?: string; port?: number } = {}): BoxTarget {
  const r = parseBoxSpec(spec, defaults);
  if ('problem' in r) throw new DeployError('connect-failed', r.problem);
  return r;
}

export async function openSession(target: BoxTarget, ctx: DeployContext, sink?: EventSink, password?: string): Promise<SshSession> {
  const host = targetLabel(target);
  const ev = emitter(sink, host);
  let privateKey: string | undefined;
  if (password === undefined) {
    if (ctx.keyFile) {
      try {
        privateKey = readFileSync(ctx.keyFile, 'utf8');
      } catch (err) {
        throw new DeployError('no-key', `cannot read the key file ${ctx.keyFile}: ${(err as Error).message}`);
      }
    } else {
      const k = loadInstallationKey(ctx.dataDir);
      if (!k) {
        throw new DeployError(
          'no-key',
          `no SSH key to log in to ${host} with: run \`${adoptCommand(target)}\` once (it asks for the box password and installs this installation's key), or pass --key FILE`,
        );
      }
      privateKey = k.privateKey;
    }
  }
  const session = await SshSession.connect(
    { host: target.host, port: target.port ?? 22, user: target.user ?? 'root' },
    { privateKey, password },
    {
      knownHosts: knownHostsFor(ctx),
      acceptChangedHostKey: ctx.acceptHostKey,
      readyTimeoutSec: ctx.connectTimeoutSec,
      onHostKey: (info) => {
        ev.raw({ type: 'hostkey', host, ...info });
        if (info.status === 'new') ev.log('info', `new host key ${info.fingerprint} (${info.keyType}) stored for ${host}`);
        if (info.status === 'changed') ev.log('warn', `host key of ${host} changed to ${info.fingerprint}; accepted as asked`);
      },
    },
  );
  return session;
}

export { noSecretStore };
