// se3kit adopt HOST --user U — log in once with the box password and install this
// installation's SSH key; later deploys log in with the key. The password is not stored.
import type { Command } from 'commander';
import { adoptBox, parseTarget } from '../../deploy/index';
import { addConnectionOptions, contextFrom, eventPrinter, promptPassword, readPasswordFile, writeJson, type ConnectionOpts } from '../../deploy/cli-support';

export function register(program: Command): void {
  const cmd = program
    .command('adopt')
    .description("log in once with the box password and install this installation's SSH key (the password is not stored)")
    .argument('<host>', 'box: host, host:port or user@host[:port]')
    .option('--password-file <file>', 'read the password from this file instead of asking on the terminal');
  addConnectionOptions(cmd).action(async (host: string, o: ConnectionOpts & { passwordFile?: string }) => {
    const target = parseTarget(host, { user: o.user, port: o.port });
    let password: string;
    try {
      password = o.passwordFile ? readPasswordFile(o.passwordFile) : await promptPassword(`password for ${target.user}@${target.host}: `);
    } catch (err) {
      process.stderr.write(`se3kit adopt: ${(err as Error).message}\n`);
      process.exitCode = o.passwordFile ? 1 : 2;
      return;
    }
    try {
      const r = await adoptBox(target, password, contextFrom(o), {}, eventPrinter(!!o.json));
      if (o.json) writeJson({ ok: true, ...r });
      else
        process.stdout.write(
          `${r.host}: ${r.alreadyPresent ? 'the installation key was already installed' : 'installation key installed'} for ${r.user}; ` +
            `host key ${r.hostKeyFingerprint}. Deploy with: se3kit deploy ${r.host}${r.port !== 22 ? `:${r.port}` : ''} --user ${r.user}\n`,
        );
    } catch (err) {
      if (o.json) writeJson({ ok: false, host: target.host, reason: (err as Error).message, code: (err as { code?: string }).code });
      else process.stderr.write(`se3kit adopt: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  });
}
