/**
 * The export stream of `offheap_cache_export` and the dump format built on it.
 *
 * The library writes every entry in the policy's order (shard 0 first), each as `u32 key_len,
 * u32 value_len, f64 remaining_ttl_ms (-1: none), key bytes (the encoded key with its tag), value
 * bytes`, little-endian and unpadded. `keys()`, `values()` and `entries()` decode that stream.
 *
 * A dump is that stream behind a 16-byte header: the magic bytes "OHCD", a u32 format version (1),
 * a u32 entry count and a u32 that is 0. `load` parses and checks a whole dump before inserting
 * anything, so a truncated or foreign dump changes nothing.
 *
 * @module
 */
import { unwrap } from "../errors.ts";
import { ENCODED_KEY_BYTES_MAX, TAG_BYTES, TAG_INTEGER, TAG_STRING } from "./keys.ts";
import { bindCache } from "./native.ts";

/** The magic bytes a dump starts with: "OHCD" as a little-endian u32. */
export const DUMP_MAGIC = 0x4443484f;
/** The dump format this facade writes and reads. */
export const DUMP_VERSION = 1;
/** Bytes before the first entry of a dump. */
export const DUMP_HEADER_BYTES = 16;
const ENTRY_HEADER_BYTES = 16;

/** One exported entry: views into the stream. */
export interface ExportedEntry {
  /** The encoded key (tag and bytes). */
  key: Uint8Array;
  /** The value bytes. */
  value: Uint8Array;
  /** Milliseconds left, or -1 for an entry without a TTL. */
  ttlMs: number;
}

const EMPTY = new Uint8Array(0);

/**
 * The whole export of cache `handle`, behind `headerBytes` bytes of room for the caller. Entries
 * added by other Workers between the sizing call and the copy make the library ask for more: the
 * copy is retried with the larger size.
 */
export function exportStream(handle: number, headerBytes: number): Uint8Array {
  const native = bindCache();
  const subject = `handle ${handle}`;
  let needed = unwrap(native.offheap_cache_export(handle, EMPTY, 0), "export Cache", subject);
  for (;;) {
    const out = new Uint8Array(headerBytes + needed);
    const body = out.subarray(headerBytes);
    const written = unwrap(native.offheap_cache_export(handle, body, body.length), "export Cache", subject);
    if (written <= body.length) return out.subarray(0, headerBytes + written);
    needed = written;
  }
}

function checkedKey(bytes: Uint8Array): boolean {
  if (bytes.length < 1 || bytes.length > ENCODED_KEY_BYTES_MAX) return false;
  const tag = bytes[0];
  if (tag === TAG_INTEGER) return bytes.length === 9 && bytes[8] === 0 && bytes[7] < 0x20;
  return tag === TAG_STRING || tag === TAG_BYTES;
}

/**
 * Parses the entries of `stream` from `offset` to its end.
 *
 * @throws {RangeError} If an entry is cut off, or its key or TTL is not one this facade writes.
 */
export function parseEntries(stream: Uint8Array, offset: number, action: string): ExportedEntry[] {
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const entries: ExportedEntry[] = [];
  let at = offset;
  while (at < stream.length) {
    if (at + ENTRY_HEADER_BYTES > stream.length) throw corrupt(action, `entry ${entries.length} is cut off`);
    const keyLength = view.getUint32(at, true);
    const valueLength = view.getUint32(at + 4, true);
    const ttlMs = view.getFloat64(at + 8, true);
    const keyStart = at + ENTRY_HEADER_BYTES;
    const end = keyStart + keyLength + valueLength;
    if (end > stream.length) throw corrupt(action, `entry ${entries.length} is cut off`);
    const key = stream.subarray(keyStart, keyStart + keyLength);
    if (!checkedKey(key)) throw corrupt(action, `entry ${entries.length} has a key this facade never writes`);
    if (!(ttlMs === -1 || (ttlMs >= 0 && ttlMs < Infinity))) {
      throw corrupt(action, `entry ${entries.length} has a TTL of ${ttlMs}`);
    }
    entries.push({ key, value: stream.subarray(keyStart + keyLength, end), ttlMs });
    at = end;
  }
  return entries;
}

function corrupt(action: string, what: string): RangeError {
  return new RangeError(`Cannot ${action}: not a whole cache dump (${what})`);
}

/** The dump of cache `handle`: the header, then the export stream. */
export function writeDump(handle: number): Uint8Array {
  const dump = exportStream(handle, DUMP_HEADER_BYTES);
  const count = parseEntries(dump, DUMP_HEADER_BYTES, "dump Cache").length;
  const view = new DataView(dump.buffer, dump.byteOffset, DUMP_HEADER_BYTES);
  view.setUint32(0, DUMP_MAGIC, true);
  view.setUint32(4, DUMP_VERSION, true);
  view.setUint32(8, count, true);
  view.setUint32(12, 0, true);
  return dump;
}

/**
 * The entries of a dump, checked whole.
 *
 * @throws {TypeError} If `dump` is not a Uint8Array.
 * @throws {RangeError} If it is not a dump of this version, is cut off, or holds a foreign entry.
 */
export function readDump(dump: Uint8Array, action: string): ExportedEntry[] {
  if (!(dump instanceof Uint8Array)) {
    throw new TypeError(`Cannot ${action}: dump must be a Uint8Array from Cache.dump()`);
  }
  if (dump.length < DUMP_HEADER_BYTES) throw corrupt(action, `${dump.length} bytes, shorter than its header`);
  const view = new DataView(dump.buffer, dump.byteOffset, DUMP_HEADER_BYTES);
  if (view.getUint32(0, true) !== DUMP_MAGIC) throw corrupt(action, "no OHCD magic");
  const version = view.getUint32(4, true);
  if (version !== DUMP_VERSION) throw corrupt(action, `format version ${version}, this facade reads ${DUMP_VERSION}`);
  const entries = parseEntries(dump, DUMP_HEADER_BYTES, action);
  const count = view.getUint32(8, true);
  if (entries.length !== count || view.getUint32(12, true) !== 0) {
    throw corrupt(action, `${entries.length} entries where the header says ${count}`);
  }
  return entries;
}
