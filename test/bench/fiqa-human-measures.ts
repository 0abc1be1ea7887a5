// npx tsx test/bench/fiqa-human-measures.ts [--levels] FILE...
// The human-face check's measures (agent/face/human.ts) of the main face of each photo, one
// line per photo: face width, landmark confidence (and on wider crops, in a toned print the
// landmark model is unsure of), yaw, skin texture, hue, skin_red, skin axis,
// photo_colour and skin_tint (level `no`, nothing refused); with --levels also the verdict at
// high, middle and low (first failed check, or the 40004 message). PNGs are flattened on white.
// Used for the black-and-white / toned-print decision (docs/fiqa.md, from README "Photo checks").
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import sharp from 'sharp';
import { createFaceEngine, FiqaError } from '../../agent/face';

const LEVELS = process.argv.includes('--levels');
const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (files.length === 0) {
  console.error('usage: npx tsx test/bench/fiqa-human-measures.ts [--levels] FILE...');
  process.exit(2);
}
const fmt = (v: number | null | undefined, d = 2) => (v === null || v === undefined ? '-' : v.toFixed(d));
const engine = await createFaceEngine();
console.log(['file', 'width', 'landmark', 'wide', 'yaw', 'texture', 'hue', 'red', 'axis', 'photo_colour', 'skin_tint', ...(LEVELS ? ['high', 'middle', 'low'] : [])].join('\t'));
for (const f of files) {
  let buf: Buffer;
  try {
    buf = readFileSync(f);
    if (/\.png$/i.test(f)) buf = await sharp(buf).flatten({ background: '#ffffff' }).jpeg({ quality: 95 }).toBuffer();
  } catch (err) {
    console.log(`${basename(f)}\tunreadable: ${(err as Error).message}`);
    continue;
  }
  const row: string[] = [basename(f)];
  try {
    const e = (await engine.analyze(buf, { level: 'no', attributes: false })).data[0]!;
    const m = e.measures;
    row.push(String(Math.round(e.bbox[2] - e.bbox[0])), fmt(m.landmark_confidence, 1), fmt(m.landmark_confidence_wide, 1), fmt(e.info.headpose.yaw_angle, 1), fmt(m.skin_texture), fmt(m.skin_hue, 1), fmt(m.skin_red, 1), fmt(m.skin_axis), fmt(m.photo_colour), fmt(m.skin_tint));
  } catch (err) {
    row.push(`(${(err as Error).message})`, '', '', '', '', '', '', '', '', '');
  }
  if (LEVELS) {
    for (const level of ['high', 'middle', 'low'] as const) {
      const r = await engine.analyze(buf, { level, attributes: false }).catch((err: Error) => err);
      row.push(r instanceof FiqaError ? `${r.code} ${r.message}` : r instanceof Error ? String(r) : r.passed ? 'pass' : `fail ${r.data[0]!.fails[0]}`);
    }
  }
  console.log(row.join('\t'));
}
await engine.close();
