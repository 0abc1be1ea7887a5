// Real figures for the device status (PROTOCOL §6.1): CPU use from os.cpus() deltas between two
// reports, memory from os.totalmem/freemem, disk from fs.statfs of the data directory (GB).
import { statfs } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';

const GB = 1024 ** 3;
const r2 = (n: number) => Math.round(n * 100) / 100;

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}

export class MachineFigures {
  private last = cpuTimes();

  constructor(private readonly dataDir: string) {}

  async read(): Promise<{ cpu_usage: number; memory_size: number; memory_usage: number; disk_size: number; disk_free_size: number }> {
    const now = cpuTimes();
    const dt = now.total - this.last.total;
    const cpu = dt > 0 ? (100 * (now.busy - this.last.busy)) / dt : 0;
    this.last = now;
    const s = await statfs(this.dataDir);
    const mem = totalmem();
    return {
      cpu_usage: Math.round(cpu * 10) / 10,
      memory_size: r2(mem / GB),
      memory_usage: r2(1 - freemem() / mem),
      disk_size: r2((s.blocks * s.bsize) / GB),
      disk_free_size: r2((s.bavail * s.bsize) / GB),
    };
  }
}
