// Errors of the deploy service: a machine code for the UI/CLI and a plain-language message that
// says what happened and what to do.
export type DeployErrorCode =
  | 'host-key-changed'
  | 'auth-failed'
  | 'no-key'
  | 'connect-failed'
  | 'connection-lost'
  | 'timeout'
  | 'preflight-failed'
  | 'upload-failed'
  | 'checksum-mismatch'
  | 'install-failed'
  | 'health-failed'
  | 'rollback-failed'
  | 'nothing-to-roll-back'
  | 'bad-bundle'
  /** unsigned, or signed by a key this installation does not trust */
  | 'untrusted-bundle'
  /** the release on the box does not match the signed manifest (checked before the switch) */
  | 'box-verify-failed'
  | 'remote-command-failed';

export class DeployError extends Error {
  constructor(
    readonly code: DeployErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DeployError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The pinned and presented host keys of a 'host-key-changed' refusal (undefined otherwise). */
export function hostKeyMismatchOf(err: unknown): { stored: string; presented: string; keyType: string } | undefined {
  if (!(err instanceof DeployError) || err.code !== 'host-key-changed' || !err.details) return undefined;
  const d = err.details as { stored?: unknown; presented?: unknown; keyType?: unknown };
  if (typeof d.presented !== 'string') return undefined;
  return { stored: typeof d.stored === 'string' ? d.stored : '', presented: d.presented, keyType: typeof d.keyType === 'string' ? d.keyType : 'unknown' };
}
