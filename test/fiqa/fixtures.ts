// Face fixtures (public-domain portraits, see ../shared/fixtures/README.md) for the FIQA tests.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FACES_DIR = fileURLToPath(new URL('../../../shared/fixtures/faces/', import.meta.url));
export const PORTRAITS = ['obama.jpg', 'obama2.jpg', 'obama-1080p.jpg', 'biden.jpg', 'biden2.jpg'];
/**
 * A full-length photo with the head bowed: about 20° of pitch against the calibrated zero
 * (frontal official portraits centre on 0°), at the edge of level high's 20°.
 */
export const BOWED = 'obama3.jpg';
export const PARTIAL = ['obama_partial_face.jpg', 'obama_partial_face2.jpg'];

export function face(name: string): Buffer {
  return readFileSync(FACES_DIR + name);
}
