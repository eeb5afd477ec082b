/**
 * The pattern every live block holds: byte i of block `id` is `(s + i · m) & 255`, with `s` and an
 * odd `m` derived from the id. It repeats every 256 bytes, so a block is filled with one 256-byte
 * copy and doubling `copyWithin`s; it differs between blocks and along a block, so an overwrite, a
 * shifted copy or another block's bytes are caught when it is checked.
 *
 * @module
 */

const template = new Uint8Array(256);

function start(id: number): number {
  return Math.imul(id, 0x9e3779b1) >>> 24;
}

function step(id: number): number {
  return ((Math.imul(id, 0x85ebca6b) >>> 8) & 0xfe) | 1;
}

/** Fills `bytes` with block `id`'s pattern. */
export function fillPattern(bytes: Uint8Array, id: number): void {
  const s = start(id);
  const m = step(id);
  for (let i = 0; i < 256; i++) template[i] = (s + i * m) & 255;
  const length = bytes.length;
  let done = Math.min(256, length);
  bytes.set(template.subarray(0, done));
  while (done < length) {
    const count = Math.min(done, length - done);
    bytes.copyWithin(done, 0, count);
    done += count;
  }
}

/** The index of the first byte of `bytes[0..length)` that breaks block `id`'s pattern, or -1. */
export function checkPattern(bytes: Uint8Array, id: number, length = bytes.length): number {
  const m = step(id);
  let value = start(id);
  for (let i = 0; i < length; i++) {
    if (bytes[i] !== value) return i;
    value = (value + m) & 255;
  }
  return -1;
}
