// The disk's own floor under a durable confirm: `count` appends of 1 KiB to a preallocated file
// in `dir`, each followed by fdatasync (as the broker's store syncs a lone waiter); ms each.
import { closeSync, fdatasyncSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export function diskSyncs(dir: string, count: number): number[] {
  const path = join(dir, 'disk-sync-floor');
  const fd = openSync(path, 'w+');
  try {
    const rec = Buffer.alloc(1024, 1);
    writeSync(fd, Buffer.alloc((count + 100) * rec.length), 0, (count + 100) * rec.length, 0);
    fsyncSync(fd);
    const out: number[] = [];
    for (let i = 0; i < count + 100; i++) {
      const t = performance.now();
      writeSync(fd, rec, 0, rec.length, i * rec.length);
      fdatasyncSync(fd);
      if (i >= 100) out.push(performance.now() - t); // the first 100 warm up
    }
    return out;
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}
