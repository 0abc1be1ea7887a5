// The deploy service's messages name CLI commands and flags (`se3kit adopt`, --accept-host-key,
// --key FILE); on the Deploy page the same advice names the page's controls instead.
import type { HostKeyMismatch } from './events';

const ADVICE = 'choose "Adopt with the box password" once (it installs this installation\'s key), or give a key file';

const REWRITES: Array<[RegExp, (match: string) => string]> = [
  [/[Rr]un `se3kit adopt [^`]*` once[^,]*, or pass --key FILE/g, (m) => (m.startsWith('R') ? ADVICE[0]!.toUpperCase() + ADVICE.slice(1) : ADVICE)],
  [/,? or pass --key FILE/g, () => ', or give a key file'],
  [/--accept-host-key( SHA256:[A-Za-z0-9+/]+)?/g, () => '"Accept new key"'],
  [/trust it once with --trust-bundle-key (SHA256:[A-Za-z0-9+/]+)/g, (m) => `tick "Trust this signing key" for ${m.slice(m.indexOf('SHA256:'))} and deploy again`],
];

export function forThePage(message: string): string {
  return REWRITES.reduce((m, [re, to]) => m.replace(re, to), message);
}

/** The plain reason shown for a box refused because its host key changed. */
export function hostKeyChangedReason(where: string, m: HostKeyMismatch): string {
  return (
    `the SSH host key of ${where} has CHANGED (pinned ${m.stored || 'unknown'}, now ${m.presented}); nothing was sent to the box. ` +
    'Check the fingerprint on the box itself, then press "Accept new key" and deploy again.'
  );
}
