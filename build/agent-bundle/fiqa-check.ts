// se3-fiqa PHOTO... [--level high]: photo quality check on the box itself, with the face engine,
// models and native modules of this release (the same engine the agent uses). One JSON object
// per photo on stdout; exit 0 when all pass, 1 when any failed, 2 on usage error.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createFaceEngine } from '../../agent/face/index';
import type { FiqaLevel } from '../../agent/face/types';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { level: { type: 'string', default: 'high' } } });
  } catch (err) {
    process.stderr.write(`se3-fiqa: ${(err as Error).message}\n`);
    return 2;
  }
  const photos = parsed.positionals;
  if (photos.length === 0) {
    process.stderr.write('usage: se3-fiqa PHOTO... [--level high|custom|middle|low|no]\n');
    return 2;
  }
  const engine = await createFaceEngine({ modelsDir: process.env.SE3KIT_MODELS_DIR });
  let failed = 0;
  try {
    for (const photo of photos) {
      try {
        const r = await engine.analyze(new Uint8Array(readFileSync(photo)), { level: parsed.values.level as FiqaLevel });
        if (!r.passed) failed++;
        process.stdout.write(`${JSON.stringify({ photo, passed: r.passed, faces: r.data.length, data: r.data, ms: Math.round(r.ms) })}\n`);
      } catch (err) {
        failed++;
        process.stdout.write(`${JSON.stringify({ photo, passed: false, error: (err as Error).message, code: (err as { code?: number }).code })}\n`);
      }
    }
  } finally {
    await engine.close();
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`se3-fiqa: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
