// Device acquisition: one Dawn instance per process, kept referenced for the life of the process
// (when it is garbage-collected Dawn crashes), and a clear error when there is no usable adapter.
import { HydrapatchError } from '../../../src/protocol/errors';
import { capabilitiesOf, type Capabilities } from './capabilities';

export interface Gpu {
  device: GPUDevice;
  adapterInfo: { vendor: string; architecture: string; device: string; description: string };
  /** What the device can do (subgroups, f16, limits, CPU or GPU): every kernel family reads this. */
  caps: Capabilities;
}

// Held at module level on purpose: see the comment at the top.
let dawnInstance: GPU | undefined;
let cached: Promise<Gpu> | undefined;

export interface AcquireOptions {
  /** Dawn options, e.g. ['backend=vulkan', 'adapter=NAME']. */
  dawnFlags?: string[];
  /** Disable the subgroup kernels (the portable path), e.g. for testing it. */
  noSubgroups?: boolean;
}

export function noAdapterHint(): string {
  if (process.platform === 'linux') {
    return (
      'Install a Vulkan driver. With a GPU: your vendor driver with Vulkan support (NVIDIA, AMD/Intel Mesa). ' +
      'Without a GPU on Debian 12: Mesa 25 lavapipe from bookworm-backports ' +
      '(`apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1`; Debian 12\'s own Mesa 22 is refused by Dawn). ' +
      'Check with `vulkaninfo --summary`.'
    );
  }
  if (process.platform === 'darwin') return 'WebGPU on macOS uses Metal: macOS 11 or later on a Mac with a Metal GPU is needed.';
  if (process.platform === 'win32') return 'WebGPU on Windows uses D3D12: update your GPU driver (Windows 10 or later).';
  return `WebGPU through Dawn is not available on ${process.platform}.`;
}

async function loadDawn(flags: string[]): Promise<GPU> {
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch (err) {
    throw new HydrapatchError(
      'no_webgpu',
      `Could not load Dawn's Node addon (the "webgpu" package) for ${process.platform}-${process.arch}: ${(err as Error).message}`,
      'Reinstall dependencies with `npm install`; the package ships dawn.node for linux-x64, darwin and win32.',
      { cause: err },
    );
  }
  Object.assign(globalThis, mod.globals);
  return mod.create(flags);
}

async function acquire(options: AcquireOptions): Promise<Gpu> {
  dawnInstance ??= await loadDawn(options.dawnFlags ?? []);
  const adapter = await dawnInstance.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new HydrapatchError('no_adapter', 'No WebGPU adapter was found: Dawn could not find a usable Vulkan, Metal or D3D12 device.', noAdapterHint());
  }
  const info = adapter.info;
  const subgroups = !options.noSubgroups && adapter.features.has('subgroups');
  const shaderF16 = adapter.features.has('shader-f16');
  const requiredFeatures: GPUFeatureName[] = [];
  if (subgroups) requiredFeatures.push('subgroups' as GPUFeatureName);
  if (shaderF16) requiredFeatures.push('shader-f16');
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  const a = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
      maxBufferSize: a.maxBufferSize,
      maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: a.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: a.maxComputeWorkgroupSizeX,
      maxStorageBuffersPerShaderStage: a.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupsPerDimension: a.maxComputeWorkgroupsPerDimension,
      maxTextureDimension2D: a.maxTextureDimension2D,
    },
  });
  device.addEventListener('uncapturederror', (ev) => {
    const e = (ev as GPUUncapturedErrorEvent).error;
    process.stderr.write(`WebGPU error: ${e.message}\n`);
  });
  return {
    device,
    adapterInfo: { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description },
    caps: capabilitiesOf(device),
  };
}

/** The process's GPU, acquired once (its options are those of the first call). Throws HydrapatchError('no_adapter') with a fix when there is none. */
export function getGpu(options: AcquireOptions = {}): Promise<Gpu> {
  cached ??= acquire(options).catch((err) => {
    cached = undefined;
    throw err;
  });
  if (!options.noSubgroups) return cached;
  // The device is acquired once per process: asking for the portable path later must not pass silently.
  return cached.then((gpu) => {
    if (gpu.caps.subgroups) {
      throw new HydrapatchError('internal', 'getGpu({ noSubgroups: true }) after the device was acquired with subgroups', 'Ask for the portable path on the first getGpu call of the process, or per model (ModelRunner.create(model, { noSubgroups: true })).');
    }
    return gpu;
  });
}
