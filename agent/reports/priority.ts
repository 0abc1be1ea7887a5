// Realtime before history: while a snapshot is being recognised or its realtime event is on its
// way, the history upload does not start reading, building or sending a batch (each of those
// holds the database connection, the event loop or the platform for a while, and the realtime
// event would wait behind it). History is delayed, never skipped: it waits for a quiet moment,
// at most `maxWaitMs` per step, so a camera that never pauses cannot starve it.

export class RealtimeFirst {
  private busy = 0;
  private waiters: Array<() => void> = [];

  /** A snapshot entered recognition; call the returned function once its realtime reports are settled. */
  enter(): () => void {
    this.busy++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.busy === 0) for (const w of this.waiters.splice(0)) w();
    };
  }

  get active(): number {
    return this.busy;
  }

  /** Resolves when no snapshot is in flight, or after `maxWaitMs` anyway. */
  idle(maxWaitMs = 2000): Promise<void> {
    if (this.busy === 0) return Promise.resolve();
    return new Promise<void>((ok) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== go);
        ok();
      }, maxWaitMs);
      const go = () => {
        clearTimeout(t);
        ok();
      };
      this.waiters.push(go);
    });
  }
}
