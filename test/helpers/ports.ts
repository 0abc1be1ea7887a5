// A TCP port that was free a moment ago (the kernel picks it), for servers a test starts.
// The kernel may hand out a port that is free on `host` but bound on another loopback address
// (a test sshd on 127.0.0.31 and an agent checked on every address, say), and may hand out the
// same port twice before the first server binds it: a port is picked on the wildcard address
// (free on every address) and never given twice in one process.
import { createServer } from 'node:net';

const given = new Set<number>();

function pick(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '0.0.0.0', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A port free on every address, not given out before by this process. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await pick();
    if (!given.has(port)) {
      given.add(port);
      return port;
    }
  }
}
