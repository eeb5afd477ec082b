/**
 * Allocation tags on the JavaScript side: checking a `tag` option and interning it (once per name
 * and thread) to the library's process-wide id (zig/src/profile/tags.zig), reading every tag's
 * counters, and tracked memory: a Pool or Cache counts the bytes it maps under its tag by being
 * read when the counters are read (its mapping grows natively), an Arena by tagging its chunks.
 *
 * @module
 */
import { describe, unwrap } from "../errors.ts";
import { library } from "../ffi/load.ts";
import { decodeFields, layout } from "../ffi/layout.ts";

/** Counters of one tag, summed over every Worker of the process. */
export interface TagStats {
  /** Bytes allocated under the tag and not freed (for a Pool, Arena or Cache: the bytes it maps). */
  liveBytes: number;
  /** Blocks live under the tag (a Pool or Cache counts as one, an Arena as its chunks). */
  liveBlocks: number;
  /** The most live bytes the tag has had at once (a Pool's or Cache's as of the last reading). */
  peakBytes: number;
  /** Blocks allocated under the tag, over the process's life. */
  allocs: number;
  /** Blocks freed under the tag. */
  frees: number;
  /** Bytes allocated under the tag in total. */
  bytesAllocated: number;
}

/** The longest tag, in UTF-8 bytes. */
export const TAG_BYTES_MAX = 64;
const OUT_OF_MEMORY = -1;

const ids = new Map<string, number>();
const names = new Map<number, string>();
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The id of the tag option `tag` (0 when undefined), interning it on first use.
 *
 * @throws {TypeError} If `tag` is not a string.
 * @throws {RangeError} If it is empty, longer than 64 UTF-8 bytes, or the process already has 255 tags.
 */
export function tagId(action: string, tag: unknown): number {
  if (tag === undefined) return 0;
  if (typeof tag !== "string") {
    throw new TypeError(`Cannot ${action}: tag must be a string, got ${typeof tag} ${describe(tag)}`);
  }
  const known = ids.get(tag);
  if (known !== undefined) return known;
  const bytes = encoder.encode(tag);
  if (bytes.length === 0 || bytes.length > TAG_BYTES_MAX) {
    throw new RangeError(
      `Cannot ${action}: tag must be 1 to ${TAG_BYTES_MAX} UTF-8 bytes, got ${bytes.length} (${describe(tag)})`,
    );
  }
  const id = library().native.offheap_tag_intern(bytes, bytes.length);
  if (id === OUT_OF_MEMORY) {
    throw new RangeError(`Cannot ${action}: the process already has the most tags (255); cannot add ${describe(tag)}`);
  }
  unwrap(id, action, `tag ${describe(tag)}`);
  ids.set(tag, id);
  names.set(id, tag);
  return id;
}

function nameOf(id: number): string {
  const known = names.get(id);
  if (known !== undefined) return known;
  const native = library().native;
  const length = unwrap(native.offheap_tag_name(id, null, 0), "read tag name", `id ${id}`);
  const bytes = new Uint8Array(length);
  native.offheap_tag_name(id, bytes, length);
  const name = decoder.decode(bytes);
  names.set(id, name);
  ids.set(name, id);
  return name;
}

/** Adds (negative: removes) memory held under tag `id`. */
function adjust(id: number, bytes: number, blocks: number): void {
  unwrap(library().native.offheap_tag_adjust(id, bytes, blocks), "count tagged memory", `tag ${id}, bytes ${bytes}`);
}

/** Memory a Pool or Cache holds under a tag, counted when the tags are read. See {@linkcode trackMemory}. */
export interface TrackedMemory {
  /** Removes the object's memory from its tag (when it is freed). Idempotent. */
  release(): void;
}

interface Source {
  readonly id: number;
  readonly read: () => number;
  counted: number;
}

const sources = new Set<Source>();

/**
 * Counts the memory of an object under tag `id` (from {@linkcode tagId}; nothing for 0): `read`
 * returns the bytes it maps now and is called at every reading of the tags (`profile.byTag()`,
 * timeline samples), the first time at once.
 */
export function trackMemory(id: number, read: () => number): TrackedMemory | undefined {
  if (id === 0) return undefined;
  const source: Source = { id, read, counted: 0 };
  adjust(id, 0, 1);
  sources.add(source);
  update(source);
  return {
    release() {
      if (!sources.delete(source)) return;
      adjust(source.id, -source.counted, -1);
      source.counted = 0;
    },
  };
}

function update(source: Source): void {
  const bytes = source.read();
  if (bytes === source.counted) return;
  adjust(source.id, bytes - source.counted, 0);
  source.counted = bytes;
}

/** Every tag's counters, by name (tags interned by any Worker, tracked objects read first). */
export function readTags(): Record<string, TagStats> {
  for (const source of sources) update(source);
  const native = library().native;
  const fields = layout("tagStats");
  const count = native.offheap_tag_count();
  const values = new Float64Array(Math.max(1, count * fields.length));
  const rows = unwrap(native.offheap_tag_stats(values, values.length), "read tags", `count ${count}`);
  const result: Record<string, TagStats> = {};
  for (let row = 0; row < rows; row++) {
    const slice = values.subarray(row * fields.length, (row + 1) * fields.length);
    result[nameOf(row + 1)] = decodeFields(fields, slice) as unknown as TagStats;
  }
  return result;
}
