// Errors the Broker panel shows: plain language, saying what to do. `code` and `httpStatus`
// travel through the API edge (electron/api/errors.ts errorReply) unchanged.
export type BrokerControlErrorCode =
  | 'no_users'
  | 'bad_port'
  | 'port_in_use'
  | 'port_forbidden'
  | 'address_unavailable'
  | 'start_failed'
  | 'already_running'
  | 'busy'
  | 'user_exists'
  | 'no_such_user'
  | 'last_user'
  | 'storage'
  | 'closed'
  | 'data_folder_in_use';

export class BrokerControlError extends Error {
  constructor(
    message: string,
    readonly code: BrokerControlErrorCode,
    readonly httpStatus = 409,
  ) {
    super(message);
    this.name = 'BrokerControlError';
  }
}

/** Turns a failed listen/start into a sentence a site operator can act on. */
export function explainStartFailure(err: unknown, port: number, host: string): BrokerControlError {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'EADDRINUSE':
      return new BrokerControlError(
        `Port ${port} is already in use by another program (another broker such as RabbitMQ, or a second Field Kit). ` +
          'Choose a different port, or stop the program using it, then press Start again.',
        'port_in_use',
      );
    case 'EACCES':
    case 'EPERM':
      return new BrokerControlError(
        `This computer does not allow Field Kit to use port ${port} (ports below 1024 need administrator rights). ` +
          'Choose a port above 1023; the usual AMQP port is 5672.',
        'port_forbidden',
      );
    case 'EADDRNOTAVAIL':
      return new BrokerControlError(
        `${host} is not an address of this computer. Choose "All network interfaces" or "This computer only".`,
        'address_unavailable',
      );
    default:
      return new BrokerControlError(`The broker could not start: ${e?.message ?? String(err)}`, 'start_failed', 500);
  }
}
