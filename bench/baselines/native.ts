/**
 * Opens the C allocators the benchmarks compare offheap against (glibc, mimalloc, jemalloc) through
 * the FFI of the running runtime. They are dlopen'ed, never linked or preloaded, so each keeps its
 * own heap beside the runtime's. A library that is missing or fails to load yields a note, not an
 * error: that baseline is skipped.
 *
 * Binding forms, chosen by measuring a 1 KiB malloc+free pair of glibc in each runtime
 * (mitata, this 2-core EPYC, Deno 2.9.6 / Bun 1.4.5):
 *
 * | runtime | form                                                   | ns/pair |
 * |---------|--------------------------------------------------------|---------|
 * | Deno    | malloc(usize as BigInt) -> usize (BigInt), free(usize) |   8.5   |  <- used
 * | Deno    | malloc(usize as BigInt) -> pointer, free(pointer)      |  11.9   |
 * | Bun     | malloc(usize) -> ptr (number), free(ptr)               |  12.5   |  <- used
 * | Bun     | malloc(u64_fast) -> u64_fast, free(u64_fast)           |  14.4   |
 * | Bun     | malloc(usize) -> usize (BigInt), free(usize)           |  16.7   |
 *
 * A JS number passed to a Deno `usize` parameter leaves the fast path, so in Deno every size is
 * converted to a BigInt once, before the measured loop ({@linkcode NativeAllocator.size}).
 *
 * @module
 */
import { importUnchecked, runtimeName } from "../lib/runtime.ts";

/** A C allocator opened through FFI, in the fastest binding form of this runtime. */
export interface NativeAllocator {
  /** "glibc", "mimalloc" or "jemalloc". */
  readonly name: string;
  /** The library that was opened. */
  readonly library: string;
  /** The binding form, as documented in this module's table. */
  readonly form: string;
  /** The allocator's `malloc`: takes a value from {@linkcode NativeAllocator.size}. */
  readonly malloc: (size: never) => unknown;
  /** The allocator's `free`: takes what `malloc` returned. */
  readonly free: (address: never) => void;
  /** Converts a byte count to the argument form `malloc` takes (a BigInt in Deno). */
  size(bytes: number): unknown;
}

/** Where to find one allocator and what its entry points are called. */
interface AllocatorSpec {
  name: string;
  libraries: string[];
  mallocSymbol: string;
  freeSymbol: string;
  loadHint: string;
}

const specs: AllocatorSpec[] = [
  { name: "glibc", libraries: ["libc.so.6"], mallocSymbol: "malloc", freeSymbol: "free", loadHint: "" },
  {
    name: "mimalloc",
    libraries: ["libmimalloc.so.2", "libmimalloc.so"],
    mallocSymbol: "mi_malloc",
    freeSymbol: "mi_free",
    loadHint: "install libmimalloc-dev (bash .ci/bootstrap --bench does, as root)",
  },
  {
    name: "jemalloc",
    libraries: ["libjemalloc.so.2", "libjemalloc.so"],
    mallocSymbol: "malloc",
    freeSymbol: "free",
    loadHint: "install libjemalloc-dev, and start the runtime with " +
      "GLIBC_TUNABLES=glibc.rtld.optional_static_tls=65536 (bench/run.sh does) for its static TLS",
  },
];

interface DenoFfi {
  dlopen(
    path: string,
    symbols: Record<string, { name: string; parameters: string[]; result: string }>,
  ): { symbols: Record<string, (...args: never[]) => unknown> };
}

interface BunFfi {
  dlopen(
    path: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): { symbols: Record<string, (...args: never[]) => unknown> };
}

function openDeno(spec: AllocatorSpec, library: string): NativeAllocator {
  const ffi = (globalThis as unknown as { Deno: DenoFfi }).Deno;
  const { symbols } = ffi.dlopen(library, {
    malloc: { name: spec.mallocSymbol, parameters: ["usize"], result: "usize" },
    free: { name: spec.freeSymbol, parameters: ["usize"], result: "void" },
  });
  const form = "malloc(usize BigInt) -> usize BigInt; free(usize BigInt)";
  return { name: spec.name, library, form, malloc: symbols.malloc, free: symbols.free, size: BigInt };
}

async function openBun(spec: AllocatorSpec, library: string): Promise<NativeAllocator> {
  const ffi = await importUnchecked<BunFfi>("bun:ffi");
  const { symbols } = ffi.dlopen(library, {
    [spec.mallocSymbol]: { args: ["usize"], returns: "ptr" },
    [spec.freeSymbol]: { args: ["ptr"], returns: "void" },
  });
  const form = "malloc(usize number) -> ptr number; free(ptr)";
  const malloc = symbols[spec.mallocSymbol];
  const free = symbols[spec.freeSymbol];
  return { name: spec.name, library, form, malloc, free, size: (bytes: number) => bytes };
}

const RTLD_NOW = 0x2;
const RTLD_NODELETE = 0x1000;

/**
 * Marks a loaded library RTLD_NODELETE through libc's own dlopen, so that no dlclose can unload it.
 * mimalloc and jemalloc register thread-exit hooks; the runtimes dlclose a Worker's libraries when
 * it ends, and a Worker thread that exits after the last close runs a hook into unmapped code (a
 * segfault seen in Deno, DESIGN.md §3). liboffheap itself is linked with -z nodelete for this reason.
 */
async function pinLibrary(library: string): Promise<void> {
  const path = new TextEncoder().encode(`${library}\0`);
  if (runtimeName === "deno") {
    const deno = (globalThis as unknown as { Deno: DenoFfi }).Deno;
    const libc = deno.dlopen("libc.so.6", { dlopen: { name: "dlopen", parameters: ["buffer", "i32"], result: "pointer" } });
    (libc.symbols.dlopen as (path: Uint8Array, flags: number) => unknown)(path, RTLD_NOW | RTLD_NODELETE);
    return;
  }
  const ffi = await importUnchecked<BunFfi>("bun:ffi");
  const libc = ffi.dlopen("libc.so.6", { dlopen: { args: ["ptr", "i32"], returns: "ptr" } });
  (libc.symbols.dlopen as (path: Uint8Array, flags: number) => unknown)(path, RTLD_NOW | RTLD_NODELETE);
}

/** Opens one allocator and checks that a 1 KiB malloc returns memory. */
async function openAllocator(spec: AllocatorSpec): Promise<NativeAllocator | string> {
  const failures: string[] = [];
  for (const library of spec.libraries) {
    try {
      const allocator = runtimeName === "deno" ? openDeno(spec, library) : await openBun(spec, library);
      await pinLibrary(library);
      const malloc = allocator.malloc as (size: unknown) => unknown;
      const address = malloc(allocator.size(1024));
      if (address === 0 || address === 0n || address === null) return `${spec.name}: malloc(1024) returned NULL`;
      (allocator.free as (address: unknown) => void)(address);
      return allocator;
    } catch (error) {
      failures.push(`${library}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    }
  }
  const hint = spec.loadHint ? `; ${spec.loadHint}` : "";
  return `${spec.name} baseline skipped: could not load ${failures.join(", ")}${hint}`;
}

/**
 * Opens every C allocator baseline that this machine has.
 *
 * @param note Receives one line per allocator that could not be opened.
 * @returns The allocators that opened, in the order glibc, mimalloc, jemalloc.
 */
export async function openNativeAllocators(note: (line: string) => void): Promise<NativeAllocator[]> {
  const opened: NativeAllocator[] = [];
  for (const spec of specs) {
    const result = await openAllocator(spec);
    if (typeof result === "string") note(result);
    else opened.push(result);
  }
  return opened;
}
