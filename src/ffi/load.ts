/**
 * Finds liboffheap, opens it with the backend of the running runtime, and checks its ABI version.
 * Nothing above this file knows whether it runs in Deno or Bun.
 *
 * The library is looked for, in order: an explicit `loadLibrary({ path })`, the `OFFHEAP_LIB`
 * environment variable, then `zig/zig-out/lib/liboffheap.so` next to this module. It is opened once
 * per JS thread (each Worker has its own module instance); the OS loads it once per process, so
 * every Worker shares one allocator. The main thread must open it before any Worker does (see
 * worker_rule.ts): a Worker that would be the first to load it gets an error instead.
 *
 * @module
 */
import { type Backend, ABI_VERSION } from "./symbols.ts";
import { openDeno } from "./deno.ts";
import { type BunFfi, openBun } from "./bun.ts";
import { checkWorkerLoad } from "./worker_rule.ts";

const isBun = "Bun" in globalThis;
// A variable specifier keeps Deno's type checker and `deno publish` from resolving `bun:ffi`.
const bunFfiSpecifier = "bun:ffi";
const bunFfi: BunFfi | undefined = isBun ? await import(bunFfiSpecifier) : undefined;

let backend: (Backend & { path: string }) | undefined;

/** Options for {@linkcode loadLibrary}. */
export interface LoadOptions {
  /** Absolute path of liboffheap.so. Overrides `OFFHEAP_LIB` and the default location. */
  path?: string;
}

function environmentPath(): string | undefined {
  try {
    const deno = (globalThis as unknown as { Deno?: { env: { get(name: string): string | undefined } } }).Deno;
    if (deno) return deno.env.get("OFFHEAP_LIB") || undefined;
    const process = (globalThis as unknown as { process?: { env: Record<string, string | undefined> } }).process;
    return process?.env.OFFHEAP_LIB || undefined;
  } catch {
    return undefined; // Deno without --allow-env: fall through to the default location.
  }
}

function defaultPath(): string {
  const url = new URL("../../zig/zig-out/lib/liboffheap.so", import.meta.url);
  return url.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href;
}

/** The library {@linkcode loadLibrary} opened: where from, and through which runtime's FFI. */
export interface LoadedLibrary {
  /** The file the library was loaded from. */
  readonly path: string;
  /** The runtime whose FFI opened it. */
  readonly runtime: "deno" | "bun";
}

/**
 * Opens liboffheap now, from `options.path` if given. Later calls return the already-open library;
 * asking for a different path after it is open throws.
 *
 * @example Load a library built elsewhere before the first allocation
 * ```ts
 * import { loadLibrary } from "@offheap/offheap";
 * loadLibrary({ path: "/opt/offheap/liboffheap.so" });
 * ```
 */
export function loadLibrary(options: LoadOptions = {}): LoadedLibrary {
  const opened = open(options);
  return { path: opened.path, runtime: opened.runtime };
}

function open(options: LoadOptions): Backend & { path: string } {
  if (backend) {
    if (options.path !== undefined && options.path !== backend.path) {
      throw new Error(`Cannot load liboffheap from ${options.path}: already loaded from ${backend.path}`);
    }
    return backend;
  }
  const fromEnvironment = environmentPath();
  const path = options.path ?? fromEnvironment ?? defaultPath();
  const source = options.path ? "the path option" : fromEnvironment ? "OFFHEAP_LIB" : "the default location";
  checkWorkerLoad(path);
  let opened: Backend;
  try {
    opened = bunFfi ? openBun(bunFfi, path) : openDeno(path);
  } catch (cause) {
    throw new Error(
      `Failed to load liboffheap from ${path} (${source}). Build it with \`npm run build\` ` +
        `(or \`bash .ci/build fast\`), or point OFFHEAP_LIB at a built liboffheap.so.`,
      { cause },
    );
  }
  const version = opened.native.offheap_abi_version();
  if (version !== ABI_VERSION) {
    throw new Error(`Failed to load liboffheap from ${path}: ABI version ${version}, this facade needs ${ABI_VERSION}`);
  }
  backend = { ...opened, path };
  return backend;
}

/** The open library, opening it from the default places on first use. */
export function library(): Backend {
  return backend ?? open({});
}
