/**
 * Zero-copy views of native memory. Creating an ArrayBuffer over native memory costs 0.1-2 µs, so
 * one is created per mapping (a 4 MiB segment of small and medium blocks, or one mapped region) and
 * cached; every view of a block inside it is a typed array at an offset into that buffer.
 *
 * Segments are never unmapped, so their cached buffers stay valid for the life of the process. A
 * region is unmapped when freed: its cached buffer is detached first (`transfer(0)`), so any view
 * still held reads as length 0 instead of touching unmapped memory.
 *
 * @module
 */
import { library } from "./ffi/load.ts";
import { nativeFailure } from "./errors.ts";

/** Segments and region starts are aligned to this; it keys the cache. */
const CHUNK_BYTES = 4 * 1024 * 1024;

interface CachedMapping {
  readonly base: number;
  readonly byteLength: number;
  readonly buffer: ArrayBuffer;
}

const mappings = new Map<number, CachedMapping>();
const mappingOut = new Float64Array(2);

function covers(mapping: CachedMapping | undefined, address: number, byteLength: number): mapping is CachedMapping {
  return mapping !== undefined && address >= mapping.base && address + byteLength <= mapping.base + mapping.byteLength;
}

/** The cached mapping holding [address, address + byteLength); asks the library on a miss. */
export function mappingFor(address: number, byteLength: number, action: string): CachedMapping {
  const cached = mappings.get(Math.floor(address / CHUNK_BYTES));
  if (covers(cached, address, byteLength)) return cached;
  const backend = library();
  const status = backend.native.offheap_mapping_of(address, mappingOut);
  if (status < 0) throw nativeFailure(action, status, `address ${address}`);
  const base = mappingOut[0];
  const mappingBytes = mappingOut[1];
  if (address + byteLength > base + mappingBytes) {
    throw new RangeError(
      `Cannot ${action}: ${byteLength} bytes at ${address} run past the end of its mapping (${base} + ${mappingBytes})`,
    );
  }
  const key = Math.floor(base / CHUNK_BYTES);
  const existing = mappings.get(key);
  if (existing && existing.base === base && existing.byteLength === mappingBytes) return existing;
  const mapping = { base, byteLength: mappingBytes, buffer: backend.externalBuffer(base, mappingBytes) };
  mappings.set(key, mapping);
  return mapping;
}

/** A Uint8Array over [address, address + byteLength), sharing the mapping's cached buffer. */
export function bytesAt(address: number, byteLength: number, action: string): Uint8Array {
  const mapping = mappingFor(address, byteLength, action);
  return new Uint8Array(mapping.buffer, address - mapping.base, byteLength);
}

/**
 * Forgets and detaches the cached buffer of the region starting at `address`. Call it before the
 * region's memory can be unmapped; views made from it read as empty afterwards.
 */
export function detachRegion(address: number): void {
  const key = Math.floor(address / CHUNK_BYTES);
  const cached = mappings.get(key);
  if (cached === undefined || cached.base !== address) return;
  mappings.delete(key);
  (cached.buffer as ArrayBuffer & { transfer(length: number): ArrayBuffer }).transfer(0);
}
