/**
 * Allocation options, both ways across the FFI: {@linkcode AllocOptions} checked and encoded into
 * the flags word and node of `offheap_alloc_ex`, and the library's effective settings
 * (`offheap_config`) decoded into {@linkcode HeapOptions}. Both read the layouts the library
 * declares once (the flags word in zig/src/abi/memory.zig, the options table in zig/src/config.zig)
 * through `offheap_layout`, so no bit position or field order is copied here.
 *
 * @module
 */
import { library } from "../ffi/load.ts";
import { describe, expectNumber, unwrap } from "../errors.ts";
import { layout } from "../ffi/layout.ts";
// deno-lint-ignore no-unused-vars -- referenced by the {@linkcode Heap.alloc} links below
import type { Heap } from "./heap.ts";

/** Hugepage mode of an allocation: see {@linkcode AllocOptions.huge}. */
export type HugeMode = "auto" | "always" | "never";

/**
 * The hugepage modes of a cache's or a pool's own memory, in the order the library numbers them
 * (zig/src/cache/slabs.zig `Huge`: 0 auto, 1 never, 2 always).
 */
export const MEMORY_HUGE_MODES: readonly HugeMode[] = ["auto", "never", "always"];

/** A NUMA policy: see {@linkcode AllocOptions.numa}. */
export type NumaPolicy = "local" | "interleave" | "preferred";

/** The policy of a mapping as the kernel reports it ({@linkcode Heap.policyOf}). */
export type NumaMode = "default" | "preferred" | "bind" | "interleave" | "local";

/** An madvise hint for a mapped or huge allocation. */
export type Advice = "sequential" | "random" | "willneed";

/** Options of {@linkcode Heap.alloc}. */
export interface AllocOptions {
  /**
   * Alignment in bytes: a power of two from 1 to 4096, or up to 2 MiB (2097152) for the huge tier.
   * Default 16. Mapped and huge allocations are always at least 4096-aligned.
   */
  align?: number;
  /** Return zeroed memory (fresh mappings are not written twice). Default false. */
  zero?: boolean;
  /** A label (1 to 64 UTF-8 bytes) that appears in leak reports and counts the block in `profile.byTag()`. */
  tag?: string;
  /**
   * Hugepages. `"auto"` (default, or `OFFHEAP_HUGE`): sizes above 2 MiB get hugetlb pages when
   * reserved, else transparent hugepages. `"always"`: the huge tier at any size (rounded to 2 MiB).
   * `"never"`: ordinary 4 KiB pages. The buffer's `backing` says what it got.
   */
  huge?: HugeMode;
  /** Bind the memory to this NUMA node (mapped and huge tiers). A node that does not exist is a RangeError. */
  node?: number;
  /**
   * NUMA policy (mapped and huge tiers): `"local"` the allocating CPU's node, `"interleave"` pages
   * spread over every node, `"preferred"` the given `node` (or the current one) when it has memory.
   */
  numa?: NumaPolicy;
  /** An madvise hint for the mapping (mapped and huge tiers). */
  advice?: Advice;
  /** With transparent hugepages, collapse the mapping into hugepages at once (MADV_COLLAPSE). */
  collapse?: boolean;
}

/** The library's effective options (defaults, overridden by `OFFHEAP_*` environment variables). */
export interface HeapOptions {
  /** OFFHEAP_CACHE_BUDGET: bytes of freed mapped-tier regions kept for reuse. */
  cacheBudgetBytes: number;
  /** OFFHEAP_DECAY_MS: idle time before a cached region's pages are given back (MADV_FREE). */
  decayMs: number;
  /** OFFHEAP_HUGE_THRESHOLD: requests above this many bytes go to the huge tier. */
  hugeThresholdBytes: number;
  /** OFFHEAP_NUMA: the policy of allocations that name none. */
  numa: NumaPolicy;
  /** OFFHEAP_POISON: freed small and medium blocks are filled with 0xDE. */
  poison: boolean;
  /** OFFHEAP_HUGE: the hugepage mode of allocations that name none. */
  huge: HugeMode;
  /** OFFHEAP_HUGETLB_RETRY_MS: how long a failed hugetlb mapping is not retried. */
  hugetlbRetryMs: number;
}

/** The largest alignment of the small, medium and mapped tiers. */
export const ALIGN_MAX = 4096;
/** The largest alignment of the huge tier. */
export const ALIGN_HUGE_MAX = 2 * 1024 * 1024;

/** The NUMA modes, in `offheap_policy_of` order. */
export const NUMA_MODES: readonly NumaMode[] = ["default", "preferred", "bind", "interleave", "local"];

/** The alignment to pass to the library (0 for none given); throws unless it is a power of two up to `limit`. */
export function checkAlign(action: string, align: unknown, limit = ALIGN_MAX): number {
  if (align === undefined) return 0;
  expectNumber(action, "align", align);
  if (!Number.isInteger(align) || align < 1 || align > limit || (align & (align - 1)) !== 0) {
    const range = limit === ALIGN_MAX ? "from 1 to 4096" : "from 1 to 4096 (2097152 for the huge tier)";
    throw new RangeError(`Cannot ${action}: align must be a power of two ${range}, got ${describe(align)}`);
  }
  return align;
}

/** The code of choice `value` among `allowed`: 0 when not given, else 1 + its index. */
function choice(name: string, value: unknown, allowed: readonly string[]): number {
  if (value === undefined) return 0;
  if (typeof value !== "string") {
    throw new TypeError(`Cannot allocate: ${name} must be a string, got ${typeof value} ${describe(value)}`);
  }
  const index = allowed.indexOf(value);
  if (index < 0) {
    const list = allowed.map((entry) => JSON.stringify(entry)).join(", ");
    throw new RangeError(`Cannot allocate: ${name} must be one of ${list}, got ${describe(value)}`);
  }
  return index + 1;
}

function flag(name: string, value: unknown): number {
  if (value === undefined || value === false) return 0;
  if (value === true) return 1;
  throw new TypeError(`Cannot allocate: ${name} must be a boolean, got ${typeof value} ${describe(value)}`);
}

function checkNode(node: unknown, numa: string | undefined): number {
  if (node === undefined) return -1;
  expectNumber("allocate", "node", node);
  if (!Number.isInteger(node) || node < 0 || node > 1023) {
    throw new RangeError(`Cannot allocate: node must be a NUMA node number (0 to 1023), got ${describe(node)}`);
  }
  if (numa === "local" || numa === "interleave") {
    throw new RangeError(`Cannot allocate: node ${node} cannot be combined with numa ${numa}`);
  }
  return node;
}

/**
 * The flags word and node of `offheap_alloc_ex`; throws for every invalid option. The word's fields
 * (name, bit position, and the values of each choice) come from the library's own declaration.
 */
export function encodeOptions(options: AllocOptions): { flags: number; node: number } {
  let flags = 0;
  for (const field of layout("allocFlags")) {
    const value = (options as Record<string, unknown>)[field.name];
    const code = field.values ? choice(field.name, value, field.values) : flag(field.name, value);
    flags |= code << field.shift;
  }
  const node = checkNode(options.node, options.numa);
  return { flags, node };
}

/** Reads the library's effective options, by the names and types it declares for them. */
export function readOptions(): HeapOptions {
  const fields = layout("config");
  const out = new Float64Array(fields.length);
  unwrap(library().native.offheap_config(out, out.length), "read options", `capacity ${out.length}`);
  const result: Record<string, number | boolean | string> = {};
  fields.forEach((field, index) => {
    const value = out[index];
    result[field.name] = field.type === "boolean" ? value !== 0 : field.values ? field.values[value] : value;
  });
  return result as unknown as HeapOptions;
}
