// Converts a TensorFlow.js graph model (NHWC) to an ONNX model (opset 13) that runs in
// onnxruntime. Layout: the ONNX input keeps the tfjs contract (NHWC float32), is transposed
// once to NCHW, and 4-D activations then stay NCHW through convolutions, pooling, padding and
// element-wise ops; a value is transposed back to NHWC only where an op needs the tfjs
// memory order (Reshape, MatMul, outputs). Constants are permuted at conversion time and
// constant sub-graphs are folded. Weights shipped as float16 stay float16 (+ Cast, which
// onnxruntime folds at load), so the result computes exactly what tfjs computes.
import { attrInts, attrString, attrStrings, readTfjsGraph, type TfConst, type TfGraph, type TfNode } from './tfjs-graph';
import { AXIS_IN_NCHW, baseName, NCHW_TO_NHWC, NHWC_TO_NCHW, spatial } from './layout';
import { ConverterBase, type Val } from './converter-base';
import { broadcastShape, permuteConst, reshapeConst } from './tensor-util';


export interface ConvertOptions {
  /** tfjs output tensor names; default: the model signature's outputs. */
  outputs?: string[];
  producer?: string;
  metadata?: Record<string, string>;
  /**
   * Declare the input's height and width as free dimensions ("height", "width"), so one model
   * runs on any input size its strided ops divide evenly (for BlazeFace: multiples of 32).
   * Paddings are computed for the model's own input size, which is right for every such size
   * (TensorFlow's SAME padding depends only on kernel, stride and the size's parity there); a
   * Reshape that flattens the spatial grid gets -1 in place of the grid's length.
   */
  dynamicSpatial?: boolean;
}

export interface ConvertResult {
  onnx: Uint8Array;
  inputName: string;
  inputShape: number[];
  outputs: Array<{ tfName: string; onnxName: string; shape: number[] }>;
  opCounts: Record<string, number>;
}

class Converter extends ConverterBase {
  // ---- ops --------------------------------------------------------------------------------
  protected convertNode(node: TfNode): void {
    const ins = this.dataInputs(node);
    const set = (v: Val) => this.vals.set(node.name, v);
    const op = node.op;
    switch (op) {
      case 'Placeholder': {
        const dims = (node.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size));
        const shape = dims.map((d, i) => (d < 0 ? (i === 0 ? 1 : NaN) : d));
        if (shape.some((d) => Number.isNaN(d))) throw new Error(`${node.name}: only the batch dimension may be dynamic`);
        if (this.dynamicSpatial && shape.length !== 4) throw new Error(`${node.name}: dynamicSpatial needs a 4-D NHWC input`);
        this.g.addInput({ name: node.name, shape: this.dynamicSpatial ? [shape[0]!, 'height', 'width', shape[3]!] : shape });
        set({ shape, tf: node.name });
        return;
      }
      case 'Identity':
      case 'StopGradient':
      case 'Snapshot':
        set(this.val(ins[0]!));
        return;
      case 'Conv2D':
      case '_FusedConv2D':
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative':
        return this.conv(node, ins);
      case 'MaxPool':
      case 'AvgPool': {
        const x = this.val(ins[0]!);
        const k = attrInts(node.attr?.ksize);
        const s = attrInts(node.attr?.strides);
        const { pads, out } = spatial(node, x.shape, [k[1]!, k[2]!], [s[1]!, s[2]!], [1, 1]);
        const attrs: Record<string, number | number[]> = { kernel_shape: [k[1]!, k[2]!], strides: [s[1]!, s[2]!], pads };
        if (op === 'AvgPool') attrs.count_include_pad = 0;
        const y = this.g.node(op, [this.toNchw(x)], this.g.fresh(node.name), attrs);
        set({ shape: [x.shape[0]!, out[0]!, out[1]!, x.shape[3]!], nchw: y });
        return;
      }
      case 'Pad':
      case 'PadV2':
      case 'MirrorPad': {
        const x = this.val(ins[0]!);
        const p = this.constOf(ins[1]!);
        if (!p) throw new Error(`${node.name}: paddings must be constant`);
        const rows: Array<[number, number]> = [];
        for (let i = 0; i < p.shape[0]!; i++) rows.push([p.data[2 * i]!, p.data[2 * i + 1]!]);
        const shape = x.shape.map((d, i) => d + rows[i]![0] + rows[i]![1]);
        const useNchw = x.shape.length === 4 && !!x.nchw;
        if (op === 'Pad' && useNchw && rows.every((r, i) => i === 3 || (r[0] === 0 && r[1] === 0))) {
          set({ shape, nchw: this.channelPad(x.nchw!, x.shape[3]!, rows[3]!, node.name) });
          return;
        }
        const order = useNchw ? NHWC_TO_NCHW.map((i) => rows[i]!) : rows;
        const pads = this.g.int64('pads', [...order.map((r) => r[0]), ...order.map((r) => r[1])]);
        const inputs = [useNchw ? x.nchw! : this.toTf(x), pads];
        const attrs: Record<string, string> = {};
        if (op === 'PadV2') {
          const cv = this.constOf(ins[2]!);
          if (!cv) throw new Error(`${node.name}: pad value must be constant`);
          inputs.push(this.emitConst(reshapeConst(cv, []), 'padvalue'));
        }
        if (op === 'MirrorPad') {
          if (attrString(node.attr?.mode) !== 'REFLECT') throw new Error(`${node.name}: only REFLECT mirror padding is supported`);
          attrs.mode = 'reflect';
        }
        const y = this.g.node('Pad', inputs, this.g.fresh(node.name), attrs);
        set(useNchw ? { shape, nchw: y } : { shape, tf: y });
        return;
      }
      case 'Add':
      case 'AddV2':
      case 'BiasAdd':
      case 'Sub':
      case 'Mul':
      case 'RealDiv':
      case 'Maximum':
      case 'Minimum':
      case 'Prelu':
        return this.binary(node, ins);
      case 'Relu':
      case 'Sigmoid':
      case 'Tanh':
      case 'Elu':
      case 'Exp':
      case 'Neg':
      case 'Abs':
      case 'Sqrt':
      case 'Relu6':
      case 'Rsqrt':
      case 'Square':
        return this.unary(node, ins[0]!);
      case 'Softmax': {
        const x = this.val(ins[0]!);
        if (x.shape.length === 4 && x.nchw && !x.tf) {
          set({ shape: x.shape, nchw: this.g.node('Softmax', [x.nchw], this.g.fresh(node.name), { axis: 1 }) });
        } else {
          set({ shape: x.shape, tf: this.g.node('Softmax', [this.toTf(x)], this.g.fresh(node.name), { axis: -1 }) });
        }
        return;
      }
      case 'Reshape': {
        const x = this.val(ins[0]!);
        const s = this.constOf(ins[1]!);
        if (!s) throw new Error(`${node.name}: dynamic reshape is not supported`);
        const total = x.shape.reduce((a, b) => a * b, 1);
        const target = Array.from(s.data);
        const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
        const shape = target.map((d) => (d === -1 ? total / known : d));
        const freeAxis = this.dynamicSpatial ? this.spatialAxis(node, x, shape) : undefined;
        if (freeAxis !== undefined) target[freeAxis] = -1;
        const y = this.g.node('Reshape', [this.memoryTf(x), this.g.int64('shape', target)], this.g.fresh(node.name));
        set({ shape, tf: y, freeAxis });
        return;
      }
      case 'Squeeze': {
        const x = this.val(ins[0]!);
        let axes = attrInts(node.attr?.squeeze_dims ?? node.attr?.axis);
        if (axes.length === 0) axes = x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
        axes = axes.map((a) => (a < 0 ? a + x.shape.length : a));
        const shape = x.shape.filter((_, i) => !axes.includes(i));
        set({ shape, tf: this.g.node('Squeeze', [this.toTf(x), this.g.int64('axes', axes)], this.g.fresh(node.name)) });
        return;
      }
      case 'ConcatV2': {
        const parts = ins.slice(0, -1).map((i) => this.val(i));
        const ax = this.constOf(ins[ins.length - 1]!);
        if (!ax) throw new Error(`${node.name}: concat axis must be constant`);
        const rank = parts[0]!.shape.length;
        const axis = ((ax.data[0]! % rank) + rank) % rank;
        const shape = [...parts[0]!.shape];
        shape[axis] = parts.reduce((a, p) => a + p.shape[axis]!, 0);
        const allNchw = rank === 4 && parts.every((p) => p.nchw);
        const y = this.g.node('Concat', parts.map((p) => (allNchw ? p.nchw! : this.toTf(p))), this.g.fresh(node.name), {
          axis: allNchw ? AXIS_IN_NCHW[axis]! : axis,
        });
        set(allNchw ? { shape, nchw: y } : { shape, tf: y });
        return;
      }
      case 'Mean':
      case 'Sum':
      case 'Max':
      case 'Min':
        return this.reduce(node, ins);
      case 'MatMul':
      case '_FusedMatMul':
        return this.matmul(node, ins);
      default:
        throw new Error(`unsupported tfjs op ${op} (node ${node.name})`);
    }
  }

  private conv(node: TfNode, ins: string[]): void {
    const x = this.val(ins[0]!);
    const w = this.constOf(ins[1]!);
    if (!w) throw new Error(`${node.name}: filter must be constant`);
    const depthwise = node.op.includes('Depthwise');
    const s = attrInts(node.attr?.strides);
    const d = attrInts(node.attr?.dilations);
    const dil: [number, number] = [d[1] ?? 1, d[2] ?? 1];
    const [kh, kw, cin, m] = w.shape as [number, number, number, number];
    if (attrString(node.attr?.data_format) === 'NCHW') throw new Error(`${node.name}: NCHW tfjs models are not supported`);
    const { pads, out } = spatial(node, x.shape, [kh, kw], [s[1]!, s[2]!], dil);
    let weight: TfConst;
    let cout: number;
    if (depthwise) {
      // [H, W, C, M] -> [C, M, H, W] -> [C*M, 1, H, W], group = C
      weight = reshapeConst(permuteConst(w, [2, 3, 0, 1]), [cin * m, 1, kh, kw]);
      cout = cin * m;
    } else {
      weight = permuteConst(w, [3, 2, 0, 1]); // HWIO -> OIHW
      cout = m;
    }
    const fused = node.op.startsWith('_Fused') || node.op.startsWith('Fused') ? attrStrings(node.attr?.fused_ops) : [];
    const inputs = [this.toNchw(x), this.emitConst(weight, `${node.name}_w`)];
    let extra = 2;
    if (fused[0] === 'BiasAdd') {
      const b = this.constOf(ins[extra++]!);
      if (!b) throw new Error(`${node.name}: bias must be constant`);
      inputs.push(this.emitConst(b, `${node.name}_b`));
    } else if (fused.length > 0) throw new Error(`${node.name}: fused ops ${fused} without BiasAdd`);
    const attrs: Record<string, number | number[]> = { kernel_shape: [kh, kw], strides: [s[1]!, s[2]!], dilations: dil, pads };
    if (depthwise) attrs.group = cin;
    let y = this.g.node('Conv', inputs, this.g.fresh(node.name), attrs);
    const shape = [x.shape[0]!, out[0]!, out[1]!, cout];
    for (const act of fused.slice(1)) y = this.activation(node, act, y, shape, ins[extra]);
    this.vals.set(node.name, { shape, nchw: y });
  }

  private activation(node: TfNode, act: string, x: string, shape: number[], alphaRef?: string): string {
    const out = this.g.fresh(`${node.name}_${act}`);
    switch (act) {
      case 'Relu':
        return this.g.node('Relu', [x], out);
      case 'Relu6':
        return this.g.node('Clip', [x, this.emitConst(scalar(0), 'zero'), this.emitConst(scalar(6), 'six')], out);
      case 'Sigmoid':
        return this.g.node('Sigmoid', [x], out);
      case 'Elu':
        return this.g.node('Elu', [x], out);
      case 'LeakyRelu':
        return this.g.node('LeakyRelu', [x], out, { alpha: { float: node.attr?.leakyrelu_alpha?.f ?? 0.2 } });
      case 'Prelu': {
        const a = alphaRef ? this.constOf(alphaRef) : undefined;
        if (!a) throw new Error(`${node.name}: PReLU alpha must be constant`);
        return this.prelu(x, shape, a, out);
      }
      default:
        throw new Error(`${node.name}: unsupported fused activation ${act}`);
    }
  }

  /**
   * PReLU without onnxruntime's PRelu kernel, which with a per-channel slope took 45 % of
   * FaceMesh's time. On an NCHW value with one slope per channel: (1 − alpha)·Relu(x) + alpha·x,
   * the two scalings as depthwise 1x1 convolutions, so onnxruntime keeps the whole block in its
   * blocked (NCHWc) layout and folds the Add into the second convolution (5.7 → 2.2 ms per
   * FaceMesh run; equal to PReLU within 1 ulp). Otherwise Relu(x) + alpha·Min(x, 0).
   */
  private prelu(x: string, shape: number[], alpha: TfConst, out: string, nchw = shape.length === 4): string {
    const pos = this.g.node('Relu', [x], this.g.fresh('prelu_pos'));
    const C = shape[3]!;
    if (nchw && shape.length === 4 && alpha.data.length === C) {
      const a = Array.from(alpha.data, Number);
      const scale = (input: string, w: number[], base: string) =>
        this.g.node('Conv', [input, this.g.addInitializer({ name: this.g.fresh(`${base}_w`), dims: [C, 1, 1, 1], type: 'float32', data: Float32Array.from(w) })], this.g.fresh(base), {
          kernel_shape: [1, 1],
          group: C,
        });
      return this.g.node('Add', [scale(pos, a.map((v) => 1 - v), 'prelu_pos'), scale(x, a, 'prelu_neg')], out);
    }
    const neg = this.g.node('Min', [x, this.emitConst(scalar(0), 'zero')], this.g.fresh('prelu_neg'));
    const slope = nchw ? this.constForNchw(alpha, 'alpha') : this.emitConst(alpha, 'alpha');
    return this.g.node('Add', [pos, this.g.node('Mul', [neg, slope], this.g.fresh('prelu_scaled'))], out);
  }

  private binary(node: TfNode, ins: string[]): void {
    const onnxOp: Record<string, string> = {
      Add: 'Add', AddV2: 'Add', BiasAdd: 'Add', Sub: 'Sub', Mul: 'Mul', RealDiv: 'Div', Maximum: 'Max', Minimum: 'Min',
    };
    const [ra, rb] = [ins[0]!, ins[1]!];
    const ca = this.constOf(ra);
    const cb = this.constOf(rb);
    const va = ca ? undefined : this.val(ra);
    const vb = cb ? undefined : this.val(rb);
    const dyn = [va, vb].filter((v): v is Val => !!v);
    const shape = broadcastShape(ca?.shape ?? va!.shape, cb?.shape ?? vb!.shape);
    // NCHW when the result is 4-D, some dynamic operand already lives in NCHW, and every
    // dynamic operand is 4-D (a lower-rank dynamic operand would broadcast differently).
    const nchw = shape.length === 4 && dyn.some((v) => v.nchw) && dyn.every((v) => v.shape.length === 4);
    const operand = (c: TfConst | undefined, v: Val | undefined, base: string) =>
      c ? (nchw ? this.constForNchw(c, base) : this.emitConst(c, base)) : nchw ? this.toNchw(v!) : this.toTf(v!);
    if (node.op === 'Prelu') {
      if (!cb || !va) throw new Error(`${node.name}: PReLU alpha must be constant`);
      const y = this.prelu(nchw ? this.toNchw(va) : this.toTf(va), shape, cb, this.g.fresh(node.name), nchw);
      this.vals.set(node.name, nchw ? { shape, nchw: y } : { shape, tf: y });
      return;
    }
    const y = this.g.node(onnxOp[node.op]!, [operand(ca, va, 'a'), operand(cb, vb, 'b')], this.g.fresh(node.name));
    this.vals.set(node.name, nchw ? { shape, nchw: y } : { shape, tf: y });
  }

  private unary(node: TfNode, ref: string): void {
    const x = this.val(ref);
    const inName = x.nchw ?? x.tf!;
    const out = this.g.fresh(node.name);
    let y: string;
    switch (node.op) {
      case 'Relu6':
        y = this.g.node('Clip', [inName, this.emitConst(scalar(0), 'zero'), this.emitConst(scalar(6), 'six')], out);
        break;
      case 'Rsqrt':
        y = this.g.node('Reciprocal', [this.g.node('Sqrt', [inName], this.g.fresh('sqrt'))], out);
        break;
      case 'Square':
        y = this.g.node('Mul', [inName, inName], out);
        break;
      default:
        y = this.g.node(node.op, [inName], out);
    }
    this.vals.set(node.name, x.nchw ? { shape: x.shape, nchw: y } : { shape: x.shape, tf: y });
  }

  private reduce(node: TfNode, ins: string[]): void {
    const x = this.val(ins[0]!);
    const ax = this.constOf(ins[1]!);
    if (!ax) throw new Error(`${node.name}: reduction axes must be constant`);
    const rank = x.shape.length;
    const axes = Array.from(ax.data).map((a) => ((a % rank) + rank) % rank);
    const keep = !!node.attr?.keep_dims?.b;
    const shape = keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    // Stay in NCHW if the kept axes come out in logical order (or dims are kept).
    let useNchw = rank === 4 && !!x.nchw;
    if (useNchw && !keep) {
      const kept = NHWC_TO_NCHW.filter((logical) => !axes.includes(logical));
      useNchw = kept.every((v, i) => i === 0 || v > kept[i - 1]!);
    }
    const onnxAxes = useNchw ? axes.map((a) => AXIS_IN_NCHW[a]!) : axes;
    const input = useNchw ? x.nchw! : this.toTf(x);
    const op = { Mean: 'ReduceMean', Sum: 'ReduceSum', Max: 'ReduceMax', Min: 'ReduceMin' }[node.op]!;
    const out = this.g.fresh(node.name);
    const y =
      op === 'ReduceSum'
        ? this.g.node(op, [input, this.g.int64('axes', onnxAxes)], out, { keepdims: keep ? 1 : 0 })
        : this.g.node(op, [input], out, { axes: onnxAxes, keepdims: keep ? 1 : 0 });
    this.vals.set(node.name, useNchw && keep ? { shape, nchw: y } : { shape, tf: y });
  }

  private matmul(node: TfNode, ins: string[]): void {
    const a = this.val(ins[0]!);
    const bc = this.constOf(ins[1]!);
    const ta = node.attr?.transpose_a?.b ? 1 : 0;
    const tb = node.attr?.transpose_b?.b ? 1 : 0;
    const fused = node.op === '_FusedMatMul' ? attrStrings(node.attr?.fused_ops) : [];
    if (a.shape.length !== 2) throw new Error(`${node.name}: MatMul on rank ${a.shape.length}`);
    const b = bc ? this.emitConst(bc, `${node.name}_w`) : this.toTf(this.val(ins[1]!));
    const bShape = bc?.shape ?? this.val(ins[1]!).shape;
    const n = tb ? bShape[0]! : bShape[1]!;
    const inputs = [this.toTf(a), b];
    let extra = 2;
    if (fused[0] === 'BiasAdd') {
      const bias = this.constOf(ins[extra++]!);
      if (!bias) throw new Error(`${node.name}: bias must be constant`);
      inputs.push(this.emitConst(bias, `${node.name}_b`));
    }
    const shape = [ta ? a.shape[1]! : a.shape[0]!, n];
    let y = this.g.node('Gemm', inputs, this.g.fresh(node.name), { transA: ta, transB: tb });
    for (const act of fused.slice(1)) y = this.activation(node, act, y, shape, ins[extra]);
    this.vals.set(node.name, { shape, tf: y });
  }

  run(opts: ConvertOptions): ConvertResult {
    const outs = opts.outputs ?? this.model.signatureOutputs;
    if (outs.length === 0) throw new Error('model has no signature outputs; pass outputs');
    const outputs: ConvertResult['outputs'] = [];
    for (const tfName of outs) {
      const v = this.val(tfName);
      const onnxName = baseName(tfName);
      this.g.node(v.tf ? 'Identity' : 'Transpose', [v.tf ?? v.nchw!], onnxName, v.tf ? {} : { perm: NCHW_TO_NHWC });
      this.g.addOutput({ name: onnxName, shape: v.shape.map((d, i) => (i === v.freeAxis ? `${onnxName}_${i}` : d)) });
      outputs.push({ tfName, onnxName, shape: v.shape });
    }
    const input = this.model.nodes.find((n) => n.op === 'Placeholder');
    if (!input) throw new Error('model has no input');
    const onnx = this.g.encode({
      opset: 13,
      producer: opts.producer ?? 'se3kit tfjs-to-onnx',
      metadata: opts.metadata,
    });
    return { onnx, inputName: input.name, inputShape: this.vals.get(input.name)!.shape, outputs, opCounts: this.g.opCounts };
  }
}

function scalar(v: number): TfConst {
  return { dtype: 'float32', shape: [], data: Float32Array.of(v) };
}

export function convertGraph(model: TfGraph, opts: ConvertOptions = {}): ConvertResult {
  return new Converter(model, opts.dynamicSpatial).run(opts);
}

export function convertTfjsModel(jsonPath: string, opts: ConvertOptions = {}): ConvertResult {
  return convertGraph(readTfjsGraph(jsonPath), opts);
}
