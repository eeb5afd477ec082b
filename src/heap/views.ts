/**
 * Zero-copy views of native memory. Creating an ArrayBuffer over native memory costs 0.1-2 µs, so
 * one is created per mapping (a 4 MiB segment of small and medium blocks, or one mapped or huge
 * region) and cached; every view of a block inside it is a typed array at an offset into that buffer.
 *
 * Segments are never unmapped, so their cached buffers are held strongly for the life of the
 * process. Regions can be unmapped, so a region's buffer **pins** it natively
 * (`offheap_region_pin`) for as long as the buffer is alive: a free of a pinned region (by any
 * Worker) marks it freed but keeps it mapped until the last pin is dropped. The cache holds region
 * buffers only weakly; the pin is dropped by a FinalizationRegistry when the buffer is collected, or
 * at once when this thread frees the region itself (the buffer is detached with `transfer(0)` first,
 * so views still held read as length 0 rather than reading memory that is about to be reused).
 *
 * So a view of a region held in another Worker never crashes the process when the owner frees it:
 * it keeps reading the old (freed) memory until it is dropped.
 *
 * Every pin names this thread's **pin owner** (`offheap_pin_owner_open`, once per thread). A Worker
 * that ends never runs its pending finalizers, so the library drops the pins of owners whose thread
 * is gone (when another thread opens an owner, and in `heap.trim()`); otherwise every region such
 * a Worker had viewed would stay mapped after its free. The region buffers of this module must
 * therefore stay in the thread that made them: transferring one to another Worker is not supported
 * (`share()` a buffer instead; the receiver then pins it under its own owner).
 *
 * @module
 */
import { library } from "../ffi/load.ts";
import { unwrap } from "../errors.ts";

/** Segments and region starts are aligned to this; it keys the cache. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** `offheap_mapping_of` kinds. */
const KIND_REGION = 2;

/** A mapping and the ArrayBuffer that covers it. */
export interface CachedMapping {
  readonly base: number;
  readonly byteLength: number;
  readonly buffer: ArrayBuffer;
}

/** A region's cache entry: the buffer is held weakly, so dropping every view drops the pin. */
interface RegionEntry {
  readonly base: number;
  readonly byteLength: number;
  readonly buffer: WeakRef<ArrayBuffer>;
}

const segments = new Map<number, CachedMapping>();
const regions = new Map<number, RegionEntry>();
const mappingOut = new Float64Array(3);
/** This thread's pin owner id, opened on the first pin (0: not yet). */
let pinOwner = 0;

function openPinOwner(action: string): number {
  if (pinOwner === 0) {
    pinOwner = unwrap(library().native.offheap_pin_owner_open(), action, "opening this thread's pin owner");
  }
  return pinOwner;
}

/** Runs after the GC collected a region's buffer: nothing can read the memory through it any more. */
const unpinRegistry = new FinalizationRegistry<RegionEntry>((entry) => {
  const key = Math.floor(entry.base / CHUNK_BYTES);
  if (regions.get(key) === entry) regions.delete(key);
  library().native.offheap_region_unpin(entry.base, pinOwner);
});

function covers(base: number, byteLength: number, address: number, length: number): boolean {
  return address >= base && address + length <= base + byteLength;
}

function cachedRegion(key: number, address: number, byteLength: number): CachedMapping | undefined {
  const entry = regions.get(key);
  if (entry === undefined || !covers(entry.base, entry.byteLength, address, byteLength)) return undefined;
  const buffer = entry.buffer.deref();
  if (buffer === undefined || buffer.byteLength === 0) return undefined;
  return { base: entry.base, byteLength: entry.byteLength, buffer };
}

/** The cached mapping holding [address, address + byteLength); asks the library on a miss. */
export function mappingFor(address: number, byteLength: number, action: string): CachedMapping {
  const key = Math.floor(address / CHUNK_BYTES);
  const segment = segments.get(key);
  if (segment !== undefined && covers(segment.base, segment.byteLength, address, byteLength)) return segment;
  const region = cachedRegion(key, address, byteLength);
  if (region !== undefined) return region;
  const backend = library();
  unwrap(backend.native.offheap_mapping_of(address, mappingOut), action, `address ${address}`);
  const [base, mappingBytes, kind] = mappingOut;
  if (address + byteLength > base + mappingBytes) {
    throw new RangeError(
      `Cannot ${action}: ${byteLength} bytes at ${address} run past the end of its mapping (${base} + ${mappingBytes})`,
    );
  }
  return kind === KIND_REGION ? openRegion(base, mappingBytes, action) : openSegment(base, mappingBytes);
}

function openSegment(base: number, byteLength: number): CachedMapping {
  const key = Math.floor(base / CHUNK_BYTES);
  const existing = segments.get(key);
  if (existing && existing.base === base && existing.byteLength === byteLength) return existing;
  const mapping = { base, byteLength, buffer: library().externalBuffer(base, byteLength) };
  segments.set(key, mapping);
  return mapping;
}

/** Pins the region and caches a weakly held buffer over it (or reuses the live one). */
function openRegion(base: number, byteLength: number, action: string): CachedMapping {
  const key = Math.floor(base / CHUNK_BYTES);
  const live = cachedRegion(key, base, byteLength);
  if (live !== undefined && live.base === base) return live;
  const backend = library();
  unwrap(backend.native.offheap_region_pin(base, openPinOwner(action)), action, `address ${base}`);
  const buffer = backend.externalBuffer(base, byteLength);
  const entry: RegionEntry = { base, byteLength, buffer: new WeakRef(buffer) };
  unpinRegistry.register(buffer, entry, entry);
  const replaced = regions.get(key);
  if (replaced !== undefined) releaseEntry(replaced);
  regions.set(key, entry);
  return { base, byteLength, buffer };
}

/** Detaches an entry's buffer (if still alive) and drops its pin, unless the GC already did. */
function releaseEntry(entry: RegionEntry): void {
  const buffer = entry.buffer.deref();
  if (buffer !== undefined && buffer.byteLength > 0) {
    (buffer as ArrayBuffer & { transfer(length: number): ArrayBuffer }).transfer(0);
  }
  if (unpinRegistry.unregister(entry)) library().native.offheap_region_unpin(entry.base, pinOwner);
}

/** A Uint8Array over [address, address + byteLength), sharing the mapping's cached buffer. */
export function bytesAt(address: number, byteLength: number, action: string): Uint8Array {
  const mapping = mappingFor(address, byteLength, action);
  return new Uint8Array(mapping.buffer, address - mapping.base, byteLength);
}

/** `detachRegion` for each of `addresses[0..count)`; nothing to do while this thread views no region. */
export function detachRegions(addresses: Float64Array, count: number): void {
  if (regions.size === 0) return;
  for (let index = 0; index < count; index++) detachRegion(addresses[index]);
}

/**
 * Forgets, detaches and unpins this thread's cached buffer of the region starting at `address`.
 * Called just before this thread frees the region (so the free can reuse it at once); views made
 * from the buffer read as empty afterwards. Cheap for anything that is not a region start.
 */
export function detachRegion(address: number): void {
  // Division, not `%`: addresses are doubles above 2^31, and V8 computes a double `%` out of line.
  const key = address / CHUNK_BYTES;
  if (key !== Math.floor(key)) return;
  const entry = regions.get(key);
  if (entry === undefined || entry.base !== address) return;
  regions.delete(key);
  releaseEntry(entry);
}
