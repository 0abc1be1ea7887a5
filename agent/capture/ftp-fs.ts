// The FTP server's file system for one camera login: ftp-srv's own (paths confined to the
// camera's spool directory), except that an upload is counted while it streams and stopped as
// soon as it passes the size a picture may have: the transfer is aborted (the camera gets a 550
// naming the limit), the partial file is removed, and a log line says so. Without this a camera
// (or anyone with its password) could fill the disk before the spool's size check ran.
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { Writable } from 'node:stream';
import { FileSystem } from 'ftp-srv';

export interface CappedOptions {
  maxBytes: number;
  /** the FTP user (for the log line) */
  user: string;
  log(line: string): void;
}

/** A file being uploaded; fails (and removes the file) once more than `maxBytes` arrive. */
class CappedUpload extends Writable {
  readonly path: string;
  private size = 0;
  private stopped = false;

  constructor(
    private readonly file: WriteStream,
    private readonly o: CappedOptions,
  ) {
    super();
    this.path = String(file.path);
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
    this.file.end(() => cb());
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
    void rm(this.path, { force: true }).catch((e) => this.o.log(`ftp: cannot remove ${name}: ${(e as Error).message}`));
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
    const file = createWriteStream(fsPath, { flags: 'w', start: typeof start === 'number' ? start : undefined });
    return { stream: new CappedUpload(file, this.o), clientPath };
  }
}
