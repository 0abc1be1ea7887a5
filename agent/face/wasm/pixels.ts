// The pixel kernels (./pixels.as.ts, WebAssembly SIMD) with the memory they work in. One
// PixelMemory per photo in progress: the decoded image, its pyramid levels and a scratch buffer
// for sampled crops live in it (a bump allocator). Released memories are kept for the next
// photo: creating a WebAssembly memory and instance costs about as much as sampling a crop.
import { PIXELS_WASM_BASE64 } from './pixels.wasm';

interface Kernels {
  halve(src: number, sw: number, sh: number, dst: number, w: number, h: number): void;
  sample(src: number, W: number, H: number, x0: number, y0: number, c: number, s: number, nx: number, ny: number, mul: number, add: number, out: number, accumulate: number): void;
}

const PAGE = 65536;
/** bytes after every buffer that vector loads and stores may touch (see pixels.as.ts) */
const SLACK = 16;

let compiled: WebAssembly.Module | undefined;

function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(PIXELS_WASM_BASE64, 'base64'));
  return compiled;
}

const spare: PixelMemory[] = [];

export class PixelMemory {
  readonly kernels: Kernels;
  private readonly memory: WebAssembly.Memory;
  private top = 0;

  /** A memory with `expect` bytes reserved up front (more is grown on demand); give it back with release(). */
  static take(expect: number): PixelMemory {
    const m = spare.pop() ?? new PixelMemory();
    m.top = 0;
    m.alloc(expect); // grows the memory once, up front
    m.top = 0;
    return m;
  }

  private constructor() {
    this.memory = new WebAssembly.Memory({ initial: 1 });
    this.kernels = new WebAssembly.Instance(kernelModule(), { env: { memory: this.memory } }).exports as unknown as Kernels;
  }

  /** Done with everything allocated here; the memory is reused for a later photo. */
  release(): void {
    if (spare.length < 2 && !spare.includes(this)) spare.push(this);
  }

  /** A 16-byte-aligned buffer of `bytes` bytes (plus slack) in this memory. */
  alloc(bytes: number): number {
    const ptr = this.top;
    this.top = (ptr + bytes + SLACK + 15) & ~15;
    const short = this.top - this.memory.buffer.byteLength;
    if (short > 0) this.memory.grow(Math.ceil(short / PAGE));
    return ptr;
  }

  bytes(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, length);
  }

  floats(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }
}
