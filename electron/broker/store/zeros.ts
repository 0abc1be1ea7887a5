// One shared megabyte of zeros for zero-filling segment files (store/segment.ts, segment-prep.ts);
// never written to.
let buf: Buffer | null = null;
export function zeros(): Buffer {
  return (buf ??= Buffer.alloc(1024 * 1024));
}
