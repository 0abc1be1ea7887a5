// `se3kit discover` on a machine with no IPv4 subnet but loopback (a network namespace the test
// makes, with only `lo`): without --cidr there is no range to probe, so --no-mdns has nothing to
// search — a usage error saying to give --cidr, not an empty answer — and with mDNS a warning says
// only mDNS is browsed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli';
import { requireComponent } from '../helpers/components';
import { removeStale } from '../helpers/netns';

// named like test/helpers/netns.ts's namespaces, so a run that dies leaves nothing behind for long
const ns = `se3t-${process.pid.toString(36)}-ee-0`;

describe('se3kit discover with nothing to probe', () => {
  let ok = false;
  before(() => {
    if (!requireComponent(undefined, 'network namespaces', { bin: 'ip', root: true })) return;
    removeStale();
    assert.equal(spawnSync('ip', ['netns', 'add', ns]).status, 0);
    assert.equal(spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']).status, 0);
    ok = true;
  });
  after(() => {
    if (ok) spawnSync('ip', ['netns', 'del', ns]);
  });

  it('--no-mdns without --cidr is a usage error saying what to give; with mDNS a warning', { timeout: 60_000 }, async (t) => {
    if (!requireComponent(t, 'network namespaces', { bin: 'ip', root: true })) return;
    for (const args of [['--no-mdns'], ['--no-mdns', '--json']]) {
      const r = await runCli(['discover', ...args], { netns: ns });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /nothing to search: this machine has no IPv4 subnet to probe \(loopback is never probed\) and --no-mdns turns mDNS off; give the range the boxes are on, e\.g\. --cidr/);
    }
    const m = await runCli(['discover', '--json'], { netns: ns });
    assert.equal(m.code, 0, m.stderr);
    assert.equal(m.stdout, '');
    assert.match(m.stderr, /warning: this machine has no IPv4 subnet to probe .*only mDNS is browsed.*give their range with --cidr/);
  });
});
