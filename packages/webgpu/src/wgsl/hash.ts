/** splitmix32 and hash2 of src/random/xoshiro.ts in WGSL (u32 multiplication wraps like Math.imul). */
export const HASH = /* wgsl */ `
fn splitmix32(x: u32) -> u32 {
  var z = x + 0x9e3779b9u;
  z = (z ^ (z >> 16u)) * 0x85ebca6bu;
  z = (z ^ (z >> 13u)) * 0xc2b2ae35u;
  return z ^ (z >> 16u);
}
fn hash2(seed: u32, index: u32) -> u32 { return splitmix32(splitmix32(seed) ^ index); }
`;
