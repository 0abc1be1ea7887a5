// Connection admission for a LAN-facing server (the agent's HTTP port 5555 and FTP port 2121,
// the platform's box port):
// - an HTTP connection that sends no request is closed after `firstRequestMs`: Node's headersTimeout
//   only starts at the first byte, so without this a peer could hold sockets (file
//   descriptors) open for ever by connecting and saying nothing;
// - one address holds at most `maxPerPeer` connections at once; the next one gets `refusal`
//   (a complete HTTP response, e.g. a 503 with the §8 envelope, or an FTP 421) and is closed, so a single
//   peer cannot take every descriptor of the process (and with them the database, the photo
//   files and the other boxes' connections).
import type { IncomingMessage } from 'node:http';
import type { Server, Socket } from 'node:net';

export interface ConnectionLimits {
  maxPerPeer: number;
  /** for an HTTP server: how long a connection may stay without a request */
  firstRequestMs?: number;
  /** the raw answer a connection over the limit gets (an HTTP response, an FTP reply) */
  refusal(peer: string, max: number): string;
  /** told once per refused connection (optional) */
  onRefused?(peer: string): void;
}

/** A complete HTTP/1.1 response with a JSON body that closes the connection. */
export function rawJsonResponse(status: string, body: unknown): string {
  const text = JSON.stringify(body);
  return `HTTP/1.1 ${status}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`;
}

export function limitConnections(server: Server, o: ConnectionLimits): void {
  const perPeer = new Map<string, number>();
  const firstRequest = new WeakMap<Socket, NodeJS.Timeout>();
  // first, before the server's own handler greets or parses (ftp-srv writes its 220 at once)
  server.prependListener('connection', (socket: Socket) => {
    const peer = socket.remoteAddress ?? 'unknown';
    const n = (perPeer.get(peer) ?? 0) + 1;
    if (n > o.maxPerPeer) {
      o.onRefused?.(peer);
      socket.on('error', () => undefined);
      socket.end(o.refusal(peer, o.maxPerPeer));
      setTimeout(() => socket.destroy(), 1000).unref(); // a peer that does not read its answer
      return;
    }
    perPeer.set(peer, n);
    if (o.firstRequestMs !== undefined) {
      const timer = setTimeout(() => socket.destroy(), o.firstRequestMs);
      timer.unref();
      firstRequest.set(socket, timer);
    }
    socket.once('close', () => {
      clearTimeout(firstRequest.get(socket));
      const left = (perPeer.get(peer) ?? 1) - 1;
      if (left > 0) perPeer.set(peer, left);
      else perPeer.delete(peer);
    });
  });
  server.on('request', (req: IncomingMessage) => clearTimeout(firstRequest.get(req.socket)));
}
