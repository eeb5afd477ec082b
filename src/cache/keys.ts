/**
 * Cache keys as the library sees them: a one-byte type tag, then the key's bytes, so that the
 * string "1", the number 1 and the bytes [0x31] are three different keys (/tmp/cache_spec.md,
 * "Keys and hashing"):
 *
 * - a string: tag 0x01, then its UTF-8 bytes (0 to 65535 of them);
 * - a Uint8Array: tag 0x02, then its bytes (0 to 65535);
 * - a non-negative safe integer number: tag 0x03, then 8 bytes little-endian.
 *
 * Keys are encoded into one scratch buffer per JS thread ({@linkcode KEY}), which every call passes
 * to the library at once: a lookup allocates nothing. ASCII strings are copied by a plain loop (for
 * short keys, faster than a call to `TextEncoder.encodeInto`); other strings go through
 * `encodeInto`.
 *
 * @module
 */
import { describe } from "../errors.ts";

/** A cache key: a string, bytes, or a non-negative safe integer. */
export type CacheKey = string | Uint8Array | number;

/** Type tags of encoded keys. */
export const TAG_STRING = 1;
/** Tag of a Uint8Array key. */
export const TAG_BYTES = 2;
/** Tag of an integer key. */
export const TAG_INTEGER = 3;

/** The longest string (in UTF-8 bytes) or Uint8Array key. */
export const KEY_BYTES_MAX = 65535;
/** The longest encoded key: the tag and {@linkcode KEY_BYTES_MAX} bytes. */
export const ENCODED_KEY_BYTES_MAX = KEY_BYTES_MAX + 1;

/** The scratch buffer every key is encoded into before a native call (one per JS thread). */
export const KEY = new Uint8Array(ENCODED_KEY_BYTES_MAX);
const KEY_BODY = KEY.subarray(1);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const TWO_TO_32 = 4294967296;

/**
 * Writes `text` as UTF-8 at `target[offset]` (`body` is `target.subarray(offset)`, made once by the
 * caller); returns the bytes written, or -1 if they did not fit.
 */
export function writeUtf8(text: string, target: Uint8Array, offset: number, body: Uint8Array): number {
  const length = text.length;
  if (length + offset <= target.length) {
    let index = 0;
    for (; index < length; index++) {
      const code = text.charCodeAt(index);
      if (code >= 0x80) break;
      target[offset + index] = code;
    }
    if (index === length) return length;
  }
  const { read, written } = encoder.encodeInto(text, body);
  return read === length ? written : -1;
}

function tooLong(action: string, what: string): RangeError {
  return new RangeError(`Cannot ${action}: key must be at most ${KEY_BYTES_MAX} bytes, got a longer ${what}`);
}

/**
 * Encodes `key` into {@linkcode KEY} and returns the encoded length (1 to 65536).
 *
 * @throws {TypeError} If `key` is not a string, a Uint8Array or a number.
 * @throws {RangeError} If the key is too long, or a number that is not a non-negative safe integer.
 */
export function encodeKey(key: CacheKey, action: string): number {
  if (typeof key === "string") {
    KEY[0] = TAG_STRING;
    const written = writeUtf8(key, KEY, 1, KEY_BODY);
    if (written < 0) throw tooLong(action, "string");
    return written + 1;
  }
  if (typeof key === "number") return encodeInteger(key, action);
  if (key instanceof Uint8Array) {
    if (key.length > KEY_BYTES_MAX) throw tooLong(action, `Uint8Array of ${key.length} bytes`);
    KEY[0] = TAG_BYTES;
    KEY.set(key, 1);
    return key.length + 1;
  }
  throw new TypeError(
    `Cannot ${action}: key must be a string, a Uint8Array or a non-negative integer, got ${typeName(key)}`,
  );
}

function encodeInteger(key: number, action: string): number {
  if (!Number.isSafeInteger(key) || key < 0) {
    throw new RangeError(`Cannot ${action}: a number key must be a non-negative safe integer, got ${describe(key)}`);
  }
  const low = key >>> 0;
  const high = (key - low) / TWO_TO_32;
  KEY[0] = TAG_INTEGER;
  KEY[1] = low;
  KEY[2] = low >>> 8;
  KEY[3] = low >>> 16;
  KEY[4] = low >>> 24;
  KEY[5] = high;
  KEY[6] = high >>> 8;
  KEY[7] = high >>> 16;
  KEY[8] = 0;
  return 9;
}

/** `typeof value`, with null and the class of an object named, for error messages. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return `${typeof value} ${describe(value)}`;
  return (value as object).constructor?.name ?? "object";
}

/**
 * Decodes an encoded key (tag and bytes) back to the key that was set, or returns undefined if the
 * bytes are not a key this facade encodes (an unknown tag, a wrong integer length, invalid UTF-8).
 */
export function decodeKey(encoded: Uint8Array): CacheKey | undefined {
  if (encoded.length < 1 || encoded.length > ENCODED_KEY_BYTES_MAX) return undefined;
  const body = encoded.subarray(1);
  switch (encoded[0]) {
    case TAG_STRING:
      return decodeText(body);
    case TAG_BYTES:
      return body.slice();
    case TAG_INTEGER: {
      if (body.length !== 8) return undefined;
      const low = body[0] | (body[1] << 8) | (body[2] << 16) | (body[3] << 24);
      const high = body[4] | (body[5] << 8) | (body[6] << 16) | (body[7] << 24);
      const value = (high >>> 0) * TWO_TO_32 + (low >>> 0);
      return Number.isSafeInteger(value) ? value : undefined;
    }
    default:
      return undefined;
  }
}

const strictDecoder = new TextDecoder("utf-8", { fatal: true });

function decodeText(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Decodes UTF-8 bytes (a value stored from a string) leniently. */
export function textOf(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * A primitive that identifies `key` the way the cache does, for the in-flight map of `fetch`:
 * numbers stay numbers (a Map never confuses 1 and "1"), strings get the prefix "s" and bytes the
 * prefix "b" followed by one character per byte, so no string key meets a bytes key.
 */
export function keyIdentity(key: CacheKey): string | number {
  if (typeof key === "number") return key;
  if (typeof key === "string") return `s${key}`;
  let identity = "b";
  for (let index = 0; index < key.length; index++) identity += String.fromCharCode(key[index]);
  return identity;
}
