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
