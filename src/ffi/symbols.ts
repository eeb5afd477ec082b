/**
 * The one symbol table of liboffheap: every native function the facade calls, with its C types.
 * `deno.ts` and `bun.ts` each turn this table into the same {@linkcode Native} interface, so adding
 * a symbol here is the only place a new native function is declared.
 *
 * Hot symbols take and return only `f64`, `u32`, `i32`, `f32` and `buffer` (typed arrays): those
 * stay on both runtimes' fast FFI paths. Addresses and sizes travel as f64 (exact, because the
 * allocator keeps every address below 2^47). See zig/src/abi/ for the C side; test/abi_exports.test.ts
 * checks that the library exports exactly these functions.
 *
 * @module
 */

/** The FFI value types the table uses; each runtime maps them to its own names. */
export type NativeType = "f64" | "f32" | "u32" | "i32" | "buffer" | "void";

/** One native function: its parameter types and result type. */
export interface SymbolSpec {
  readonly parameters: readonly NativeType[];
  readonly result: NativeType;
}

/** The ABI version this facade was written against; the library must report the same. */
export const ABI_VERSION = 6;

/** Every native symbol of liboffheap. */
export const symbols = {
  /** () -> u32 */
  offheap_abi_version: { parameters: [], result: "u32" },
  /** (size: f64, alignment: u32) -> f64 address, or a negative status */
  offheap_alloc: { parameters: ["f64", "u32"], result: "f64" },
  /** (size: f64, alignment: u32) -> f64 address, or a negative status */
  offheap_alloc_zeroed: { parameters: ["f64", "u32"], result: "f64" },
  /** (address: f64) -> i32 tier freed (>= 0), or a negative status */
  offheap_free: { parameters: ["f64"], result: "i32" },
  /** (size: f64, alignment: u32, count: u32, out: [*]f64) -> i32 count allocated (all), or a negative status (none) */
  offheap_alloc_batch: { parameters: ["f64", "u32", "u32", "buffer"], result: "i32" },
  /** (addresses: [*]f64, count: u32, failure: *i32) -> i32 freed before the first invalid address (its status in failure) */
  offheap_free_batch: { parameters: ["buffer", "u32", "buffer"], result: "i32" },
  /** (address: f64, size: f64) -> f64 new address, or a negative status */
  offheap_realloc: { parameters: ["f64", "f64"], result: "f64" },
  /** (address: f64) -> f64 usable bytes, or a negative status */
  offheap_usable_size: { parameters: ["f64"], result: "f64" },
  /** (address: f64) -> i32 tier, or a negative status */
  offheap_tier_of: { parameters: ["f64"], result: "i32" },
  /** (address: f64, out: *[3]f64 base, length, kind 1 segment / 2 region) -> i32 status */
  offheap_mapping_of: { parameters: ["f64", "buffer"], result: "i32" },
  /** (out: [*]f64, capacity: u32) -> i32 fields written (named by offheap_layout 0), or a negative status */
  offheap_stats: { parameters: ["buffer", "u32"], result: "i32" },
  /** (which: u32 0 stats, 1 threads, 2 config, 3 alloc flags, out: [*]u8, capacity: u32) -> i32 byte length of its JSON, or a negative status */
  offheap_layout: { parameters: ["u32", "buffer", "u32"], result: "i32" },
  /** (size: f64, alignment: u32, flags: u32, node: i32 or -1) -> f64 address, or a negative status */
  offheap_alloc_ex: { parameters: ["f64", "u32", "u32", "i32"], result: "f64" },
  /** () -> f64 bytes of cached regions given back to the OS */
  offheap_trim: { parameters: [], result: "f64" },
  /** () -> f64 pin owner id of the calling JS thread (its pins are dropped once it ends), or a negative status */
  offheap_pin_owner_open: { parameters: [], result: "f64" },
  /** (address: f64 region start, owner: f64) -> i32 status; keeps the region mapped until the matching unpin */
  offheap_region_pin: { parameters: ["f64", "f64"], result: "i32" },
  /** (address: f64 region start, owner: f64) -> i32 status; the last unpin of a freed region releases it */
  offheap_region_unpin: { parameters: ["f64", "f64"], result: "i32" },
  /** (address: f64) -> i32 backing: 0 4k, 1 thp, 2 hugetlb-2m, 3 hugetlb-1g; or a negative status */
  offheap_backing_of: { parameters: ["f64"], result: "i32" },
  /** (address: f64 of a touched page) -> i32 NUMA node, or a negative status */
  offheap_node_of: { parameters: ["f64"], result: "i32" },
  /** (address: f64) -> i32 policy: 0 default, 1 preferred, 2 bind, 3 interleave, 4 local; or status */
  offheap_policy_of: { parameters: ["f64"], result: "i32" },
  /** (out: [*]u32, capacity: u32) -> i32 number of online NUMA nodes (ids written up to capacity) */
  offheap_numa_nodes: { parameters: ["buffer", "u32"], result: "i32" },
  /** () -> i32 NUMA node of the calling thread's CPU */
  offheap_current_node: { parameters: [], result: "i32" },
  /** (out: [*]f64, capacity: u32) -> i32 fields of the effective options (names: offheap_layout 2; zig/src/config.zig) */
  offheap_config: { parameters: ["buffer", "u32"], result: "i32" },
  /** (size: f64) -> f64 address of a bare anonymous mmap (benchmark baseline), or a negative status */
  offheap_os_map: { parameters: ["f64"], result: "f64" },
  /** (address: f64, size: f64) -> i32 status; munmap of an `offheap_os_map` mapping */
  offheap_os_unmap: { parameters: ["f64", "f64"], result: "i32" },
  /** () -> f64 resident bytes of offheap's segments and regions (mincore), or a negative status */
  offheap_resident_bytes: { parameters: [], result: "f64" },
  /** () -> i32 SIMD level: 0 baseline, 1 avx2, 2 avx512 */
  offheap_simd_level: { parameters: [], result: "i32" },
  // Vector kernels (zig/src/abi/vectors.zig). Element types f32, f16, i8, binary; each has its own
  // symbols so that every call site sees exactly one native function.
  /** (a: [*]f32, b: [*]f32, dim: u32, metric: u32) -> f32 score, NaN for an invalid argument */
  offheap_score_f32: { parameters: ["buffer", "buffer", "u32", "u32"], result: "f32" },
  /** (query, rows: [*]f32, row_count, dim, stride, metric: u32, out: [*]f32) -> i32 status */
  offheap_many_f32: { parameters: ["buffer", "buffer", "u32", "u32", "u32", "u32", "buffer"], result: "i32" },
  /** (query, rows_address: f64, row_count, dim, stride, metric: u32, out: [*]f32) -> i32 status */
  offheap_many_f32_at: { parameters: ["buffer", "f64", "u32", "u32", "u32", "u32", "buffer"], result: "i32" },
  /** (queries, query_count: u32, rows, row_count, dim, stride, metric: u32, out: [*]f32) -> i32 status */
  offheap_cross_f32: { parameters: ["buffer", "u32", "buffer", "u32", "u32", "u32", "u32", "buffer"], result: "i32" },
  /** (queries, query_count: u32, rows_address: f64, row_count, dim, stride, metric: u32, out) -> i32 status */
  offheap_cross_f32_at: { parameters: ["buffer", "u32", "f64", "u32", "u32", "u32", "u32", "buffer"], result: "i32" },
  /** (query, rows, row_count, dim, stride, metric, k: u32, out_ids: [*]u32, out_scores: [*]f32) -> i32 k or status */
  offheap_topk_f32: {
    parameters: ["buffer", "buffer", "u32", "u32", "u32", "u32", "u32", "buffer", "buffer"],
    result: "i32",
  },
  /** (query, rows_address: f64, row_count, dim, stride, metric, k: u32, out_ids, out_scores) -> i32 k or status */
  offheap_topk_f32_at: {
    parameters: ["buffer", "f64", "u32", "u32", "u32", "u32", "u32", "buffer", "buffer"],
    result: "i32",
  },
  /** (a: [*]u16 half bits, b: [*]u16 half bits, dim: u32, metric: u32) -> f32 score, NaN for an invalid argument */
  offheap_score_f16: { parameters: ["buffer", "buffer", "u32", "u32"], result: "f32" },
  /** (query, rows: [*]u16 half bits, row_count, dim, stride, metric: u32, out: [*]f32) -> i32 status */
  offheap_many_f16: { parameters: ["buffer", "buffer", "u32", "u32", "u32", "u32", "buffer"], result: "i32" },
  /** (query, rows_address: f64, row_count, dim, stride, metric: u32, out: [*]f32) -> i32 status */
  offheap_many_f16_at: { parameters: ["buffer", "f64", "u32", "u32", "u32", "u32", "buffer"], result: "i32" },
  /** (queries, query_count: u32, rows, row_count, dim, stride, metric: u32, out: [*]f32) -> i32 status */
  offheap_cross_f16: { parameters: ["buffer", "u32", "buffer", "u32", "u32", "u32", "u32", "buffer"], result: "i32" },
  /** (queries, query_count: u32, rows_address: f64, row_count, dim, stride, metric: u32, out) -> i32 status */
  offheap_cross_f16_at: { parameters: ["buffer", "u32", "f64", "u32", "u32", "u32", "u32", "buffer"], result: "i32" },
  /** (query, rows, row_count, dim, stride, metric, k: u32, out_ids: [*]u32, out_scores: [*]f32) -> i32 k or status */
  offheap_topk_f16: {
    parameters: ["buffer", "buffer", "u32", "u32", "u32", "u32", "u32", "buffer", "buffer"],
    result: "i32",
  },
  /** (query, rows_address: f64, row_count, dim, stride, metric, k: u32, out_ids, out_scores) -> i32 k or status */
  offheap_topk_f16_at: {
    parameters: ["buffer", "f64", "u32", "u32", "u32", "u32", "u32", "buffer", "buffer"],
    result: "i32",
  },
  /** (a: [*]i8, b: [*]i8, dim: u32, metric: u32) -> f32 score, NaN for an invalid argument */
  offheap_score_i8: { parameters: ["buffer", "buffer", "u32", "u32"], result: "f32" },
  /** (query, rows: [*]i8, row_count, dim, stride, metric: u32, out: [*]f32) -> i32 status */
  offheap_many_i8: { parameters: ["buffer", "buffer", "u32", "u32", "u32", "u32", "buffer"], result: "i32" },
  /** (query, rows_address: f64, row_count, dim, stride, metric: u32, out: [*]f32) -> i32 status */
  offheap_many_i8_at: { parameters: ["buffer", "f64", "u32", "u32", "u32", "u32", "buffer"], result: "i32" },
  /** (queries, query_count: u32, rows, row_count, dim, stride, metric: u32, out: [*]f32) -> i32 status */
  offheap_cross_i8: { parameters: ["buffer", "u32", "buffer", "u32", "u32", "u32", "u32", "buffer"], result: "i32" },
  /** (queries, query_count: u32, rows_address: f64, row_count, dim, stride, metric: u32, out) -> i32 status */
  offheap_cross_i8_at: { parameters: ["buffer", "u32", "f64", "u32", "u32", "u32", "u32", "buffer"], result: "i32" },
  /** (query, rows, row_count, dim, stride, metric, k: u32, out_ids: [*]u32, out_scores: [*]f32) -> i32 k or status */
  offheap_topk_i8: {
    parameters: ["buffer", "buffer", "u32", "u32", "u32", "u32", "u32", "buffer", "buffer"],
    result: "i32",
  },
  /** (query, rows_address: f64, row_count, dim, stride, metric, k: u32, out_ids, out_scores) -> i32 k or status */
  offheap_topk_i8_at: {
    parameters: ["buffer", "f64", "u32", "u32", "u32", "u32", "u32", "buffer", "buffer"],
    result: "i32",
  },
  /** (a: [*]u8 packed bits, b: [*]u8 packed bits, dim: u32, metric: u32) -> f32 score, NaN for an invalid argument */
  offheap_score_binary: { parameters: ["buffer", "buffer", "u32", "u32"], result: "f32" },
  /** (query, rows: [*]u8 packed bits, row_count, dim, stride, metric: u32, out: [*]f32) -> i32 status */
  offheap_many_binary: { parameters: ["buffer", "buffer", "u32", "u32", "u32", "u32", "buffer"], result: "i32" },
  /** (query, rows_address: f64, row_count, dim, stride, metric: u32, out: [*]f32) -> i32 status */
  offheap_many_binary_at: { parameters: ["buffer", "f64", "u32", "u32", "u32", "u32", "buffer"], result: "i32" },
  /** (queries, query_count: u32, rows, row_count, dim, stride, metric: u32, out: [*]f32) -> i32 status */
  offheap_cross_binary: {
    parameters: ["buffer", "u32", "buffer", "u32", "u32", "u32", "u32", "buffer"],
    result: "i32",
  },
  /** (queries, query_count: u32, rows_address: f64, row_count, dim, stride, metric: u32, out) -> i32 status */
  offheap_cross_binary_at: {
    parameters: ["buffer", "u32", "f64", "u32", "u32", "u32", "u32", "buffer"],
    result: "i32",
  },
  /** (query, rows, row_count, dim, stride, metric, k: u32, out_ids: [*]u32, out_scores: [*]f32) -> i32 k or status */
  offheap_topk_binary: {
    parameters: ["buffer", "buffer", "u32", "u32", "u32", "u32", "u32", "buffer", "buffer"],
    result: "i32",
  },
  /** (query, rows_address: f64, row_count, dim, stride, metric, k: u32, out_ids, out_scores) -> i32 k or status */
  offheap_topk_binary_at: {
    parameters: ["buffer", "f64", "u32", "u32", "u32", "u32", "u32", "buffer", "buffer"],
    result: "i32",
  },
  /** (data: [*]f32, count: u32) -> f32 sum, read at full bandwidth (for measuring it) */
  offheap_stream_sum_f32: { parameters: ["buffer", "u32"], result: "f32" },
  /** (address: f64, count: u32, out_sum: *f32) -> i32 status; the sum goes to out_sum[0] */
  offheap_stream_sum_f32_at: { parameters: ["f64", "u32", "buffer"], result: "i32" },
  /** (a: [*]f32, b: [*]f32, len: u32) -> f32 */
  offheap_dot_f32: { parameters: ["buffer", "buffer", "u32"], result: "f32" },

  // --- Workers (issue 4): thread-heap ownership; zig/src/abi/threads.zig ---
  /** (out: [*]f64, capacity: u32) -> i32 fields written (named by offheap_layout 1), or a negative status */
  offheap_threads_stats: { parameters: ["buffer", "u32"], result: "i32" },
  /** () -> f64 bytes of empty pages returned to the OS */
  offheap_threads_collect: { parameters: [], result: "f64" },
  /** () -> i32 0; abandons the calling thread's heap for the next thread to adopt */
  offheap_thread_release: { parameters: [], result: "i32" },

  // --- Cache: zig/src/abi/cache.zig. A handle is a u32 id; keys arrive encoded (a type tag, then bytes) ---
  /** (max_bytes: f64, max_entries: f64 0 = unlimited, policy: u32 0 lru 1 lfu 2 fifo 3 adaptive, ttl_ms: f64 0 = none, shards: u32, huge: u32 0 auto 1 never 2 always, node: i32 -1 = none) -> f64 handle, or a negative status */
  offheap_cache_create: { parameters: ["f64", "f64", "u32", "f64", "u32", "u32", "i32"], result: "f64" },
  /** (handle: u32) -> i32 status; one more owner (a Worker that opened the cache) */
  offheap_cache_retain: { parameters: ["u32"], result: "i32" },
  /** (handle: u32) -> i32 status; the last release frees every entry and the cache */
  offheap_cache_release: { parameters: ["u32"], result: "i32" },
  /** (handle: u32, key: [*]u8, key_len: u32, value: [*]u8, value_len: u32, ttl_ms: f64 -1 default 0 never) -> i32 0 stored, 1 not admitted, or a negative status */
  offheap_cache_set: { parameters: ["u32", "buffer", "u32", "buffer", "u32", "f64"], result: "i32" },
  /** (handle: u32, key: [*]u8, key_len: u32, out: [*]u8, out_offset: u32, out_capacity: u32 from the offset, flags: u32 bit0 peek) -> i32 value length (copied to out + out_offset if it fits), NOT_FOUND (-10), or a negative status */
  offheap_cache_get: { parameters: ["u32", "buffer", "u32", "buffer", "u32", "u32", "u32"], result: "i32" },
  /** (handle: u32, keys: [*]u8, key_ends: [*]u32, count: u32 1..4096, out: [*]u8, out_capacity: u32, lengths: [*]f64 -1 miss) -> f64 bytes of every hit's value (copied back to back while they fit), or a negative status */
  offheap_cache_get_many: { parameters: ["u32", "buffer", "buffer", "u32", "buffer", "u32", "buffer"], result: "f64" },
  /** (handle: u32, key: [*]u8, key_len: u32) -> i32 1 deleted, 0 absent, or a negative status */
  offheap_cache_delete: { parameters: ["u32", "buffer", "u32"], result: "i32" },
  /** (handle: u32) -> i32 status */
  offheap_cache_clear: { parameters: ["u32"], result: "i32" },
  /** (handle: u32, key: [*]u8, key_len: u32) -> f64 ms left, -1 for no TTL, NOT_FOUND (-10), or a negative status */
  offheap_cache_remaining_ttl: { parameters: ["u32", "buffer", "u32"], result: "f64" },
  /** (handle: u32) -> f64 expired entries removed, or a negative status */
  offheap_cache_purge_stale: { parameters: ["u32"], result: "f64" },
  /** (handle: u32, out: [*]f64, capacity: u32) -> i32 fields written (named by offheap_layout 4), or a negative status */
  offheap_cache_stats: { parameters: ["u32", "buffer", "u32"], result: "i32" },
  /** (handle: u32, out: [*]u8, capacity: f64) -> f64 bytes of the whole dump (written only if it fits), or a negative status */
  offheap_cache_export: { parameters: ["u32", "buffer", "f64"], result: "f64" },
  /** (handle: u32, now_ms: f64) -> i32 status; switches the cache to a manual clock (tests) */
  offheap_cache_set_clock: { parameters: ["u32", "f64"], result: "i32" },

  // --- Pool: zig/src/abi/pool.zig. A handle is a u32 id; each JS handle also has a slot (its counters) ---
  /** (block_bytes: f64, alignment: u32 0 = 16, capacity: u32, blocks_max: u32, flags: u32 bit0 grow bits1-2 huge 0 auto 1 never 2 always, node: i32 -1 = none, decay_ms: u32, info: [*]f64) -> f64 handle, or a negative status */
  offheap_pool_create: { parameters: ["f64", "u32", "u32", "u32", "u32", "i32", "u32", "buffer"], result: "f64" },
  /** (handle: u32, info: [*]f64) -> i32 status; one more owner with a slot of its own (info as create writes it) */
  offheap_pool_open: { parameters: ["u32", "buffer"], result: "i32" },
  /** (handle: u32, slot: u32) -> i32 status; the last owner's close frees the pool */
  offheap_pool_close: { parameters: ["u32", "u32"], result: "i32" },
  /** (handle: u32, out: [*]u32, want: u32) -> i32 block indices handed over (free -> held), or a negative status */
  offheap_pool_refill: { parameters: ["u32", "buffer", "u32"], result: "i32" },
  /** (handle: u32, indices: [*]u32, count: u32) -> i32 status; held blocks go back to the shared free stack */
  offheap_pool_drain: { parameters: ["u32", "buffer", "u32"], result: "i32" },
  /** (handle: u32) -> i32 status; every block becomes free */
  offheap_pool_reset: { parameters: ["u32"], result: "i32" },
  /** (handle: u32) -> f64 bytes of idle chunks given back to the OS, or a negative status */
  offheap_pool_trim: { parameters: ["u32"], result: "f64" },
  /** (handle: u32, out: [*]f64, capacity: u32) -> i32 fields written (named by offheap_layout 5), or a negative status */
  offheap_pool_stats: { parameters: ["u32", "buffer", "u32"], result: "i32" },

  // --- Profiling: zig/src/abi/profile.zig. A tag is a u32 id (0: none) interned process-wide ---
  /** (size: f64, alignment: u32, flags: u32, node: i32, tag: u32) -> f64 address + tier (low 2 bits) + sample flag (bit 2), or a negative status */
  offheap_alloc_owned: { parameters: ["f64", "u32", "u32", "i32", "u32"], result: "f64" },
  /** (bytes: f64 >= 0) -> i32 status; arms this thread's sampler: the owned allocation that runs `bytes` down is flagged (bit 2); 0 disarms */
  offheap_profile_countdown: { parameters: ["f64"], result: "i32" },
  /** (address: f64, size: f64, tag: u32) -> i32 tier freed, or a negative status; the size leaves the tag's counters */
  offheap_free_owned: { parameters: ["f64", "f64", "u32"], result: "i32" },
  /** (name: [*]u8 UTF-8, length: u32 1-64) -> i32 tag id (>= 1), or a negative status */
  offheap_tag_intern: { parameters: ["buffer", "u32"], result: "i32" },
  /** () -> u32 tags interned (ids 1..count) */
  offheap_tag_count: { parameters: [], result: "u32" },
  /** (id: u32, out: [*]u8, capacity: u32) -> i32 the name's full length, or a negative status */
  offheap_tag_name: { parameters: ["u32", "buffer", "u32"], result: "i32" },
  /** (out: [*]f64, capacity: u32) -> i32 rows written (tag ids from 1; fields named by offheap_layout 6), or a negative status */
  offheap_tag_stats: { parameters: ["buffer", "u32"], result: "i32" },
  /** (tag: u32, bytes: f64, blocks: i32) -> i32 status; adds (negative: removes) memory held under the tag */
  offheap_tag_adjust: { parameters: ["u32", "f64", "i32"], result: "i32" },
  // --- VectorIndex (HNSW): zig/src/abi/index.zig. A handle is a u32 id; each owner retains it ---
  /** (dim: u32, metric: u32, storage: u32, m: u32, ef_construction: u32, ef_search: u32, capacity: u32, flags: u32 bit0 keep f32 rows bits1-2 huge 0 default 1 auto 2 always 3 never, node: i32 -1 = none, scale: f64 0 = auto) -> f64 handle, or a negative status */
  offheap_index_create: {
    parameters: ["u32", "u32", "u32", "u32", "u32", "u32", "u32", "u32", "i32", "f64"],
    result: "f64",
  },
  /** (handle: u32) -> i32 status; one more owner */
  offheap_index_retain: { parameters: ["u32"], result: "i32" },
  /** (handle: u32) -> i32 status; the last owner frees the index */
  offheap_index_release: { parameters: ["u32"], result: "i32" },
  /** (handle: u32, ids: [*]f64, count: u32, labels: [*]u32 or null, rows: [*]f32, threads: u32 0 = one per CPU, failed: *f64 position) -> i32 count added (all), or a negative status (none) */
  offheap_index_add: { parameters: ["u32", "buffer", "u32", "buffer", "buffer", "u32", "buffer"], result: "i32" },
  /** (handle: u32, id: f64) -> i32 status (-10 for an unknown id) */
  offheap_index_remove: { parameters: ["u32", "f64"], result: "i32" },
  /** (handle: u32, id: f64, row: [*]f32) -> i32 status (-10 for an unknown id) */
  offheap_index_update: { parameters: ["u32", "f64", "buffer"], result: "i32" },
  /** (handle: u32, id: f64) -> i32 1 held, 0 not, or a negative status */
  offheap_index_has: { parameters: ["u32", "f64"], result: "i32" },
  /** (handle: u32, id: f64, out: [*]f32 dim values) -> i32 1 and the vector in out, 0 not held, or a negative status */
  offheap_index_get: { parameters: ["u32", "f64", "buffer"], result: "i32" },
  /** (handle: u32) -> f64 live vectors, or a negative status */
  offheap_index_size: { parameters: ["u32"], result: "f64" },
  /** (handle: u32, queries: [*]f32, query_count: u32, k: u32, ef: u32 0 = default, filter_kind: u32 0 none 1 id list 2 id bitset 3 ascending u32 labels, filter: [*]u8, filter_length: u32, out_ids: [*]f64, out_scores: [*]f32, out_counts: [*]u32) -> i32 status */
  offheap_index_search: {
    parameters: ["u32", "buffer", "u32", "u32", "u32", "u32", "buffer", "u32", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  /** (handle: u32, out: [*]f64, capacity: u32) -> i32 fields written (index.Stat order), or a negative status */
  offheap_index_stats: { parameters: ["u32", "buffer", "u32"], result: "i32" },
  /** (handle: u32, path: [*]u8 UTF-8, path_length: u32) -> f64 bytes written, or a negative status */
  offheap_index_save: { parameters: ["u32", "buffer", "u32"], result: "f64" },
  /** (path: [*]u8 UTF-8, path_length: u32, mode: u32 0 load 1 view) -> f64 handle, or a negative status */
  offheap_index_open_file: { parameters: ["buffer", "u32", "u32"], result: "f64" },
} as const satisfies Record<string, SymbolSpec>;

/** The table's type. */
export type Symbols = typeof symbols;

type JsArgument<T extends NativeType> = T extends "buffer" ? ArrayBufferView | null : number;
type JsResult<T extends NativeType> = T extends "void" ? void : number;
type JsArguments<P extends readonly NativeType[]> = {
  -readonly [K in keyof P]: P[K] extends NativeType ? JsArgument<P[K]>
    : never;
};

/** The loaded library as plain JS functions, identical in Deno and Bun. */
export type Native = {
  readonly [K in keyof Symbols]: (...args: JsArguments<Symbols[K]["parameters"]>) => JsResult<Symbols[K]["result"]>;
};

/** Creates an ArrayBuffer over native memory, without copying. */
export type ExternalBufferFactory = (address: number, byteLength: number) => ArrayBuffer;

/** What a backend provides: the functions, and a way to view native memory. */
export interface Backend {
  readonly runtime: "deno" | "bun";
  /** Where the library was loaded from (set by load.ts). */
  readonly path?: string;
  readonly native: Native;
  readonly externalBuffer: ExternalBufferFactory;
}
