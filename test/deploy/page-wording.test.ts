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
  assert.match(hostKeyChangedReason('10.0.0.5:22', { stored: 'SHA256:a', presented: 'SHA256:b', keyType: 'ssh-ed25519' }), /pinned SHA256:a, now SHA256:b.*"Accept new key"/);
});
