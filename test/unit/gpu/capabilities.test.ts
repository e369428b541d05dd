// The device-capability object: what it reports agrees with the device itself (features, limits,
// Dawn's adapter info), lavapipe is recognised as the CPU fallback with its 8-lane subgroups, and the
// portable path (a device acquired with noSubgroups) reports no subgroups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { getGpu } from '../../../server/src/gpu/device';
import { fixedSubgroupSize, withoutSubgroups } from '../../../server/src/gpu/capabilities';

test('capabilities agree with the device and its adapter info', async () => {
  const { device, adapterInfo, caps } = await getGpu();
  assert.equal(caps.subgroups, device.features.has('subgroups'));
  assert.equal(caps.shaderF16, device.features.has('shader-f16'));
  assert.equal(caps.timestampQuery, device.features.has('timestamp-query'));
  for (const [name, value] of Object.entries(caps.limits)) assert.equal(value, device.limits[name as keyof GPUSupportedLimits], name);
  const info = (device as GPUDevice & { adapterInfo?: { subgroupMinSize?: number; subgroupMaxSize?: number } }).adapterInfo;
  if (info?.subgroupMinSize !== undefined) assert.deepEqual(caps.subgroupSizes, { min: info.subgroupMinSize, max: info.subgroupMaxSize });
  if (/llvmpipe/i.test(`${adapterInfo.device} ${adapterInfo.description}`)) {
    // lavapipe (this project's CPU fallback): 8-lane subgroups on its 256-bit vectors, f16 supported.
    assert.equal(caps.isCpu, true);
    assert.deepEqual(caps.subgroupSizes, { min: 8, max: 8 });
    assert.equal(fixedSubgroupSize(caps), 8);
  }
  assert.equal(fixedSubgroupSize(withoutSubgroups(caps)), undefined);
  // Once acquired with subgroups, a later call cannot silently hand out that device as the portable one.
  if (caps.subgroups) await assert.rejects(getGpu({ noSubgroups: true }), /after the device was acquired with subgroups/);
});

test('a device acquired with noSubgroups reports none (the portable path)', () => {
  // getGpu acquires once per process, so the portable device is acquired in a process of its own.
  const script = `require('./server/src/gpu/device').getGpu({ noSubgroups: true }).then((g) => { process.stdout.write(JSON.stringify({ caps: g.caps, features: [...g.device.features] })); process.exit(0); });`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: new URL('../../..', import.meta.url).pathname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' } });
  const { caps, features } = JSON.parse(out) as { caps: { subgroups: boolean }; features: string[] };
  assert.equal(features.includes('subgroups'), false);
  assert.equal(caps.subgroups, false);
});
