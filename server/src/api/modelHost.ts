// The models the server has loaded, each behind one SamplingEngine shared by every client. A model is
// loaded once per path (concurrent loads of the same path wait for the same engine); a failed load
// leaves nothing behind, so it can be retried.
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { HydrapatchError } from '../../../src/protocol/errors';
import type { LoadOptions, ModelInfo } from '../../../src/protocol/messages';
import { chatWrapOf } from '../model/chatWrap';
import { SamplingEngine, type EngineOptions } from '../sampling/engine';

export interface LoadedEngine {
  engine: SamplingEngine;
  info: ModelInfo;
}

export class ModelHost {
  private readonly engines = new Map<string, Promise<LoadedEngine>>();
  private defaultPath: string | undefined;

  constructor(
    private readonly defaults: EngineOptions,
    private readonly maxModels = 4,
  ) {}

  /**
   * Load (or find loaded) the model at `path`. The first model loaded becomes the server's default.
   * A model already loaded keeps the options it was loaded with: clients share one engine per file.
   */
  load(path: string, options: LoadOptions = {}): Promise<LoadedEngine> {
    const key = resolve(path);
    const known = this.engines.get(key);
    if (known) return known;
    if (!existsSync(key)) {
      return Promise.reject(new HydrapatchError('model_not_found', `${path}: no such file or folder`, 'Give the path of a .gguf file or of a Hugging Face folder with config.json and *.safetensors.'));
    }
    if (this.engines.size >= this.maxModels) {
      return Promise.reject(new HydrapatchError('too_many_models', `the server already holds ${this.engines.size} models`, 'Use one of the loaded models, or restart the server with the model you need.'));
    }
    const loading = SamplingEngine.load(key, { ...this.defaults, ...options }).then((engine) => ({ engine, info: infoOf(key, engine) }));
    this.engines.set(key, loading);
    loading.then(
      () => {
        this.defaultPath ??= key;
      },
      () => this.engines.delete(key),
    );
    return loading;
  }

  /** The engine for `path` (loading it if needed) or the default one. */
  async get(path?: string): Promise<LoadedEngine> {
    if (path !== undefined) return this.load(path);
    if (this.defaultPath === undefined) {
      throw new HydrapatchError('no_model', 'no model is loaded', 'Start the server with --model PATH or send a "load" message first.');
    }
    return this.load(this.defaultPath);
  }

  /** Models fully loaded, default first. */
  async loaded(): Promise<LoadedEngine[]> {
    const settled = await Promise.allSettled([...this.engines.values()]);
    const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    return ok.sort((a, b) => Number(b.info.path === this.defaultPath) - Number(a.info.path === this.defaultPath));
  }

  async close(): Promise<void> {
    const all = await this.loaded();
    this.engines.clear();
    await Promise.allSettled(all.map((m) => m.engine.close()));
  }
}

function infoOf(path: string, engine: SamplingEngine): ModelInfo {
  const c = engine.modelInfo.config;
  const chatWrap = chatWrapOf(engine.tokenizer);
  return { path, name: basename(path), arch: c.arch, contextLength: c.contextLength, vocabSize: c.vocabSize, ...(chatWrap ? { chatWrap } : {}) };
}
