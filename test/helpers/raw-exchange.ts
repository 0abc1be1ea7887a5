// One raw exchange over TCP from a chosen loopback address (127.0.0.2 is another peer to a
// server that counts connections per address): sends `text`, resolves with everything the
// server sent until it closed the connection.
import { connect } from 'node:net';

export function exchange(port: number, localAddress: string, text: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1', localAddress });
    let got = '';
    sock.on('data', (d) => (got += d.toString('latin1')));
    sock.on('error', () => undefined);
    sock.on('close', () => resolve(got));
    sock.write(text);
  });
}
