// The check a box runs on an unpacked release right before `current` is switched to it, against
// what the desktop verified and trusts — never against anything the bundle says about itself:
//  1. the release's Node runtime must have the sha256 the (verified) manifest gives for
//     node/bin/node, checked with the box's own sha256sum — only then is it run;
//  2. with it, VERIFY_JS (sent by the desktop, not taken from the bundle) checks manifest.sig over
//     manifest.json with the public key the desktop passes, that the release holds exactly the
//     manifest's files (no extra files, no links), and prints the manifest's sums;
//  3. the box's sha256sum checks every file against those sums.
// Any failure: exit 30–33 with `ERR:<reason>`, before anything was stopped or switched; a
// release that is not the running one is removed.
import { sq } from './ssh';

/** Exit codes of the check (nothing on the box was changed). */
export const VERIFY_EXIT_CODES = new Set([30, 31, 32, 33]);

/** Run as `node -e VERIFY_JS <release dir> <public key base64>` (CommonJS, Node ≥ 12). */
export const VERIFY_JS = `'use strict';
const fs = require('fs'), path = require('path'), crypto = require('crypto');
const R = process.argv[1], KEY = process.argv[2];
const fail = (m) => { process.stdout.write('ERR:' + m + '\\n'); process.exit(1); };
let mb, sig;
try { mb = fs.readFileSync(path.join(R, 'manifest.json')); } catch (e) { fail('the release has no manifest.json'); }
try { sig = JSON.parse(fs.readFileSync(path.join(R, 'manifest.sig'), 'utf8')); } catch (e) { fail('the release has no readable manifest.sig'); }
if (!sig || sig.alg !== 'ed25519' || sig.publicKey !== KEY) fail('the release is not signed by the key the deploy trusts');
let ok = false;
try {
  const pk = crypto.createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(KEY, 'base64')]), format: 'der', type: 'spki' });
  ok = crypto.verify(null, mb, pk, Buffer.from(String(sig.signature), 'base64'));
} catch (e) { ok = false; }
if (!ok) fail('the signature of manifest.json does not verify');
let files;
try { files = JSON.parse(mb.toString('utf8')).files; } catch (e) { fail('manifest.json is not valid JSON'); }
if (!files || typeof files !== 'object') fail('manifest.json lists no files');
const own = (k) => Object.prototype.hasOwnProperty.call(files, k);
const extra = new Set(['manifest.json', 'manifest.sig', 'SHA256SUMS', '.bundle-sha256']);
const seen = new Set();
const walk = (dir, rel) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? rel + '/' + e.name : e.name;
    if (e.isDirectory()) walk(path.join(dir, e.name), r);
    else if (e.isFile()) { if (!own(r) && !extra.has(r)) fail('the release holds a file its manifest does not list: ' + r); seen.add(r); }
    else fail('the release holds a link or special file: ' + r);
  }
};
walk(R, '');
const names = Object.keys(files);
for (const f of names) {
  if (!seen.has(f)) fail('a file of the manifest is missing: ' + f);
  if (!/^[0-9a-f]{64}$/.test(String(files[f])) || /[\\n\\r\\\\]/.test(f)) fail('manifest.json lists a bad entry: ' + f);
}
const sums = names.map((f) => files[f] + '  ' + f).join('\\n') + '\\n';
let have = '';
try { have = fs.readFileSync(path.join(R, 'SHA256SUMS'), 'utf8'); } catch (e) { have = ''; }
if (have !== sums) fail('SHA256SUMS does not match the signed manifest');
process.stdout.write(sums);
`;

export interface BoxVerify {
  /** The raw ed25519 public key (base64) the desktop trusts and verified the bundle with. */
  publicKey: string;
  /** sha256 of node/bin/node per the verified manifest. */
  nodeSha256: string;
}

/** Shell (inside a script where $P is the prefix and $V the version) checking releases/$V. */
export function boxVerifyShell(v: BoxVerify): string {
  return `R="$P/releases/$V"; K=${sq(v.publicKey)}; NSHA=${sq(v.nodeSha256)}
vfail() { [ "$(readlink "$P/current" 2>/dev/null)" = "releases/$V" ] || rm -rf "$R"; echo "ERR:release $V on the box failed its check against the signed manifest, so nothing was switched: $2"; exit $1; }
got=$(sha256sum "$R/node/bin/node" 2>/dev/null | cut -d' ' -f1)
[ "$got" = "$NSHA" ] || vfail 30 "its Node runtime is not the one the manifest names"
mkdir -p "$P/run" || vfail 31 "cannot create $P/run"
S="$P/run/verify.sums"; rm -f "$S"
if ! NODE_OPTIONS= "$R/node/bin/node" -e ${sq(VERIFY_JS)} "$R" "$K" > "$S" 2>"$P/run/verify.err"; then
  vfail 32 "$(grep '^ERR:' "$S" | head -n1 | cut -c5-300)$(head -c 200 "$P/run/verify.err")"
fi
if ! (cd "$R" && sha256sum -c "$S") > "$P/run/verify.out" 2>&1; then
  vfail 33 "files do not match their sha256: $(grep -v ': OK$' "$P/run/verify.out" | head -n 3 | tr '\\n' ' ' | cut -c1-300)"
fi
rm -f "$S" "$P/run/verify.out" "$P/run/verify.err"
echo "verified=releases/$V"
`;
}
