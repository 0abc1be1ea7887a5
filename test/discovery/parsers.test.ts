// The pure parts of discovery and configuration: CIDR ranges, the neighbour table, box
// targets (IP, IP:port, host name, MAC) and the batch CSV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultCidrs, formatCidr, hostsOf, hostsOfAll, netsFor, parseCidr, type LocalNet } from '../../electron/services/discovery/cidr';
import { parseNeighbourLines, parseProcArp } from '../../electron/services/discovery/neighbours';
import { parseTarget } from '../../electron/services/box-client/target';
import { parseConfigCsv } from '../../electron/services/box-client/csv';

test('CIDR ranges: host lists without network/broadcast, single addresses, bad input', () => {
  assert.deepEqual([...hostsOf(parseCidr('10.0.0.0/30'))], ['10.0.0.1', '10.0.0.2']);
  assert.deepEqual([...hostsOf(parseCidr('10.0.0.7'))], ['10.0.0.7']);
  assert.deepEqual([...hostsOf(parseCidr('10.0.0.6/31'))], ['10.0.0.6', '10.0.0.7']);
  assert.equal(formatCidr(parseCidr('192.168.1.77/24')), '192.168.1.0/24');
  assert.equal(hostsOfAll([parseCidr('10.0.0.0/24'), parseCidr('10.0.0.128/25')]).length, 254);
  for (const bad of ['10.0.0.256/24', '10.0.0.0/33', 'box', '10.0.0/24', '10.0.0.0/x']) assert.throws(() => parseCidr(bad), /not an IPv4 range/);
});

test('default ranges: each interface subnet, wider ones capped at the /22 around this host', () => {
  const nets: LocalNet[] = [
    { name: 'eth0', address: '172.16.9.20', cidr: parseCidr('172.16.0.0/16') },
    { name: 'wlan0', address: '192.168.1.5', cidr: parseCidr('192.168.1.0/24') },
  ];
  assert.deepEqual(defaultCidrs(nets).map(formatCidr), ['172.16.8.0/22', '192.168.1.0/24']);
  assert.deepEqual(netsFor([parseCidr('192.168.1.40/32')], nets).map((n) => n.name), ['wlan0']);
  assert.deepEqual(netsFor([parseCidr('10.1.0.0/24')], nets), []);
});

test('neighbour table: /proc/net/arp and ip neigh / arp output; incomplete entries skipped', () => {
  const arp = `IP address       HW type     Flags       HW address            Mask     Device
10.213.5.11      0x1         0x2         7a:da:58:8d:ca:b5     *        s3b1
10.213.5.99      0x1         0x0         00:00:00:00:00:00     *        s3b1
`;
  assert.deepEqual([...parseProcArp(arp)], [['10.213.5.11', '7a:da:58:8d:ca:b5']]);
  const neigh = `10.0.0.2 dev eth0 lladdr E0:A5:09:00:06:2B REACHABLE
10.0.0.3 dev eth0  FAILED
? (10.0.0.4) at e0:a5:9:0:e:6d on en0 ifscope [ethernet]
  10.0.0.5           e0-a5-09-00-0e-6e     dynamic`;
  assert.deepEqual([...parseNeighbourLines(neigh)], [
    ['10.0.0.2', 'e0:a5:09:00:06:2b'],
    ['10.0.0.4', 'e0:a5:09:00:0e:6d'],
    ['10.0.0.5', 'e0:a5:09:00:0e:6e'],
  ]);
});

test('box targets: IP, IP:port, host name, MAC in any notation; clear errors otherwise', () => {
  assert.deepEqual(parseTarget('10.0.0.5'), { kind: 'host', host: '10.0.0.5', port: undefined });
  assert.deepEqual(parseTarget('10.0.0.5:5556'), { kind: 'host', host: '10.0.0.5', port: 5556 });
  assert.deepEqual(parseTarget('box-3.local', 5555), { kind: 'host', host: 'box-3.local', port: 5555 });
  assert.deepEqual(parseTarget('E0-A5-09-00-06-2B'), { kind: 'mac', mac: 'e0:a5:09:00:06:2b', port: undefined });
  assert.throws(() => parseTarget('10.0.0.300'), /0–255/);
  assert.throws(() => parseTarget('10.0.0.5:0'), /port must be 1–65535/);
  assert.throws(() => parseTarget('not a host'), /not a box address/);
  assert.throws(() => parseTarget(''), /not a box address/);
});

test('batch CSV: optional header, quotes, comments, empty cells, malformed lines reported per line', () => {
  const rows = parseConfigCsv(
    ['\uFEFFHost,DEV_SNO,login_url', '10.0.0.5,A1,http://p/login', '# comment', '', '"10.0.0.6:5556", "B,2" ,', 'e0:a5:09:00:06:2b,,"http://p/login?a=""1"""', '10.0.0.7,,', ',C3,', '10.0.0.8,D4,http://p/l,extra'].join('\r\n'),
  );
  assert.deepEqual(rows, [
    { line: 2, host: '10.0.0.5', dev_sno: 'A1', login_url: 'http://p/login' },
    { line: 5, host: '10.0.0.6:5556', dev_sno: 'B,2' },
    { line: 6, host: 'e0:a5:09:00:06:2b', login_url: 'http://p/login?a="1"' },
    { line: 7, host: '10.0.0.7', problem: 'line 7 sets nothing; give a dev_sno, a login_url or both' },
    { line: 8, host: '', dev_sno: 'C3', problem: 'line 8 has no host; expected host,dev_sno,login_url' },
    { line: 9, host: '10.0.0.8', dev_sno: 'D4', login_url: 'http://p/l', problem: 'line 9 has 4 fields; expected host,dev_sno,login_url (quote values that contain commas)' },
  ]);
  assert.deepEqual(parseConfigCsv('10.0.0.9,Z9,')[0], { line: 1, host: '10.0.0.9', dev_sno: 'Z9' }, 'no header');
});

test('batch CSV (csv-parse): a quoted value spanning lines stays one row, later rows keep their line numbers', () => {
  const rows = parseConfigCsv('host,dev_sno,login_url\n10.0.0.1,"A\nB",\n10.0.0.2,C2,\n,,\n10.0.0.3,,"http://p/login"\n');
  assert.deepEqual(rows, [
    { line: 2, host: '10.0.0.1', dev_sno: 'A\nB' },
    { line: 4, host: '10.0.0.2', dev_sno: 'C2' },
    { line: 6, host: '10.0.0.3', login_url: 'http://p/login' },
  ]);
});

test('batch CSV: semicolons are told to use commas; an unclosed quote names its line', () => {
  const semi = parseConfigCsv('host;dev_sno;login_url\n10.0.0.1;A1;http://p/login\n');
  assert.equal(semi.length, 1, 'the header is recognised and skipped');
  assert.equal(semi[0]!.line, 2);
  assert.equal(semi[0]!.host, '10.0.0.1');
  assert.match(semi[0]!.problem!, /^line 2 uses semicolons; separate the values with commas/);
  assert.doesNotMatch(semi[0]!.problem!, /sets nothing/);

  const open = parseConfigCsv('10.0.0.1,A1,\n\n10.0.0.2,"B2,\n10.0.0.3,C3,\n');
  assert.deepEqual(open[0], { line: 1, host: '10.0.0.1', dev_sno: 'A1' });
  assert.equal(open.length, 2);
  assert.equal(open[1]!.line, 3);
  assert.match(open[1]!.problem!, /^line 3 opens a quote \(".*never closed/);
});
