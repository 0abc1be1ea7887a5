// se3kit platform — script the site platform of a running server: devices (authorisation
// codes), groups, people, sync and wipe. Every command takes --data DIR (where the server
// keeps its data) and --json (one JSON object per line).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { IMPORT_CSV_MAX_CHARS, type CommissionProgress, type DeviceView, type PersonView } from '../../api/platform';
import { defaultDataDir } from '../../api/services';
import { parsePortOption } from './discover';
import { PlatformClient } from './platform-client';
import { registerPlatformEvents } from './platform-events';

interface Common {
  data?: string;
  json?: boolean;
}

const client = (o: Common) => PlatformClient.open(o.data ?? defaultDataDir());
const line = (obj: unknown): void => void process.stdout.write(`${JSON.stringify(obj)}\n`);
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** An option that takes a whole number from min to max; anything else is a usage error (exit 2) before the server is asked. */
const wholeNumber = (min: number, max: number) => (v: string): number => {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
  return n;
};

function common(cmd: Command): Command {
  return cmd.option('--data <dir>', 'data directory of the running server (default: $SE3KIT_DATA or ~/.se3kit)').option('--json', 'one JSON object per line');
}

/** "broker login ready, box connected": the login exists on the broker; whether the box holds its connection now. */
export function brokerWords(d: Pick<DeviceView, 'brokerState' | 'brokerError' | 'brokerConnected'>): string {
  if (d.brokerState === 'ready') return `broker login ready, box ${d.brokerConnected ? 'connected' : 'not connected'}`;
  return `broker ${d.brokerState}${d.brokerError ? ` (${d.brokerError})` : ''}`;
}

function printDevice(d: DeviceView, json?: boolean): void {
  if (json) return line(d);
  const state = d.online ? 'online' : 'offline';
  const sync = Object.entries(d.sync).map(([k, v]) => `${k} ${v}`).join(', ');
  process.stdout.write(
    `${d.devSno}  ${d.name || '-'}  ${d.enabled ? state : 'disabled'}  MAC ${d.mac ?? '(not bound)'}  ${brokerWords(d)}  groups ${d.groups.join(', ') || '-'}  ${sync}\n`,
  );
}

/** A held person's state on a box in words (the others print as their state name). */
const HELD_WORDS: Record<string, string> = {
  held: 'held (not sent)',
  removing: 'held (being removed from the box)',
  removed: 'held (removed from the box until the photo is replaced)',
};

function printPerson(p: PersonView, json?: boolean): void {
  if (json) return line(p);
  const best = p.photos[0];
  const photo = best ? (best.verdict.passed ? `photo ok (score ${best.verdict.score.toFixed(2)})` : `photo FAILED: ${best.verdict.message} — not sent to the boxes; replace the photo`) : 'no photo — not sent to the boxes; add one';
  const boxes = p.boxes.map((b) => `${b.devSno.slice(0, 6)}…:${HELD_WORDS[b.state] ?? b.state}${b.code ? ` ${b.code}` : ''}`).join(' ');
  process.stdout.write(`${p.id}  ${p.name}  [${p.groups.join(', ')}]  ${photo}  ${boxes}\n`);
}

/** One commissioning state of a box as a line: configuring, waiting for login, logged in, broker channel up, or why not. */
export function commissionLine(p: CommissionProgress): string {
  const code = p.devSno ? ` (dev_sno ${p.devSno})` : '';
  if (p.done) return p.ok ? `${p.host}: OK — broker channel up${code}` : `${p.host}: FAILED — ${p.message}${code}`;
  if (p.step === 'configuring') return `${p.host}: configuring — DevSno ${p.devSno}, LoginUrl ${p.loginUrl}`;
  if (p.step === 'logging-in') return `${p.host}: waiting for login`;
  if (p.step === 'broker') return `${p.host}: logged in, waiting for its broker channel`;
  return `${p.host}: ${p.message}`;
}

export function register(program: Command): void {
  const platform = program.command('platform').description('the site platform of a running `se3kit serve`: devices, people, groups, sync, wipe');

  const devices = platform.command('devices').description('boxes of this site (authorisation codes)');
  common(devices.command('add').description('issue a new authorisation code (dev_sno)').option('--name <name>', 'a name for the box', '')).action(async (o: Common & { name: string }) => {
    printDevice(await (await client(o)).call('platform.devices.add', { name: o.name }), o.json);
  });
  common(devices.command('list').description('every device with online state, MAC, last login and sync counts')).action(async (o: Common) => {
    for (const d of await (await client(o)).call('platform.devices.list', {})) printDevice(d, o.json);
  });
  common(devices.command('release <devSno>').description('release the MAC binding: the next box to log in with this code takes it')).action(async (devSno: string, o: Common) => {
    printDevice(await (await client(o)).call('platform.devices.release', { devSno }), o.json);
  });
  for (const [name, enabled] of [['enable', true], ['disable', false]] as const) {
    common(devices.command(`${name} <devSno>`).description(`${name} an authorisation code`)).action(async (devSno: string, o: Common) => {
      printDevice(await (await client(o)).call('platform.devices.enable', { devSno, enabled }), o.json);
    });
  }
  for (const [name, what] of [
    ['assign', 'assign permission groups to a box'],
    ['unassign', 'take permission groups off a box (their people are deleted from it on the next sync)'],
  ] as const) {
    common(devices.command(`${name} <devSno>`).description(what).requiredOption('--group <name>', 'group (repeatable)', collect)).action(
      async (devSno: string, o: Common & { group: string[] }) => {
        const c = await client(o);
        let d: DeviceView | undefined;
        for (const group of o.group) d = await c.call(name === 'assign' ? 'platform.devices.assign' : 'platform.devices.unassign', { devSno, group });
        printDevice(d!, o.json);
      },
    );
  }
  common(devices.command('remove <devSno>').description('remove a box from this site: its code, broker user and queues (the box itself keeps its users until wiped)')).action(async (devSno: string, o: Common) => {
    const r = await (await client(o)).call('platform.devices.remove', { devSno });
    if (o.json) line(r);
    else process.stdout.write(`device ${r.removed} removed\n`);
  });

  const groups = platform.command('groups').description('permission groups');
  common(groups.command('add <name>').description('add a group')).action(async (name: string, o: Common) => {
    const r = await (await client(o)).call('platform.groups.add', { name });
    if (o.json) line(r);
    else process.stdout.write(`group ${r.name} added\n`);
  });
  common(groups.command('list').description("groups with their permission id (a capture device's permission_ids), member and box counts")).action(async (o: Common) => {
    for (const g of await (await client(o)).call('platform.groups.list', {})) {
      if (o.json) line(g);
      else process.stdout.write(`${g.name}  permission id ${g.id}  ${g.members} people  ${g.devices} boxes\n`);
    }
  });

  common(groups.command('delete <name>').description('delete a group (its people leave the boxes that held them only through it)')).action(async (name: string, o: Common) => {
    const r = await (await client(o)).call('platform.groups.delete', { name });
    if (o.json) line(r);
    else process.stdout.write(`group ${r.deleted} deleted\n`);
  });

  const people = platform.command('people').description('people and their photos');
  common(
    people
      .command('add')
      .description('add a person with a photo (checked at once; the verdict is printed)')
      .requiredOption('--id <id>', 'identity id (the box key)')
      .requiredOption('--name <name>', 'name')
      .option('--photo <file>', 'photo file (repeatable; the best by FIQA score is sent)', collect)
      .option('--group <name>', 'group (repeatable)', collect)
      .option('--type <n>', 'type: 1 staff, 2 visitor, 3 blacklist, 4 stranger, 5 VIP', wholeNumber(1, 5), 1),
  ).action(async (o: Common & { id: string; name: string; photo?: string[]; group?: string[]; type: number }) => {
    const photos: string[] = [];
    for (const f of o.photo ?? []) photos.push((await readFile(f).catch(() => Promise.reject(new Error(`cannot read the photo ${f}`)))).toString('base64'));
    const p = await (await client(o)).call('platform.people.add', { id: o.id, name: o.name, type: o.type, groups: o.group ?? [], photos });
    printPerson(p, o.json);
    if (p.photos[0] && !p.photos[0].verdict.passed) process.exitCode = 1;
  });
  common(people.command('delete <id>').description('delete a person (deleted from the boxes on the next sync)')).action(async (id: string, o: Common) => {
    const r = await (await client(o)).call('platform.people.delete', { id });
    if (o.json) line(r);
    else process.stdout.write(`person ${r.deleted} deleted\n`);
  });
  common(people.command('list').description('people with groups, photo verdict and per-box state').option('--search <text>', 'id or name contains').option('--group <name>', 'members of a group')).action(
    async (o: Common & { search?: string; group?: string }) => {
      const c = await client(o);
      for (let offset = 0; ; offset += 500) {
        const r = await c.call('platform.people.list', { search: o.search, group: o.group, limit: 500, offset });
        for (const p of r.people) printPerson(p, o.json);
        if (r.people.length < 500) break;
      }
      // nobody listed for a group name that does not exist (a typo) is an error, not an empty group
      if (o.group !== undefined && !(await c.call('platform.groups.list', {})).some((g) => g.name === o.group)) {
        throw new Error(`there is no group "${o.group}" (see \`se3kit platform groups list\`)`);
      }
    },
  );
  common(people.command('import').description('import people from a CSV (id,name[,groups][,photo][,type]) and a photo folder').requiredOption('--csv <file>', 'CSV file').option('--photos <dir>', 'folder with the photo files')).action(
    async (o: Common & { csv: string; photos?: string }) => {
      const csv = await readFile(o.csv, 'utf8').catch(() => Promise.reject(new Error(`cannot read ${o.csv}`)));
      // the server takes at most IMPORT_CSV_MAX_CHARS of CSV per call; said here in words, before anything is sent
      if (csv.length > IMPORT_CSV_MAX_CHARS) {
        throw new Error(`${o.csv} is ${(Buffer.byteLength(csv) / 1048576).toFixed(1)} MB; an import takes at most ${IMPORT_CSV_MAX_CHARS / 1048576} MB: split it into smaller files, each with the header row, and import them one after another`);
      }
      const r = await (await client(o)).call('platform.people.import', { csv, photosDir: o.photos ? resolve(o.photos) : undefined });
      if (o.json) line(r);
      else {
        process.stdout.write(`${r.summary}\n`);
        for (const f of r.failed) process.stdout.write(`  line ${f.line}${f.id ? ` (${f.id})` : ''}: ${f.error}\n`);
        for (const f of r.photoFailed) process.stdout.write(`  ${f.id}: photo fails the check (${f.message}): not sent to the boxes until a photo that passes replaces it\n`);
      }
      if (r.failed.length > 0) process.exitCode = 1;
    },
  );

  common(
    platform
      .command('sync')
      .description('send every box the people it must hold (and delete the ones it must not)')
      .option('--device <devSno>', 'only this box')
      .option('--wait', 'wait until every box answered (or --timeout)')
      .option('--timeout <s>', 'with --wait: give up after this many seconds', wholeNumber(1, 86_400), 300),
  ).action(async (o: Common & { device?: string; wait?: boolean; timeout: number }) => {
    const c = await client(o);
    const reports = await c.call('platform.sync', { devSno: o.device });
    for (const r of reports) {
      if (o.json) line({ type: 'sent', ...r });
      else
        process.stdout.write(
          `${r.devSno}: ${r.added} to add, ${r.deleted} to delete, ${r.unchanged} unchanged${r.held ? `, ${r.held} held (photo fails the check: not sent)` : ''}${r.removed ? `, ${r.removed} held and being removed from the box (photo now fails the check)` : ''}${r.error ? ` — ${r.error}` : ''}\n`,
        );
    }
    if (reports.some((r) => r.error)) process.exitCode = 1;
    if (!o.wait) return;
    const end = Date.now() + o.timeout * 1000;
    for (;;) {
      const summary = (await c.call('platform.sync.summary', {})).filter((s) => !o.device || s.devSno === o.device);
      const open = summary.reduce((n, s) => n + (s.counts.pending ?? 0) + (s.counts.deleting ?? 0) + (s.counts.removing ?? 0), 0);
      if (open === 0 || Date.now() > end) {
        for (const s of summary) {
          if (o.json) line({ type: 'done', devSno: s.devSno, counts: s.counts });
          else process.stdout.write(`${s.devSno}: ${Object.entries(s.counts).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
        }
        if (open > 0) {
          process.stderr.write(`se3kit: ${open} people still without an answer after ${o.timeout} s; they are sent again on the next sync\n`);
          process.exitCode = 1;
        }
        return;
      }
      if (o.json) line({ type: 'progress', waiting: open });
      else if (process.stderr.isTTY) process.stderr.write(`\rwaiting for ${open} answers…   `);
      await new Promise((r) => setTimeout(r, 1000));
    }
  });

  common(
    platform
      .command('commission <host...>')
      .description('add boxes to this site: issue a code per box, set DevSno and LoginUrl, wait until each has logged in with its broker channel up')
      .option('--port <port>', 'box configuration API port (default 5555, or HOST:PORT)', parsePortOption)
      .option('--timeout <s>', 'seconds to wait for each box', wholeNumber(5, 600), 60),
  ).action(async (hosts: string[], o: Common & { port?: number; timeout: number }) => {
    // one line per box and state change, as it happens; the final state of each box is its last line
    const last = new Map<string, string>();
    const show = (p: CommissionProgress) => {
      const state = p.done ? (p.ok ? 'done' : 'failed') : p.step;
      if (last.get(p.host) === state) return;
      last.set(p.host, state);
      if (o.json) line({ type: p.done ? 'result' : 'progress', ...p });
      else if (state !== 'contacting') process.stdout.write(`${commissionLine(p)}\n`);
    };
    const results = await (await client(o)).stream('platform.commission', { hosts, port: o.port, timeoutS: o.timeout }, (event, data) => {
      if (event === 'platform.commission') show(data as CommissionProgress);
    });
    for (const r of results) show(r);
    if (results.some((r) => !r.ok)) process.exitCode = 1;
  });

  common(platform.command('wipe <devSno>').description('wipe a box: its enrolled users and/or its stored events').option('--users', 'wipe the users').option('--events', 'wipe the events')).action(
    async (devSno: string, o: Common & { users?: boolean; events?: boolean }, cmd: Command) => {
      if (!o.users && !o.events) cmd.error('error: say what to wipe: --users, --events or both', { exitCode: 2, code: 'se3kit.usage' });
      const r = await (await client(o)).call('platform.wipe', { devSno, users: !!o.users, events: !!o.events });
      if (o.json) line({ devSno, ...r });
      else process.stdout.write(`wipe_data sent to ${devSno} (messageId ${r.messageId})\n`);
    },
  );

  registerPlatformEvents(platform);
}
