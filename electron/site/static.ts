// Serves the built React UI (dist/renderer): correct content types, SPA fallback to
// index.html for client-side routes, nothing outside the directory.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function contentType(path: string): string {
  return TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

async function fileAt(path: string): Promise<{ size: number } | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? { size: s.size } : null;
  } catch {
    return null;
  }
}

/** Answers a GET/HEAD for the UI (the file, the SPA fallback, or a 4xx/503 saying why not). */
export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('bad path\n');
    return;
  }
  if (rel.includes('\0')) {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('bad path\n');
    return;
  }
  const base = normalize(root + sep);
  let path = normalize(join(root, rel));
  if (!path.startsWith(base) && path !== normalize(root)) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }
  let file = rel.endsWith('/') ? null : await fileAt(path);
  if (!file && rel.endsWith('/')) {
    path = join(path, 'index.html');
    file = await fileAt(path);
  }
  if (!file) {
    // SPA fallback: an extension-less path is a client-side route; a missing asset is a 404.
    if (extname(rel) !== '') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    path = join(root, 'index.html');
    file = await fileAt(path);
    if (!file) {
      res
        .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`The UI is not built (no ${path}). Run \`npm run build\`, then restart \`se3kit serve\`.\n`);
      return;
    }
  }
  const immutable = path.startsWith(join(root, 'assets') + sep);
  res.writeHead(200, {
    'content-type': contentType(path),
    'content-length': String(file.size),
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(path)
    .on('error', () => res.destroy())
    .pipe(res);
}
