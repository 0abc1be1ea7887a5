// Errors of the platform service: a plain message that says what to do, a machine code, and
// the HTTP status the API edge answers with.
export class PlatformError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = 'PlatformError';
  }
}
