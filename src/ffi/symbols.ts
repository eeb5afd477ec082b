/**
 * The one symbol table of liboffheap: every native function the facade calls, with its C types.
 * `deno.ts` and `bun.ts` each turn this table into the same {@linkcode Native} interface, so adding
 * a symbol here is the only place a new native function is declared.
 *
 * Hot symbols take and return only `f64`, `u32`, `i32`, `f32` and `buffer` (typed arrays): those
 * stay on both runtimes' fast FFI paths. Addresses and sizes travel as f64 (exact, because the
 * allocator keeps every address below 2^47). See zig/src/ffi.zig for the C side.
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
export const ABI_VERSION = 1;

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
  /** (address: f64, size: f64) -> f64 new address, or a negative status */
  offheap_realloc: { parameters: ["f64", "f64"], result: "f64" },
  /** (address: f64) -> f64 usable bytes, or a negative status */
  offheap_usable_size: { parameters: ["f64"], result: "f64" },
  /** (address: f64) -> i32 tier, or a negative status */
  offheap_tier_of: { parameters: ["f64"], result: "i32" },
  /** (address: f64, out: *[2]f64 base and length) -> i32 status */
  offheap_mapping_of: { parameters: ["f64", "buffer"], result: "i32" },
  /** () -> u32 number of f64 fields `offheap_stats` writes */
  offheap_stats_field_count: { parameters: [], result: "u32" },
  /** (out: [*]f64, capacity: u32) -> i32 fields written, or a negative status */
  offheap_stats: { parameters: ["buffer", "u32"], result: "i32" },
  /** () -> i32 SIMD level: 0 baseline, 1 avx2, 2 avx512 */
  offheap_simd_level: { parameters: [], result: "i32" },
  /** (a: [*]f32, b: [*]f32, len: u32) -> f32 */
  offheap_dot_f32: { parameters: ["buffer", "buffer", "u32"], result: "f32" },

  // --- Workers (issue 4): thread-heap ownership; zig/src/ffi_threads.zig ---
  /** () -> u32 number of f64 fields `offheap_threads_stats` writes */
  offheap_threads_field_count: { parameters: [], result: "u32" },
  /** (out: [*]f64, capacity: u32) -> i32 fields written, or a negative status */
  offheap_threads_stats: { parameters: ["buffer", "u32"], result: "i32" },
  /** () -> f64 bytes of empty pages returned to the OS */
  offheap_threads_collect: { parameters: [], result: "f64" },
  /** () -> i32 0; abandons the calling thread's heap for the next thread to adopt */
  offheap_thread_release: { parameters: [], result: "i32" },
} as const satisfies Record<string, SymbolSpec>;

/** The table's type. */
export type Symbols = typeof symbols;

type JsArgument<T extends NativeType> = T extends "buffer" ? ArrayBufferView | null : number;
type JsResult<T extends NativeType> = T extends "void" ? void : number;
type JsArguments<P extends readonly NativeType[]> = { -readonly [K in keyof P]: P[K] extends NativeType ? JsArgument<P[K]> : never };

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
