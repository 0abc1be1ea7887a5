// npm run build:agent -- --arch arm64|x64 [--arch ...] [--version V] [--out DIR] [--compress xz|gzip] [--level 0-9]
// Builds dist/agent/se3-agent-<version>-linux-<arch>.tar (xz payload; .tar.gz with --compress gzip),
// see ./bundle.ts, and prints its size. Signs its manifest with the release key ($SE3KIT_RELEASE_KEY,
// else <data dir>/release-key/ed25519.pem; made on the first build, 0600) and prints the key's
// fingerprint, which technicians on other machines trust with `--trust-bundle-key`.
import { parseArgs } from 'node:util';
import { releaseKeyPath } from '../../electron/deploy/signing';
import { buildAgentBundle, type Arch } from './bundle';

const BUDGET = 60 * 1024 * 1024;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      arch: { type: 'string', multiple: true },
      version: { type: 'string' },
      out: { type: 'string' },
      entry: { type: 'string' },
      compress: { type: 'string', default: 'xz' },
      level: { type: 'string' },
    },
  });
  const arches = values.arch?.length ? values.arch : ['arm64'];
  for (const a of arches) {
    if (a !== 'arm64' && a !== 'x64') {
      console.error(`build:agent: --arch must be arm64 or x64, not "${a}"`);
      process.exit(2);
    }
  }
  let over = false;
  for (const arch of arches as Arch[]) {
    const t0 = Date.now();
    const r = await buildAgentBundle({
      arch,
      version: values.version,
      outDir: values.out,
      entry: values.entry,
      compress: values.compress === 'gzip' ? 'gzip' : 'xz',
      level: values.level ? Number(values.level) : undefined,
      log: (m) => console.log(`[${arch}] ${m}`),
    });
    const mib = (r.size / 1024 / 1024).toFixed(1);
    console.log(
      `${r.file}\n  ${mib} MiB compressed (budget 60 MiB${r.size > BUDGET ? ' — OVER' : ''}), ${(r.unpackedSize / 1024 / 1024).toFixed(1)} MiB unpacked, ` +
        `${r.files} files, version ${r.version}, min glibc ${r.minGlibc}, sha256 ${r.sha256}, ${((Date.now() - t0) / 1000).toFixed(1)} s\n` +
        `  signed by ${r.signedBy} (release key ${releaseKeyPath()})`,
    );
    if (r.size > BUDGET) over = true;
  }
  if (over) process.exit(1);
}

main().catch((err) => {
  console.error(`build:agent: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
