// A child process for box-port-disk-full.test.ts: a site platform (the test harness's, with
// its embedded broker) whose data folder is wherever TMPDIR points (the test mounts a small
// tmpfs there), with one box logged in. Prints {"base","q"} on a line; on "list" from stdin
// prints the ids of the stored events; on "close" closes the platform and exits.
import { createInterface } from 'node:readline';
import { http, startPlatform } from './harness';

process.on('warning', () => undefined); // the failed writes are the point of the test
const h = await startPlatform({ autoSync: false });
const devSno = (await h.platform.addDevice('full')).devSno;
const r = await http(`${h.base}/login?dev_sno=${devSno}&hex_mac=0xe0a50900d004`);
if (r.status !== 200) throw new Error(`login: ${r.status} ${r.body.toString()}`);
process.stdout.write(`${JSON.stringify({ base: h.base, devSno, q: `dev_sno=${devSno}&token=${encodeURIComponent(r.json().token as string)}` })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'list') process.stdout.write(`${JSON.stringify((await h.platform.events!.list({ limit: 1000 } as never)).events.map((e) => e.id))}\n`);
  if (line === 'close') {
    await h.close();
    process.exit(0);
  }
}
