// The GPU forward pass of a Llama-family model (llama, qwen2, qwen3). Weights are uploaded once; a forward
// runs a batch of token rows — each row with its own position, rows of any sequences in any order —
// through every layer in one command encoder, with attention delegated to an AttentionStep (see
// gpu/attention/step.ts), and returns the logits of the rows asked for.
import { HydrapatchError } from '../../../src/protocol/errors';
import { getGpu, type Gpu } from '../gpu/device';
import { fixedSubgroupSize, withoutSubgroups } from '../gpu/capabilities';
import { createStorage, ReadBuffer, UniformArena } from '../gpu/buffers';
import type { Binding } from '../gpu/program';
import { createTexels, encodeCopyToTexels, isTexels, texelsFor, texelsReadable, type Texels } from '../gpu/texels';
import type { GpuWeight, WeightType } from '../gpu/gpuWeight';
import { BROADCAST_MIN_ROWS, broadcastRowsPerLane, encodeMatmul, matmulKernel, matmulUniform, xBytes, type MatmulVariant } from '../gpu/matmul';
import { encodeToF16, encodeToQ8, encodeToQ8K, formsFor, toF16Kernel, toF16Uniform, toQ8KKernel, toQ8Kernel, toQ8KUniform, toQ8Uniform } from '../gpu/activationQuant';
import { embeddingKernel, embeddingUniform, encodeEmbedding, type EmbeddingProgram } from '../gpu/embedding';
import { encodeRmsNorm, rmsNormKernel, rmsNormUniform } from '../gpu/rmsNorm';
import { encodeRope, RopeTable, ropeKernel, ropeUniform, type RopeProgram } from '../gpu/rope';
import { encodeSwiglu, swigluKernel, swigluUniform } from '../gpu/swiglu';
import { dequantize, uploadWeight } from './weightUpload';
import type { AttentionShape, AttentionStep } from '../gpu/attention/step';
import { checkRunnable } from './modelTensors';
import { isKQuant } from './kQuants';
import type { LoadedModel, ModelConfig, Tensor } from './types';

export interface ForwardBatch {
  tokens: Int32Array;
  positions: Int32Array;
}

export interface RunnerOptions {
  /** Use the portable matmul path even when the device has subgroups (tests, comparisons). */
  noSubgroups?: boolean;
  /** Matmuls read their activations, and F32/F16/Q8_0/Q4_K weights, as texels, or not (default: where the device reads them faster, CPU devices: gpu/texels.ts). */
  texels?: boolean;
}

interface LayerWeights {
  attnNorm: GPUBuffer;
  q: GpuWeight;
  k: GpuWeight;
  v: GpuWeight;
  qBias?: GPUBuffer;
  kBias?: GPUBuffer;
  vBias?: GPUBuffer;
  qNorm?: GPUBuffer;
  kNorm?: GPUBuffer;
  o: GpuWeight;
  ffnNorm: GPUBuffer;
  gate: GpuWeight;
  up: GpuWeight;
  down: GpuWeight;
}

/** Per-forward scratch, grown when a larger batch arrives. */
interface Scratch {
  rows: number;
  tokens: GPUBuffer;
  positions: GPUBuffer;
  x: GPUBuffer;
  xn: GPUBuffer;
  q: GPUBuffer;
  k: GPUBuffer;
  v: GPUBuffer;
  attn: GPUBuffer;
  gate: GPUBuffer;
  up: GPUBuffer;
  /** Activations quantised for Q8_0 weights (sized for the widest input). */
  xq: GPUBuffer;
  xqScales: GPUBuffer;
  /** Activations rounded to f16 for F16 weights (sized for the widest input). */
  xh: GPUBuffer;
  /** Activations quantised to Q8_K for K-quant weights: int8 quants and a scale per 256 (sized for the widest input; one value a row without K-quants). */
  xk: GPUBuffer;
  xkScales: GPUBuffer;
  /** Where texel matmuls read their input from (as f32 for the widest input; one value a row when matmuls read buffers). */
  xTexels: Texels;
}

interface Kernels {
  embedding: EmbeddingProgram;
  rope: RopeProgram;
}

export class ModelRunner implements AttentionShape {
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  private scratch: Scratch | undefined;
  /** The attention work class of the forward last submitted (names it for the GPU waiter). */
  private workClass = '';
  private logitsBuffer: GPUBuffer | undefined;
  private finalRows: GPUBuffer | undefined;
  private readonly arena: UniformArena;
  private readonly logitsReader: ReadBuffer;
  private readonly rope: RopeTable;
  /** The input whose bytes the scratch xTexels hold (matmul inputs since the last rounder()), if any. */
  private texelsHold: GPUBuffer | undefined;

  private constructor(
    readonly gpu: Gpu,
    readonly config: ModelConfig,
    private readonly embedding: GpuWeight,
    private readonly layers: LayerWeights[],
    private readonly outputNorm: GPUBuffer,
    private readonly output: GpuWeight,
    private readonly kernels: Kernels,
    private readonly subgroups: boolean,
    /** Matmuls read X as texels (and W, for the types whose weights were uploaded as texels). */
    private readonly texels: boolean,
    ropeFreqs: Float32Array | undefined,
  ) {
    this.numLayers = config.numLayers;
    this.numHeads = config.numHeads;
    this.numKvHeads = config.numKvHeads;
    this.headDim = config.headDim;
    this.arena = new UniformArena(gpu.device);
    this.logitsReader = new ReadBuffer(gpu.device, 'logits.read');
    this.rope = new RopeTable(gpu.device, config.headDim, config.ropeTheta, ropeFreqs);
  }

  static async create(model: LoadedModel, options: RunnerOptions = {}): Promise<ModelRunner> {
    const gpu = await getGpu();
    const { device } = gpu;
    const c = model.config;
    checkRunnable(c, model.source.path);
    const tensor = (name: string): Tensor => {
      const t = model.tensors.get(name);
      if (!t) throw new HydrapatchError('model_missing_tensor', `${model.source.path}: tensor ${name} is missing`, 'The model file is incomplete or not a llama/qwen2 model.');
      return t;
    };
    const vector = (name: string): GPUBuffer => {
      const data = dequantize(tensor(name));
      const buffer = createStorage(device, name, data.byteLength);
      device.queue.writeBuffer(buffer, 0, data);
      return buffer;
    };
    // Matmuls read X as texels, and the weights of the types that allow it (gpu/texels.ts).
    const asTexels = options.texels ?? texelsFor(gpu.caps);
    const matrix = (name: string): GpuWeight => {
      const t = tensor(name);
      return uploadWeight(device, t, { texels: asTexels && texelsReadable(t.type) });
    };
    const layers: LayerWeights[] = [];
    for (let i = 0; i < c.numLayers; i++) {
      const p = `blk.${i}.`;
      layers.push({
        attnNorm: vector(`${p}attn_norm.weight`),
        q: matrix(`${p}attn_q.weight`),
        k: matrix(`${p}attn_k.weight`),
        v: matrix(`${p}attn_v.weight`),
        qBias: c.qkvBias ? vector(`${p}attn_q.bias`) : undefined,
        kBias: c.qkvBias ? vector(`${p}attn_k.bias`) : undefined,
        vBias: c.qkvBias ? vector(`${p}attn_v.bias`) : undefined,
        qNorm: c.qkNorm ? vector(`${p}attn_q_norm.weight`) : undefined,
        kNorm: c.qkNorm ? vector(`${p}attn_k_norm.weight`) : undefined,
        o: matrix(`${p}attn_output.weight`),
        ffnNorm: vector(`${p}ffn_norm.weight`),
        gate: matrix(`${p}ffn_gate.weight`),
        up: matrix(`${p}ffn_up.weight`),
        down: matrix(`${p}ffn_down.weight`),
      });
    }
    const embedding = matrix('token_embd.weight');
    const output = c.tiedEmbeddings ? embedding : matrix('output.weight');
    const kernels: Kernels = { embedding: embeddingKernel(device, embedding.type, isTexels(embedding.parts[0].data)), rope: ropeKernel(device) };
    // The subgroup kernels (reduction, broadcast) need their workgroup of 8 lanes inside one subgroup:
    // a fixed subgroup size of at least 8.
    const caps = options.noSubgroups ? withoutSubgroups(gpu.caps) : gpu.caps;
    const subgroups = (fixedSubgroupSize(caps) ?? 0) >= 8;
    const ropeFreqs = c.ropeFreqs ? dequantize(tensor('rope_freqs.weight')) : undefined;
    return new ModelRunner(gpu, c, embedding, layers, vector('output_norm.weight'), output, kernels, subgroups, asTexels, ropeFreqs);
  }

  /**
   * Runs `batch` through the model. `logitsRows` are the batch rows whose logits are returned
   * (default: the last row), concatenated: [logitsRows.length, vocabSize]. One command buffer and one
   * wait per forward: the logits' copy to the read-back buffer is encoded after the forward's work.
   */
  async forward(batch: ForwardBatch, attention: AttentionStep, logitsRows?: number[]): Promise<Float32Array> {
    const { device } = this.gpu;
    const rows = logitsRows ?? [batch.tokens.length - 1];
    const bytes = rows.length * this.config.vocabSize * 4;
    const enc = device.createCommandEncoder({ label: 'forward' });
    const logits = this.encodeForward(enc, batch, attention, rows);
    this.logitsReader.encodeCopy(enc, logits, bytes);
    this.arena.flush();
    device.queue.submit([enc.finish()]);
    attention.end();
    // Forwards of one batch shape and attention work take alike time: the waiter sleeps through most of it.
    return new Float32Array(await this.logitsReader.read(bytes, `forward:${batch.tokens.length}:${rows.length}:${this.workClass}`));
  }

  /** Encodes the forward into `enc` (after attention.begin); returns the buffer its logits land in. */
  private encodeForward(enc: GPUCommandEncoder, batch: ForwardBatch, attention: AttentionStep, logitsRows: number[]): GPUBuffer {
    const { device } = this.gpu;
    const c = this.config;
    const n = batch.tokens.length;
    this.checkBatch(batch, logitsRows);
    const s = this.ensureScratch(n);
    device.queue.writeBuffer(s.tokens, 0, new Uint32Array(batch.tokens.buffer, batch.tokens.byteOffset, n));
    device.queue.writeBuffer(s.positions, 0, new Uint32Array(batch.positions.buffer, batch.positions.byteOffset, n));
    let maxPosition = 0;
    for (const p of batch.positions) maxPosition = Math.max(maxPosition, p);
    const ropeTable = this.rope.ensure(maxPosition);
    attention.begin({ rows: n, positions: batch.positions });
    this.workClass = attention.workClass();

    this.arena.reset();
    const d = c.hiddenSize;
    const qDim = c.numHeads * c.headDim;
    for (const part of this.embedding.parts) {
      encodeEmbedding(enc, this.kernels.embedding, embeddingUniform(this.arena, n, d, part), n, d, s.tokens, part.data, part.scales, s.x);
    }
    const eps = c.rmsNormEps;
    const normU = rmsNormUniform(this.arena, { rows: n, dim: d, eps });
    const ropeQ = ropeUniform(this.arena, n, c.numHeads, c.headDim, c.ropeMode);
    const ropeK = ropeUniform(this.arena, n, c.numKvHeads, c.headDim, c.ropeMode);
    const qNormU = c.qkNorm ? rmsNormUniform(this.arena, { rows: n * c.numHeads, dim: c.headDim, eps }) : undefined;
    const kNormU = c.qkNorm ? rmsNormUniform(this.arena, { rows: n * c.numKvHeads, dim: c.headDim, eps }) : undefined;
    const swigluU = swigluUniform(this.arena, n * c.intermediateSize);
    for (let i = 0; i < c.numLayers; i++) {
      const L = this.layers[i];
      const xnFor = this.rmsNorm(enc, s, normU, n, s.x, L.attnNorm, [L.q, L.k, L.v]);
      this.matmul(enc, L.q, xnFor(L.q.type), n, s.q, L.qBias);
      this.matmul(enc, L.k, xnFor(L.k.type), n, s.k, L.kBias);
      this.matmul(enc, L.v, xnFor(L.v.type), n, s.v, L.vBias);
      if (L.qNorm && L.kNorm && qNormU && kNormU) {
        // Per-head norms (qwen3), through s.attn: it is free until attention writes it.
        encodeRmsNorm(enc, rmsNormKernel(device, 'f32'), qNormU, n * c.numHeads, s.q, L.qNorm, { y: s.attn });
        enc.copyBufferToBuffer(s.attn, 0, s.q, 0, n * qDim * 4);
        encodeRmsNorm(enc, rmsNormKernel(device, 'f32'), kNormU, n * c.numKvHeads, s.k, L.kNorm, { y: s.attn });
        enc.copyBufferToBuffer(s.attn, 0, s.k, 0, n * c.numKvHeads * c.headDim * 4);
      }
      encodeRope(enc, this.kernels.rope, ropeQ, n, c.numHeads, c.headDim, s.positions, ropeTable, s.q);
      encodeRope(enc, this.kernels.rope, ropeK, n, c.numKvHeads, c.headDim, s.positions, ropeTable, s.k);
      attention.encode(enc, i, s.q, s.k, s.v, s.attn, n);
      this.matmul(enc, L.o, this.rounder(enc, s, s.attn, n, qDim)(L.o.type), n, s.x, undefined, true);
      const ffnFor = this.rmsNorm(enc, s, normU, n, s.x, L.ffnNorm, [L.gate, L.up]);
      this.matmul(enc, L.gate, ffnFor(L.gate.type), n, s.gate);
      this.matmul(enc, L.up, ffnFor(L.up.type), n, s.up);
      const downForms = formsFor([L.down.type]);
      encodeSwiglu(enc, swigluKernel(device, downForms), swigluU, n * c.intermediateSize, s.gate, s.up, downForms === 'f32' ? undefined : s.xh);
      this.matmul(enc, L.down, this.rounder(enc, s, s.gate, n, c.intermediateSize, downForms !== 'f32')(L.down.type), n, s.x, undefined, true);
    }
    // Only the rows whose logits are wanted go through the final norm and the LM head, gathered into
    // `final` unless they are the first m rows in order (a decode step's: no copies then).
    const m = logitsRows.length;
    const leading = logitsRows.every((r, j) => r === j);
    const final = leading ? s.x : this.ensureFinal(m);
    if (!leading) for (let j = 0; j < m; j++) enc.copyBufferToBuffer(s.x, logitsRows[j] * d * 4, final, j * d * 4, d * 4);
    const finalFor = this.rmsNorm(enc, s, rmsNormUniform(this.arena, { rows: m, dim: d, eps: c.rmsNormEps }), m, final, this.outputNorm, [this.output]);
    const logits = this.ensureLogits(m);
    this.matmul(enc, this.output, finalFor(this.output.type), m, logits);
    return logits;
  }

  /** Releases the GPU memory of the weights and scratch. */
  destroy(): void {
    const all = new Set<GPUBuffer | Texels>();
    const w = (g: GpuWeight) => {
      for (const part of g.parts) {
        all.add(part.data);
        if (part.scales) all.add(part.scales);
      }
    };
    for (const L of this.layers) {
      for (const b of [L.attnNorm, L.ffnNorm, L.qBias, L.kBias, L.vBias, L.qNorm, L.kNorm]) if (b) all.add(b);
      for (const g of [L.q, L.k, L.v, L.o, L.gate, L.up, L.down]) w(g);
    }
    w(this.embedding);
    w(this.output);
    all.add(this.outputNorm);
    this.logitsReader.destroy();
    if (this.scratch) for (const b of Object.values(this.scratch)) if (typeof b !== 'number') all.add(b);
    for (const b of all) b.destroy();
  }

  /** The matmul weights. */
  private matrices(): GpuWeight[] {
    return [this.output, ...this.layers.flatMap((L) => [L.q, L.k, L.v, L.o, L.gate, L.up, L.down])];
  }


  /**
   * RMSNorm of `x` [rows, hidden] into s.xn and/or s.xh, in the forms the matmuls of `readers` read;
   * returns their inputs as rounder() does (the f16 form is already written).
   */
  private rmsNorm(enc: GPUCommandEncoder, s: Scratch, uniform: Binding, rows: number, x: GPUBuffer, weight: GPUBuffer, readers: GpuWeight[]): (type: WeightType) => { x: GPUBuffer; scales?: GPUBuffer } {
    const forms = formsFor(readers.map((w) => w.type));
    const out = { y: forms === 'f16' ? undefined : s.xn, h: forms === 'f32' ? undefined : s.xh };
    encodeRmsNorm(enc, rmsNormKernel(this.gpu.device, forms), uniform, rows, x, weight, out);
    return this.rounder(enc, s, s.xn, rows, this.config.hiddenSize, forms !== 'f32');
  }

  /**
   * Input `x` [rows, k] in the form a matmul with weights of a given type reads (quantised or rounded
   * once per form); `halved`: its f16 form is already in s.xh.
   */
  private rounder(enc: GPUCommandEncoder, s: Scratch, x: GPUBuffer, rows: number, k: number, halved = false): (type: WeightType) => { x: GPUBuffer; scales?: GPUBuffer } {
    this.texelsHold = undefined;
    let quantised = false;
    let kRounded = false;
    const count = rows * k;
    return (type) => {
      if (isKQuant(type)) {
        if (!kRounded) encodeToQ8K(enc, toQ8KKernel(this.gpu.device), toQ8KUniform(this.arena, count), x, s.xk, s.xkScales, count);
        kRounded = true;
        return { x: s.xk, scales: s.xkScales };
      }
      if (type === 'f16') {
        if (!halved) encodeToF16(enc, toF16Kernel(this.gpu.device), toF16Uniform(this.arena, count), x, s.xh, count);
        halved = true;
        return { x: s.xh };
      }
      if (type !== 'q8_0') return { x };
      if (!quantised) encodeToQ8(enc, toQ8Kernel(this.gpu.device), toQ8Uniform(this.arena, count), x, s.xq, s.xqScales, count);
      quantised = true;
      return { x: s.xq, scales: s.xqScales };
    };
  }

  private matmul(enc: GPUCommandEncoder, w: GpuWeight, x: { x: GPUBuffer; scales?: GPUBuffer }, M: number, y: GPUBuffer, bias?: GPUBuffer, accumulate = false): void {
    const xIn = this.texels ? this.inTexels(enc, x.x, xBytes(w.type, M, w.cols)) : x.x;
    const rowsPerGroup = M === 1 ? 1 : 4;
    // 8 rows or more (batched decode, prefill) with subgroups: the broadcast variant (no reduction
    // across lanes, weight rows shared by subgroupBroadcast), its X rows per lane by M. Otherwise the subgroup reduction pays off in
    // matrix-vector products (decode), where it is a large part of the work; with a few rows the K loop
    // dominates, and the R=4 subgroup variant measured slower to run and took minutes to compile on
    // lavapipe, so that case reduces through workgroup memory.
    const broadcast = this.subgroups && M >= BROADCAST_MIN_ROWS;
    const subgroups = this.subgroups && (rowsPerGroup === 1 || broadcast);
    const variant: MatmulVariant = { type: w.type, rows: rowsPerGroup, subgroups, lanes: 8, broadcast, texels: this.texels, rowsPerLane: broadcast ? broadcastRowsPerLane(M) : undefined };
    const kernel = matmulKernel(this.gpu.device, variant);
    for (const part of w.parts) {
      const args = { M, N: part.rows, K: w.cols, x: xIn, xScales: x.scales, w: part.data, wScales: part.scales, bias, accumulate, y, ldy: w.rows, nOffset: part.rowStart };
      encodeMatmul(enc, kernel, variant, matmulUniform(this.arena, w.type, args), args);
    }
  }

  /**
   * The scratch texels holding `x`'s first `bytes`, copied in unless they already hold them: the matmuls
   * that share an input (q, k, v; gate, up) copy it once. rounder() forgets what they hold, as new
   * inputs are written before it.
   */
  private inTexels(enc: GPUCommandEncoder, x: GPUBuffer, bytes: number): Texels {
    const t = this.ensureScratch(1).xTexels;
    if (this.texelsHold !== x) {
      encodeCopyToTexels(enc, x, t, bytes);
      this.texelsHold = x;
    }
    return t;
  }

  private checkBatch(batch: ForwardBatch, logitsRows: number[]): void {
    const n = batch.tokens.length;
    if (n === 0 || batch.positions.length !== n) {
      throw new HydrapatchError('bad_batch', `a forward needs one position per token and at least one token (got ${n} tokens, ${batch.positions.length} positions)`, 'Pass tokens and positions of equal, non-zero length.');
    }
    const vocab = this.config.vocabSize;
    for (const t of batch.tokens) {
      if (!(t >= 0 && t < vocab)) throw new HydrapatchError('bad_token', `token id ${t} is outside the vocabulary [0, ${vocab})`, 'Use token ids the model\'s tokenizer produced.');
    }
    for (const p of batch.positions) {
      if (!(p >= 0 && p < 1 << 24)) throw new HydrapatchError('bad_position', `position ${p} is out of range`, 'Positions start at 0.');
    }
    if (logitsRows.length > n) {
      throw new HydrapatchError('bad_batch', `${logitsRows.length} logits rows asked of a batch of ${n}`, 'Ask for each row\'s logits at most once.');
    }
    for (const r of logitsRows) {
      if (!(Number.isInteger(r) && r >= 0 && r < n)) throw new HydrapatchError('bad_batch', `logits row ${r} is not a row of the batch (0..${n - 1})`, 'Ask for logits of rows within the batch.');
    }
  }

  private ensureScratch(rows: number): Scratch {
    if (this.scratch && this.scratch.rows >= rows) return this.scratch;
    if (this.scratch) for (const b of Object.values(this.scratch)) if (typeof b !== 'number') b.destroy();
    const { device } = this.gpu;
    const c = this.config;
    const cap = Math.max(rows, 1);
    const f = (label: string, width: number) => createStorage(device, label, cap * width * 4);
    const widest = Math.max(c.hiddenSize, c.intermediateSize, c.numHeads * c.headDim);
    const kQuants = this.matrices().some((w) => isKQuant(w.type));
    this.scratch = {
      rows: cap,
      tokens: f('tokens', 1),
      positions: f('positions', 1),
      x: f('x', c.hiddenSize),
      xn: f('xn', c.hiddenSize),
      q: f('q', c.numHeads * c.headDim),
      k: f('k', c.numKvHeads * c.headDim),
      v: f('v', c.numKvHeads * c.headDim),
      attn: f('attn', c.numHeads * c.headDim),
      gate: f('gate', c.intermediateSize),
      up: f('up', c.intermediateSize),
      xq: f('xq', widest / 4),
      xqScales: f('xqScales', Math.ceil(widest / 32)),
      xh: f('xh', widest / 2),
      xk: f('xk', kQuants ? widest / 4 : 1),
      xkScales: f('xkScales', kQuants ? Math.ceil(widest / 256) : 1),
      xTexels: createTexels(device, 'xTexels', cap * (this.texels ? widest : 1) * 4),
    };
    return this.scratch;
  }

  private ensureFinal(rows: number): GPUBuffer {
    if (!this.finalRows || this.finalRows.size < rows * this.config.hiddenSize * 4) {
      this.finalRows?.destroy();
      this.finalRows = createStorage(this.gpu.device, 'finalRows', rows * this.config.hiddenSize * 4);
    }
    return this.finalRows;
  }

  private ensureLogits(rows: number): GPUBuffer {
    if (!this.logitsBuffer || this.logitsBuffer.size < rows * this.config.vocabSize * 4) {
      this.logitsBuffer?.destroy();
      this.logitsBuffer = createStorage(this.gpu.device, 'logits', rows * this.config.vocabSize * 4);
    }
    return this.logitsBuffer;
  }
}
