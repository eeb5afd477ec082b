/**
 * {@linkcode PoolOptions}, their checks and defaults, and the presets for the vector sizes of the
 * seed documents.
 *
 * @module
 */
import { choiceCode, describe, expectNode, expectNumber } from "../errors.ts";
import { type HugeMode, MEMORY_HUGE_MODES } from "../heap/options.ts";

/** Options of `new Pool()`. */
export interface PoolOptions {
  /** Bytes of every block: a positive integer up to 2^31. Required. */
  blockSize: number;
  /** Alignment of every block: a power of two from 1 to 4096. Default 16. Blocks sit `blockSize` rounded up to it apart. */
  align?: number;
  /** Blocks carved at creation; the pool never shrinks below it. Default: 256 KiB worth, at least 1. */
  capacity?: number;
  /** Whether the pool may grow past `capacity` (doubling, up to `maxBlocks`). Default true. */
  grow?: boolean;
  /**
   * The most blocks the pool ever holds; its address range is reserved (not touched) for that many
   * at creation. Default: 256 MiB worth, and at least `capacity`; at most 2^30.
   */
  maxBlocks?: number;
  /**
   * Transparent hugepages for the blocks: `"auto"` (default) asks for them on chunks of 4 MiB and
   * more, `"always"` on every chunk, `"never"` on none.
   */
  huge?: HugeMode;
  /** Bind the blocks to this NUMA node. A node that does not exist is a RangeError. */
  node?: number;
  /** How long a grown chunk must stay wholly free before it is given back. Default 1000 ms. */
  decayMs?: number;
  /** Count the pool's mapped bytes under this tag in `profile.byTag()` (1 to 64 UTF-8 bytes). */
  tag?: string;
}

/** The checked options, as `offheap_pool_create` takes them. */
export interface PoolShape {
  blockSize: number;
  align: number;
  capacity: number;
  maxBlocks: number;
  flags: number;
  node: number;
  decayMs: number;
}

const CREATE = "create Pool";
const BLOCK_BYTES_MAX = 2 ** 31;
const BLOCKS_MAX_LIMIT = 2 ** 30;
const CAPACITY_BYTES_DEFAULT = 256 * 1024;
const RESERVED_BYTES_DEFAULT = 256 * 1024 * 1024;
const DECAY_MS_MAX = 2 ** 32 - 1;

function integerIn(name: string, value: unknown, min: number, max: number): number {
  expectNumber(CREATE, name, value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`Cannot ${CREATE}: ${name} must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

function alignOf(value: unknown): number {
  if (value === undefined) return 16;
  expectNumber(CREATE, "align", value);
  if (!Number.isInteger(value) || value < 1 || value > 4096 || (value & (value - 1)) !== 0) {
    throw new RangeError(`Cannot ${CREATE}: align must be a power of two from 1 to 4096, got ${describe(value)}`);
  }
  return value;
}

function growOf(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== "boolean") {
    throw new TypeError(`Cannot ${CREATE}: grow must be a boolean, got ${typeof value} ${describe(value)}`);
  }
  return value;
}

/** Checks every option (TypeError for a wrong type, RangeError for a value out of range). */
export function poolShape(options: PoolOptions): PoolShape {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot ${CREATE}: options must be an object with a blockSize, got ${describe(options)}`);
  }
  const blockSize = integerIn("blockSize", options.blockSize, 1, BLOCK_BYTES_MAX);
  const align = alignOf(options.align);
  const slot = Math.ceil(blockSize / align) * align;
  const grow = growOf(options.grow);
  const capacity = options.capacity === undefined
    ? Math.max(1, Math.floor(CAPACITY_BYTES_DEFAULT / slot))
    : integerIn("capacity", options.capacity, 1, BLOCKS_MAX_LIMIT);
  const maxBlocks = options.maxBlocks === undefined
    ? (grow ? Math.min(BLOCKS_MAX_LIMIT, Math.max(capacity, Math.floor(RESERVED_BYTES_DEFAULT / slot))) : capacity)
    : integerIn("maxBlocks", options.maxBlocks, 1, BLOCKS_MAX_LIMIT);
  if (options.capacity !== undefined && capacity > maxBlocks) {
    throw new RangeError(`Cannot ${CREATE}: capacity ${capacity} is above maxBlocks ${maxBlocks}`);
  }
  const huge = choiceCode(CREATE, "huge", options.huge ?? "auto", MEMORY_HUGE_MODES);
  const node = options.node === undefined ? -1 : expectNode(CREATE, options.node);
  const decayMs = options.decayMs === undefined ? 1000 : integerIn("decayMs", options.decayMs, 0, DECAY_MS_MAX);
  return {
    blockSize,
    align,
    capacity: Math.min(capacity, maxBlocks),
    maxBlocks,
    flags: (grow ? 1 : 0) | (huge << 1),
    node,
    decayMs,
  };
}

/** A preset: the block size and alignment of a common use. */
export interface PoolPreset {
  /** Bytes of every block. */
  readonly blockSize: number;
  /** Alignment of every block (64 for every preset). */
  readonly align: number;
}

/** The names of {@linkcode POOL_PRESETS}. */
export type PoolPresetName =
  | "vectorSmall"
  | "vectorMedium"
  | "vectorLarge"
  | "vectorHuge"
  | "metadata"
  | "searchResults"
  | "graphNodes"
  | "hashTables";

/**
 * Block sizes for the common uses of the seed documents, every one 64-byte aligned: vectors of 4 KiB
 * (1024 f32), 64 KiB, 1 MiB and 4 MiB; 1 KiB metadata records; 8 KiB search results; 512-byte graph
 * nodes; 16 KiB hash tables.
 */
export const POOL_PRESETS: Readonly<Record<PoolPresetName, PoolPreset>> = Object.freeze({
  vectorSmall: Object.freeze({ blockSize: 4 * 1024, align: 64 }),
  vectorMedium: Object.freeze({ blockSize: 64 * 1024, align: 64 }),
  vectorLarge: Object.freeze({ blockSize: 1024 * 1024, align: 64 }),
  vectorHuge: Object.freeze({ blockSize: 4 * 1024 * 1024, align: 64 }),
  metadata: Object.freeze({ blockSize: 1024, align: 64 }),
  searchResults: Object.freeze({ blockSize: 8 * 1024, align: 64 }),
  graphNodes: Object.freeze({ blockSize: 512, align: 64 }),
  hashTables: Object.freeze({ blockSize: 16 * 1024, align: 64 }),
});
