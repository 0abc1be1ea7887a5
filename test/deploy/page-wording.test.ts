// The Deploy page's wording of the deploy service's CLI-flavoured advice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forThePage, hostKeyChangedReason } from '../../electron/deploy/page-wording';

test('CLI advice becomes advice about the page', () => {
  assert.equal(
    forThePage("login to root@10.0.0.5:22 refused: the key was not accepted. Run `se3kit adopt 10.0.0.5 --user root` once to install this installation's key, or pass --key FILE."),
    'login to root@10.0.0.5:22 refused: the key was not accepted. Choose "Adopt with the box password" once (it installs this installation\'s key), or give a key file.',
  );
  assert.equal(
    forThePage("no SSH key to log in to 10.0.0.5 with: run `se3kit adopt 10.0.0.5 --user root` once (it asks for the box password and installs this installation's key), or pass --key FILE"),
    'no SSH key to log in to 10.0.0.5 with: choose "Adopt with the box password" once (it installs this installation\'s key), or give a key file',
  );
  assert.equal(forThePage('preflight refused 10.0.0.5: disk full'), 'preflight refused 10.0.0.5: disk full');
  const fp = `SHA256:${'Ab+/'.repeat(10)}Ab+`;
  assert.equal(forThePage(`then accept the new key with --accept-host-key ${fp}.`), 'then accept the new key with "Accept new key".');
  assert.equal(
    forThePage(`x.tar is signed by a key this installation does not trust (${fp}); nothing was sent to any box. If you know that key belongs to whoever builds your releases, trust it once with --trust-bundle-key ${fp}`),
    `x.tar is signed by a key this installation does not trust (${fp}); nothing was sent to any box. If you know that key belongs to whoever builds your releases, tick "Trust this signing key" for ${fp} and deploy again`,
  );
  assert.match(hostKeyChangedReason('10.0.0.5:22', { stored: 'SHA256:a', presented: 'SHA256:b', keyType: 'ssh-ed25519' }), /pinned SHA256:a, now SHA256:b.*"Accept new key"/);
});
