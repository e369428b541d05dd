// What a device can do, read once from the device (and the adapter info Dawn hangs on it): the
// features a kernel family may choose a variant by and the limits it must stay within. Every family
// reads this object rather than `device.limits` or flags of its own, so that a variant chosen for a
// device class is chosen in one place.
export interface Capabilities {
  /** The device was created with `subgroups` (off on the portable path, see AcquireOptions.noSubgroups). */
  subgroups: boolean;
  /** Subgroup sizes the adapter reports (Dawn's subgroupMinSize / subgroupMaxSize; lavapipe: 8 and 8), when it reports them. */
  subgroupSizes?: { min: number; max: number };
  shaderF16: boolean;
  timestampQuery: boolean;
  /** A software rasteriser (lavapipe / llvmpipe / SwiftShader): the CPU fallback. */
  isCpu: boolean;
  limits: {
    maxComputeWorkgroupsPerDimension: number;
    maxStorageBufferBindingSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxTextureDimension2D: number;
  };
}

/** Adapter info as Dawn's node binding exposes it (subgroup sizes are Dawn's additions). */
type AdapterInfo = Pick<GPUAdapterInfo, 'vendor' | 'architecture' | 'device' | 'description'> & { subgroupMinSize?: number; subgroupMaxSize?: number };

const byDevice = new WeakMap<GPUDevice, Capabilities>();

/** The capabilities of `device`, read once per device. */
export function capabilitiesOf(device: GPUDevice): Capabilities {
  let caps = byDevice.get(device);
  if (!caps) byDevice.set(device, (caps = readCapabilities(device)));
  return caps;
}

function readCapabilities(device: GPUDevice): Capabilities {
  const info = (device as GPUDevice & { adapterInfo?: AdapterInfo }).adapterInfo;
  const min = info?.subgroupMinSize;
  const max = info?.subgroupMaxSize;
  const l = device.limits;
  return {
    subgroups: device.features.has('subgroups'),
    subgroupSizes: min !== undefined && max !== undefined ? { min, max } : undefined,
    shaderF16: device.features.has('shader-f16'),
    timestampQuery: device.features.has('timestamp-query'),
    isCpu: info !== undefined && isCpuAdapter(info),
    limits: {
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxTextureDimension2D: l.maxTextureDimension2D,
    },
  };
}

function isCpuAdapter(info: AdapterInfo): boolean {
  return /llvmpipe|lavapipe|swiftshader|cpu/i.test(`${info.architecture} ${info.device} ${info.description} ${info.vendor}`);
}

/** The subgroup size when the adapter fixes it (min = max): kernels that take one subgroup as their workgroup need it. */
export function fixedSubgroupSize(caps: Capabilities): number | undefined {
  return caps.subgroups && caps.subgroupSizes && caps.subgroupSizes.min === caps.subgroupSizes.max ? caps.subgroupSizes.min : undefined;
}

/** `caps` on the portable path: the same device, its subgroup kernels not used (tests, comparisons). */
export function withoutSubgroups(caps: Capabilities): Capabilities {
  return { ...caps, subgroups: false };
}
