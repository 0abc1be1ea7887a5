// fdatasync off the event loop, many at once: each durable queue has its own log, and a turn
// that writes to hundreds of queues needs hundreds of syncs before their confirms go out. The
// libuv thread pool runs 4 at a time (its size is fixed before any code of ours runs); syncs in
// flight together share the filesystem's journal commits, so a few worker threads doing
// blocking fdatasync calls finish a burst in a fraction of the time. File descriptors are
// process-wide, so a worker syncs the queue's own fd.
import { fdatasync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { fdatasyncSync } = require('node:fs');
parentPort.on('message', (m) => {
  let err = null;
  try { fdatasyncSync(m.fd); } catch (e) { err = { message: e.message, code: e.code }; }
  parentPort.postMessage({ id: m.id, err });
});
`;

type Done = (err: NodeJS.ErrnoException | null) => void;

export class SyncPool {
  private workers: Array<{ w: Worker; busy: number }> = [];
  private readonly pending = new Map<number, { slot: { w: Worker; busy: number }; fd: number; done: Done }>();
  private nextId = 1;
  private broken = false;

  constructor(private readonly size = 8) {}

  fdatasync(fd: number, done: Done): void {
    if (this.broken || this.size <= 0) return fdatasync(fd, done);
    if (this.workers.length < this.size && this.workers.every((x) => x.busy > 0)) this.spawn();
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    slot.busy++;
    this.pending.set(id, { slot, fd, done });
    slot.w.postMessage({ id, fd });
  }

  /** Stops the workers; resolves once they are gone (their syncs in flight are redone by the thread pool). */
  async close(): Promise<void> {
    const ws = this.workers.map((x) => x.w);
    await Promise.all(ws.map((w) => w.terminate().catch(() => undefined)));
  }

  private spawn(): void {
    let w: Worker;
    try {
      w = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    } catch {
      this.broken = true; // no worker threads here: the thread pool does it
      return;
    }
    w.unref();
    const slot = { w, busy: 0 };
    w.on('message', (m: { id: number; err: { message: string; code?: string } | null }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      slot.busy--;
      p.done(m.err ? Object.assign(new Error(m.err.message), { code: m.err.code }) : null);
    });
    const lost = () => {
      // A worker gone (terminated, crashed): its syncs are redone by the thread pool, never dropped.
      this.workers = this.workers.filter((x) => x !== slot);
      for (const [id, p] of [...this.pending]) {
        if (p.slot !== slot) continue;
        this.pending.delete(id);
        fdatasync(p.fd, p.done);
      }
    };
    w.on('error', () => {
      this.broken = true;
      lost();
    });
    w.on('exit', lost);
    this.workers.push(slot);
  }
}
