// The state and plumbing of the tfjs → ONNX converter (./tfjs-to-onnx.ts): the ONNX graph
// being built, the tfjs values as they exist in it (NHWC, NCHW or both, with the transposes
// between them made on demand), constants (emitted, or folded when a node's inputs are all
// constant) and the layout-friendly rewrites that keep onnxruntime in its blocked layout.
import { baseName, NCHW_TO_NHWC, NHWC_TO_NCHW } from './layout';
import { OnnxGraph } from './onnx-builder';
import { evalConst, FOLDABLE, permuteConst, reshapeConst } from './tensor-util';
import type { TfConst, TfGraph, TfNode } from './tfjs-graph';

/** A tfjs tensor as it exists in the ONNX graph: in NHWC (tf) order, NCHW order, or both. */
export interface Val {
  shape: number[]; // logical tfjs shape (NHWC for 4-D), batch fixed at 1
  tf?: string;
  nchw?: string;
  /** with dynamicSpatial: the axis whose length follows the input's height and width */
  freeAxis?: number;
}

export abstract class ConverterBase {
  protected g = new OnnxGraph();
  protected vals = new Map<string, Val>();
  protected consts: Map<string, TfConst>;
  protected nodes = new Map<string, TfNode>();
  protected notConst = new Set<string>();

  constructor(
    protected model: TfGraph,
    protected dynamicSpatial = false,
  ) {
    this.consts = new Map(model.consts);
    for (const n of model.nodes) this.nodes.set(n.name, n);
  }

  // ---- layout helpers ----------------------------------------------------------------
  protected toNchw(v: Val): string {
    if (v.nchw) return v.nchw;
    if (v.shape.length !== 4) throw new Error('toNchw on a non-4D tensor');
    v.nchw = this.g.node('Transpose', [v.tf!], this.g.fresh('nchw'), { perm: NHWC_TO_NCHW });
    return v.nchw;
  }

  protected toTf(v: Val): string {
    if (v.tf) return v.tf;
    v.tf = this.g.node('Transpose', [v.nchw!], this.g.fresh('nhwc'), { perm: NCHW_TO_NHWC });
    return v.tf;
  }

  /** For Reshape: NCHW with H=W=1 has the same memory order as NHWC. */
  protected memoryTf(v: Val): string {
    if (v.tf) return v.tf;
    if (v.shape.length === 4 && v.shape[1] === 1 && v.shape[2] === 1) return v.nchw!;
    return this.toTf(v);
  }

  /** Emits a float constant (float16 + Cast when it was shipped as float16). */
  protected emitConst(c: TfConst, base: string): string {
    if (c.half) {
      const h = this.g.addInitializer({ name: this.g.fresh(`${base}_f16`), dims: c.shape, type: 'float16', data: c.half });
      return this.g.node('Cast', [h], this.g.fresh(base), { to: 1 });
    }
    if (c.dtype === 'int32') return this.g.addInitializer({ name: this.g.fresh(base), dims: c.shape, type: 'int32', data: c.data as Int32Array });
    return this.g.addInitializer({ name: this.g.fresh(base), dims: c.shape, type: 'float32', data: c.data as Float32Array });
  }

  /** A constant operand placed next to a 4-D NCHW value: NHWC-broadcast shape → NCHW. */
  protected constForNchw(c: TfConst, base: string): string {
    if (c.shape.length === 0 || c.data.length === 1) return this.emitConst(reshapeConst(c, []), base);
    const r4 = reshapeConst(c, [...new Array<number>(4 - c.shape.length).fill(1), ...c.shape]);
    return this.emitConst(permuteConst(r4, NHWC_TO_NCHW), base);
  }

  protected constOf(ref: string): TfConst | undefined {
    if (!this.consts.has(baseName(ref))) this.tryFoldRef(ref);
    return this.consts.get(baseName(ref));
  }

  protected val(ref: string): Val {
    const name = baseName(ref);
    const v = this.vals.get(name);
    if (v) return v;
    const node = this.nodes.get(name);
    if (node && node.op !== 'Placeholder') this.tryFold(node);
    const c = this.consts.get(name);
    if (c) {
      const nv: Val = { shape: c.shape, tf: this.emitConst(c, 'const') };
      this.vals.set(name, nv);
      return nv;
    }
    if (!node) throw new Error(`unknown tensor ${ref}`);
    this.convertNode(node);
    const done = this.vals.get(name);
    if (!done) throw new Error(`node ${name} produced no value`);
    return done;
  }

  protected dataInputs(node: TfNode): string[] {
    return (node.input ?? []).filter((i) => !i.startsWith('^'));
  }

  /**
   * Zero channels added before/after the C channels of an NCHW value, as a 1x1 convolution with
   * identity weights: onnxruntime runs it in its blocked (NCHWc) layout and fuses the residual
   * Add after it, where a Pad op would force the activations out of that layout and back.
   */
  protected channelPad(x: string, C: number, [before, after]: [number, number], name: string): string {
    const out = before + C + after;
    const w = new Float32Array(out * C);
    for (let c = 0; c < C; c++) w[(before + c) * C + c] = 1;
    const weight = this.g.addInitializer({ name: this.g.fresh(`${name}_eye`), dims: [out, C, 1, 1], type: 'float32', data: w });
    return this.g.node('Conv', [x, weight], this.g.fresh(name), { kernel_shape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0] });
  }

  /**
   * With dynamicSpatial, the axis of a Reshape's result that holds the input's spatial grid (a
   * 4-D value flattened to [1, grid·k, ...]); undefined when the Reshape keeps the grid apart.
   */
  protected spatialAxis(node: TfNode, x: Val, shape: number[]): number | undefined {
    if (x.freeAxis !== undefined) throw new Error(`${node.name}: dynamicSpatial supports one Reshape after the spatial grid`);
    if (x.shape.length !== 4) return undefined;
    const grid = x.shape[1]! * x.shape[2]!;
    const axes = shape.flatMap((d, i) => (i > 0 && d % grid === 0 && !(x.shape[1] === 1 && x.shape[2] === 1) ? [i] : []));
    if (axes.length === 0) return undefined;
    if (axes.length > 1) throw new Error(`${node.name}: cannot tell which axis of [${shape}] holds the spatial grid`);
    return axes[0];
  }

  // ---- constant folding -----------------------------------------------------------------
  /** Folds a node whose inputs are all constants; returns true when it did. */
  protected tryFold(node: TfNode): boolean {
    if (this.consts.has(node.name)) return true;
    if (!FOLDABLE.has(node.op) || this.notConst.has(node.name)) return false;
    const ins = this.dataInputs(node).map((i) => this.consts.get(baseName(i)) ?? (this.tryFoldRef(i) ? this.consts.get(baseName(i)) : undefined));
    if (ins.length === 0 || ins.some((c) => !c)) {
      this.notConst.add(node.name);
      return false;
    }
    this.consts.set(node.name, evalConst(node.op, ins as TfConst[], node.attr?.DstT?.type));
    return true;
  }

  protected tryFoldRef(ref: string): boolean {
    const n = this.nodes.get(baseName(ref));
    return !!n && n.op !== 'Placeholder' && this.tryFold(n);
  }

  /** Converts one node; sets its value in `vals`. */
  protected abstract convertNode(node: TfNode): void;
}
