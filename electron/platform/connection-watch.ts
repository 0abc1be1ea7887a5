// Tells the pages when a box connects or drops, or when the broker stops or comes back: a box's
// "connected" is whether it consumes its command queue, which the broker knows and the platform
// is not told. Every few seconds the broker's queues are listed (in process for the embedded
// broker, one management API request for a site's RabbitMQ); a change announces 'devices', and
// the pages (platform.changed) read the list again. One look at a time; nothing when unchanged.
import type { PlatformCore } from './core';

type Link = 'connected' | 'idle' | 'no queue';

export class ConnectionWatch {
  private timer: NodeJS.Timeout | undefined;
  private last = new Map<string, Link>();
  private looking = false;

  constructor(
    private readonly core: PlatformCore,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.look().catch(() => undefined), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Looks once; announces 'devices' when any box's link changed since the last look. */
  async look(): Promise<void> {
    const { core } = this;
    if (this.looking || core.closed || !core.provisioner) return;
    this.looking = true;
    try {
      const devices = await core.read((s) => s.devices.list());
      // every queue in one request (a broker that does not answer: no queue for anyone)
      const queues = await core.provisioner.queueInfos().catch(() => new Map<string, { consumers: number }>());
      const now = new Map<string, Link>();
      for (const d of devices) {
        if (!d.enabled) continue;
        const q = queues.get(d.dev_sno);
        now.set(d.dev_sno, q === undefined ? 'no queue' : q.consumers > 0 ? 'connected' : 'idle');
      }
      const changed = now.size !== this.last.size || [...now].some(([k, v]) => this.last.get(k) !== v);
      this.last = now;
      if (changed && !core.closed) core.changed('devices');
    } finally {
      this.looking = false;
    }
  }
}
