// The kv store: each forward row's new k/v (f32) into its pool slot (dest[row]; 0xffffffff: none),
// rounded once when the pool is f16 (see kvFormat.ts).
import { KV_PACK_WGSL, kvRead, type KvType } from './kvFormat';
import { read, storage, type ProgramDecl } from '../program';

const uniforms = { rows: 'u32', rowVec4: 'u32' } as const;

export function kvStoreProgram(kvType: KvType) {
  const elem = kvRead(kvType).elem;
  const bindings = { k: read('vec4<f32>'), v: read('vec4<f32>'), dest: read('u32'), kPool: storage(elem), vPool: storage(elem) };
  const decl: ProgramDecl<typeof bindings, typeof uniforms> = { family: 'kvStore', variant: kvType, uniforms, bindings, body: () => source(kvType) };
  return decl;
}

/** Workgroup size of the kv store: one vec4 of a row a thread. */
export const KV_STORE_WG = 64;

function source(kvType: KvType): string {
  const f16 = kvType === 'f16';
  return `${f16 ? KV_PACK_WGSL : ''}
@compute @workgroup_size(${KV_STORE_WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= p.rows * p.rowVec4) { return; }
  let r = i / p.rowVec4;
  let d = dest[r];
  if (d == 0xffffffffu) { return; }
  let c = i % p.rowVec4;
  kPool[d * p.rowVec4 + c] = ${f16 ? 'kvPack(k[i])' : 'k[i]'};
  vPool[d * p.rowVec4 + c] = ${f16 ? 'kvPack(v[i])' : 'v[i]'};
}`;
}
