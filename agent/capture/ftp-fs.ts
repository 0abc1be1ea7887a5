// The FTP server's file system for one camera login: ftp-srv's own (paths confined to the
// camera's spool directory), except that
// - an upload is counted while it streams and stopped as soon as it passes the size a picture
//   may have: the transfer is aborted (the camera gets a 550 naming the limit), the partial
//   file is removed, and a log line says so. Without this a camera (or anyone with its
//   password) could fill the disk before the spool's size check ran;
// - an upload is written under a temporary name (PARTIAL_PREFIX…) and renamed to the name the
//   camera gave only once it is complete and synced, so a picture cut short by a crash or
//   kill -9 of the agent is never found by the spool as if it were whole (Spool.recover
//   removes such leftovers).
import { randomUUID } from 'node:crypto';
import { createWriteStream, fsync, rename, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { FileSystem } from 'ftp-srv';
import { PARTIAL_PREFIX } from './spool';


export interface CappedOptions {
  maxBytes: number;
  /** the FTP user (for the log line) */
  user: string;
  log(line: string): void;
}

/**
 * A file being uploaded to `tmp`; moved to `path` when complete; fails (and removes the
 * temporary file) once more than `maxBytes` arrive or the transfer ends in an error.
 */
class CappedUpload extends Writable {
  private size = 0;
  private stopped = false;

  constructor(
    private readonly file: WriteStream,
    /** where the finished picture goes (what ftp-srv reports to the spool) */
    readonly path: string,
    private readonly tmp: string,
    private readonly o: CappedOptions,
  ) {
    super();
    file.on('error', (err) => this.destroy(err));
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.size += chunk.length;
    if (this.size > this.o.maxBytes) {
      this.stop();
      cb(new Error(`the picture is over ${this.o.maxBytes} bytes; upload stopped and removed`));
      return;
    }
    this.file.write(chunk, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    // sync before the rename: after a crash the name the camera gave holds the whole picture or nothing
    this.file.once('finish', () =>
      fsync((this.file as WriteStream & { fd: number }).fd, (err) => {
        if (err) return cb(err);
        this.file.once('close', () => {
          try {
            rename(this.tmp, this.path, (e) => cb(e));
          } catch (e) {
            cb(e as Error);
          }
        });
        this.file.destroy(); // closes the descriptor (close() would wait for a second 'finish')
      }),
    );
    this.file.end();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // an upload that did not finish (aborted by the camera, or over the limit) leaves no file
    if (!this.writableFinished) this.stop(err ? `the transfer failed (${err.message})` : 'the transfer ended early');
    cb(err);
  }

  private stop(why?: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.file.destroy();
    const name = basename(this.path);
    this.o.log(
      why
        ? `ftp: ${this.o.user} upload ${name}: ${why} at ${this.size} bytes; partial file removed`
        : `ftp: ${this.o.user} upload ${name} stopped at ${this.size} bytes (over the ${this.o.maxBytes} a picture may have); partial file removed`,
    );
    void rm(this.tmp, { force: true }).catch((e) => this.o.log(`ftp: cannot remove ${basename(this.tmp)}: ${(e as Error).message}`));
  }
}

export class CappedFileSystem extends FileSystem {
  constructor(
    connection: ConstructorParameters<typeof FileSystem>[0],
    root: string,
    private readonly o: CappedOptions,
  ) {
    super(connection, { root, cwd: '/' });
  }

  override write(fileName: string, { start }: { append?: boolean; start?: unknown } = {}): { stream: Writable; clientPath: string } {
    const { fsPath, clientPath } = (this as unknown as { _resolvePath(p: string): { fsPath: string; clientPath: string } })._resolvePath(fileName);
    const name = basename(fsPath);
    // checked before anything is written: the name is only used once the picture is complete
    if (fsPath === this.root || name === '') throw new Error('give the picture a file name');
    if (fsPath.includes('\0')) throw new Error('a file name may not contain NUL');
    if (Buffer.byteLength(name) > 255) throw new Error(`the file name is ${Buffer.byteLength(name)} bytes; at most 255 are accepted`);
    if (name.startsWith(PARTIAL_PREFIX)) throw new Error(`file names starting with "${PARTIAL_PREFIX}" are reserved for uploads in progress`);
    const tmp = join(dirname(fsPath), `${PARTIAL_PREFIX}${randomUUID()}`);
    const file = createWriteStream(tmp, { flags: 'w', autoClose: false, start: typeof start === 'number' ? start : undefined });
    return { stream: new CappedUpload(file, fsPath, tmp, this.o), clientPath };
  }
}
