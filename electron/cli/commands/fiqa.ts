// se3kit fiqa PATH... — check enrolment photos locally with the box's quality checks (and
// more) before uploading. Files or folders (recursive). Exit 0 all pass, 1 any failed or
// unreadable, 2 usage error.
import { readFile, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { asFiqaError, createFacePool, DEFAULT_LIMITS, FiqaCodes, FiqaError, FIQA_LEVELS, type FiqaAnalysis, type FiqaLevel } from '../../../agent/face';
import { CSV_HEADER, csvRows } from '../../fiqa/csv'; // shared with the Photo Check page's export

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp']);

interface Outcome {
  file: string;
  result?: FiqaAnalysis;
  error?: FiqaError;
}

/** The photos under `paths`, in order; a path that does not exist is listed as missing, not fatal. */
async function collect(paths: string[]): Promise<{ files: string[]; missing: Map<string, FiqaError> }> {
  const out: string[] = [];
  const missing = new Map<string, FiqaError>();
  const walk = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && IMAGE_EXT.has(extname(e.name).toLowerCase())) out.push(p);
    }
  };
  for (const p of paths) {
    let s;
    try {
      s = await stat(p);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'ENOENT' && e.code !== 'ENOTDIR' && e.code !== 'EACCES') throw err;
      out.push(p);
      missing.set(p, e.code === 'EACCES'
        ? new FiqaError(FiqaCodes.IMAGE_ERROR, 'cannot open: permission denied', 'check that this user may read the file or folder')
        : new FiqaError(FiqaCodes.IMAGE_ERROR, 'no such file or folder', 'check the path for typing errors; the other photos were checked'));
      continue;
    }
    if (s.isDirectory()) await walk(p);
    else out.push(p); // named explicitly: checked whatever its extension
  }
  return { files: out, missing };
}

function textLines(o: Outcome): string[] {
  if (o.error) return [`ERROR ${o.file}: ${o.error.message} [${o.error.code}]${o.error.hint ? `\n      fix: ${o.error.hint}` : ''}`];
  const r = o.result!;
  const lines = [`${r.passed ? 'PASS ' : 'FAIL '} ${o.file} (${r.data.length} face${r.data.length === 1 ? '' : 's'})`];
  r.data.forEach((d, i) => {
    for (const c of d.checks.filter((x) => !x.passed && x.enforced)) lines.push(`      face ${i + 1}: ${c.reason}\n        fix: ${c.hint}`);
  });
  return lines;
}

function parseJobs(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('must be a whole number from 1 to 64');
  return n;
}

function parseLevel(v: string): FiqaLevel {
  if (!(FIQA_LEVELS as readonly string[]).includes(v)) throw new InvalidArgumentError(`must be one of ${FIQA_LEVELS.join(', ')}`);
  return v as FiqaLevel;
}

function progress(done: number, total: number, failed: number, t0: number): string {
  const width = 30;
  const fill = total ? Math.round((done / total) * width) : width;
  const rate = done / Math.max(0.001, (performance.now() - t0) / 1000);
  return `\r[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${done}/${total}  ${failed} failed  ${rate.toFixed(1)} photos/s `;
}

export function register(program: Command): void {
  program
    .command('fiqa')
    .description('check face photos with the box\'s quality checks (FIQA) before enrolment')
    .argument('<paths...>', 'photo files or folders (searched recursively for .jpg .jpeg .png .webp)')
    .option('--level <level>', `strictness: ${FIQA_LEVELS.join(', ')} (no = measure only)`, parseLevel, 'high' as FiqaLevel)
    .option('--json', 'one JSON object per photo on stdout (JSON lines)')
    .option('--csv', 'CSV on stdout, one row per face')
    .option('--jobs <n>', 'photos checked in parallel (worker threads)', parseJobs, 1)
    .option('--attributes', 'also compute face embedding, age and sex (slower)')
    .option('--models <dir>', 'folder with the face models (default: bundled resources/models)')
    .action(async function (this: Command, paths: string[], o: { level: FiqaLevel; json?: boolean; csv?: boolean; jobs: number; attributes?: boolean; models?: string }) {
      if (o.json && o.csv) this.error('error: choose one of --json and --csv', { exitCode: 2 });
      let files: string[];
      let missing: Map<string, FiqaError>;
      try {
        ({ files, missing } = await collect(paths));
      } catch (err) {
        this.error(`error: ${(err as Error).message}`, { exitCode: 2 });
      }
      // nothing to check at all is a usage error; one wrong path among others is reported with the rest
      if (missing.size === files.length && missing.size > 0) {
        this.error(`error: no such file or folder: ${[...missing.keys()].join(', ')}`, { exitCode: 2 });
      }
      if (files.length === 0) this.error('error: no photos found (.jpg, .jpeg, .png, .webp)', { exitCode: 2 });

      const pool = await createFacePool({ jobs: o.jobs, modelsDir: o.models });
      const tty = process.stderr.isTTY === true;
      const out = (s: string) => process.stdout.write(`${s}\n`);
      if (o.csv) out(CSV_HEADER.join(','));
      const t0 = performance.now();
      const outcomes: Array<Outcome | undefined> = new Array(files.length);
      let printed = 0;
      let done = 0;
      let failed = 0;
      let errors = 0;
      const flush = () => {
        while (printed < files.length && outcomes[printed]) {
          const oc = outcomes[printed]!;
          outcomes[printed] = { file: oc.file }; // drop results once printed (bounded memory)
          if (tty) process.stderr.write('\r\x1b[K');
          if (o.json) {
            out(JSON.stringify(oc.error ? { file: oc.file, ok: false, passed: false, code: oc.error.code, message: oc.error.message, hint: oc.error.hint } : { file: oc.file, ok: true, ...oc.result }));
          } else if (o.csv) csvRows(oc).forEach(out);
          else textLines(oc).forEach(out);
          printed++;
        }
        if (tty) process.stderr.write(progress(done, files.length, failed + errors, t0));
      };
      const window = o.jobs * 3;
      let next = 0;
      const runOne = async (): Promise<void> => {
        while (next < files.length) {
          const i = next++;
          const file = files[i]!;
          try {
            const absent = missing.get(file);
            if (absent) throw absent;
            const size = (await stat(file)).size;
            if (size > DEFAULT_LIMITS.maxBytes) {
              // refuse before reading: a huge file never gets into memory
              throw new FiqaError(FiqaCodes.IMAGE_SIZE_TOO_LARGE_ERROR, `image file too large: ${(size / 1048576).toFixed(1)} MB, limit ${DEFAULT_LIMITS.maxBytes / 1048576} MB`, 'export the photo as JPEG at a smaller size (e.g. 1920 px on the long side)');
            }
            const result = await pool.analyze(await readFile(file), { level: o.level, attributes: !!o.attributes });
            outcomes[i] = { file, result };
            if (!result.passed) failed++;
          } catch (err) {
            outcomes[i] = { file, error: asFiqaError(err) };
            errors++;
          }
          done++;
          flush();
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(window, files.length) }, runOne));
      } finally {
        await pool.close();
      }
      if (tty) process.stderr.write('\r\x1b[K');
      const secs = (performance.now() - t0) / 1000;
      const passed = files.length - failed - errors;
      process.stderr.write(
        `${files.length} photo${files.length === 1 ? '' : 's'}: ${passed} passed, ${failed} failed, ${errors} unreadable or without a face ` +
          `(level ${o.level}, ${(files.length / secs).toFixed(1)} photos/s)\n` +
          (missing.size ? `not found: ${[...missing.keys()].join(', ')}\n` : ''),
      );
      process.exitCode = failed + errors > 0 ? 1 : 0;
    });
}
