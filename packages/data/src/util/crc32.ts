/** CRC-32 (IEEE 802.3, as in zip and gzip), table-driven and incremental. */

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Continues a CRC-32 over more bytes (start with `crc = 0`). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc;
  for (let k = 0; k < bytes.length; k++) c = TABLE[(c ^ bytes[k]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
