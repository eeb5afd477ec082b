/**
 * Finds liboffheap, opens it with the backend of the running runtime, and checks its ABI version.
 * Nothing above this file knows whether it runs in Deno or Bun.
 *
 * The library is looked for, in order:
 * 1. an explicit `loadLibrary({ path })`;
 * 2. the `OFFHEAP_LIB` environment variable;
 * 3. the npm platform package of this platform (`@offheap/linux-x64-gnu`, ...; see platform.ts),
 *    resolved from this module's own location, never from the working directory: first through the
 *    runtime's resolver (`require.resolve` from this file), then in every `node_modules` folder
 *    above this file (only when this module is a file: from JSR, set `OFFHEAP_LIB`);
 * 4. inside a program compiled with `bun build --compile` (whose modules live in Bun's embedded
 *    `/$bunfs/` file system), the library beside the executable;
 * 5. the repository build, `zig/zig-out/lib/` of the checkout these sources belong to (only when
 *    running from the TypeScript sources).
 *
 * An explicit path (1, 2) is final: if it fails to open, that is the error. Otherwise the first
 * candidate that opens wins, and when none does the error names the platform key, every path tried
 * with its reason, and the likely causes. The library is opened once per JS thread (each Worker has
 * its own module instance); the OS loads it once per process, so every Worker shares one allocator.
 * The main thread must open it before any Worker does (see worker_rule.ts): a Worker that would be
 * the first to load it gets an error instead.
 *
 * @module
 */
import { ABI_VERSION, type Backend } from "./symbols.ts";
import { openDeno } from "./deno.ts";
import { type BunFfi, openBun } from "./bun.ts";
import { checkWorkerLoad } from "./worker_rule.ts";
import { currentPlatform, type Platform, PREBUILT_PLATFORMS } from "./platform.ts";
import { compiledExecutableFolder, folderOf, nativePath } from "./paths.ts";

const isBun = "Bun" in globalThis;
// A variable specifier keeps Deno's type checker and `deno publish` from resolving `bun:ffi`.
const bunFfiSpecifier = "bun:ffi";
const bunFfi: BunFfi | undefined = isBun ? await import(bunFfiSpecifier) : undefined;

let backend: (Backend & { path: string }) | undefined;
/** What {@linkcode whenOpen} was asked to run once the library opens. */
const openHooks: ((native: Backend["native"]) => void)[] = [];

/** Options for {@linkcode loadLibrary}. */
export interface LoadOptions {
  /** Absolute path of liboffheap.so. Overrides `OFFHEAP_LIB` and the default locations. */
  path?: string;
}

function environmentPath(): string | undefined {
  try {
    const deno = (globalThis as unknown as { Deno?: { env: { get(name: string): string | undefined } } }).Deno;
    if (deno) return deno.env.get("OFFHEAP_LIB") || undefined;
    const process = (globalThis as unknown as { process?: { env: Record<string, string | undefined> } }).process;
    return process?.env.OFFHEAP_LIB || undefined;
  } catch {
    return undefined; // Deno without --allow-env: fall through to the default locations.
  }
}

/** A place the library may be, and what put it on the list. */
interface Candidate {
  path: string;
  source: string;
}

function filePath(url: URL): string {
  return url.protocol === "file:" ? nativePath(decodeURIComponent(url.pathname)) : url.href;
}

/** The platform package's library through the runtime's own resolver, from this module's location. */
function resolvedPackagePath(packageName: string, fileName: string): Candidate | string {
  try {
    const process = (globalThis as unknown as { process?: { getBuiltinModule?(name: string): unknown } }).process;
    const module = process?.getBuiltinModule?.("node:module") as
      | { createRequire(from: string): { resolve(id: string): string } }
      | undefined;
    if (!module) return "no node:module in this runtime";
    const manifest = module.createRequire(import.meta.url).resolve(`${packageName}/package.json`);
    return {
      path: folderOf(manifest) + fileName,
      source: `require.resolve("${packageName}")`,
    };
  } catch (error) {
    return firstLine(error);
  }
}

/** The places the default search looks at, in order (steps 3 to 5 of the module comment). */
function defaultCandidates(platform: Platform): { candidates: Candidate[]; notes: string[] } {
  const packageName = `@offheap/${platform.key}`;
  const candidates: Candidate[] = [];
  const notes: string[] = [];
  const executablePath = (globalThis as unknown as { process?: { execPath?: string } }).process?.execPath;
  const executableFolder = compiledExecutableFolder(import.meta.url, executablePath);
  if (executableFolder !== undefined) {
    candidates.push({ path: executableFolder + platform.fileName, source: "beside the compiled executable" });
  }
  if (new URL(import.meta.url).protocol !== "file:") {
    // From JSR or another URL there is no folder to resolve from, and the working directory is never used.
    notes.push(`no platform package: this module was loaded from ${import.meta.url}, not from a file`);
    return { candidates, notes };
  }
  const resolved = resolvedPackagePath(packageName, platform.fileName);
  if (typeof resolved === "string") {
    notes.push(`require.resolve("${packageName}") from ${filePath(new URL(import.meta.url))}: ${resolved}`);
  } else candidates.push(resolved);
  // Every node_modules folder above this module, nearest first, as Node's resolution walks them.
  const folders = decodeURIComponent(new URL(".", import.meta.url).pathname).split("/").filter((part) => part !== "");
  for (let depth = folders.length; depth >= 0; depth--) {
    if (folders[depth - 1] === "node_modules") continue;
    const base = "/" + folders.slice(0, depth).join("/");
    const path = nativePath(`${base === "/" ? "" : base}/node_modules/${packageName}/${platform.fileName}`);
    if (!candidates.some((candidate) => candidate.path === path)) {
      candidates.push({ path, source: `the platform package ${packageName}` });
    }
  }
  if (import.meta.url.endsWith(".ts")) {
    candidates.push({
      path: filePath(new URL(`../../zig/zig-out/lib/${platform.fileName}`, import.meta.url)),
      source: "the repository build",
    });
  }
  return { candidates, notes };
}

function openAt(path: string): Backend {
  checkWorkerLoad(path);
  return bunFfi ? openBun(bunFfi, path) : openDeno(path);
}

/** Why a candidate did not open, in a few words where the reason is the usual one. */
function firstLine(error: unknown): string {
  const message = String((error as Error)?.message ?? error).split("\n")[0];
  return /No such file or directory/.test(message) ? "no such file" : message;
}

/** The error when no default candidate opened: the platform, every path with its reason, the causes. */
function notFoundError(platform: Platform, tried: string[], notes: string[], cause: unknown): Error {
  const packageName = `@offheap/${platform.key}`;
  return new Error(
    [
      `Cannot find liboffheap for platform ${platform.key} (C library from ${platform.libcSource}).`,
      `Tried, in order:`,
      ...notes.map((note) => `  - ${note}`),
      ...tried.map((line) => `  - ${line}`),
      `Likely causes:`,
      `  - the optional dependency ${packageName} was not installed (npm/bun/deno install with optional ` +
      `dependencies omitted, e.g. --omit=optional or --no-optional): install it, or reinstall without that flag;`,
      `  - node_modules was installed on another OS, CPU or C library and copied here: reinstall on this machine;`,
      `  - no prebuilt package exists for ${platform.key} (prebuilt: ${PREBUILT_PLATFORMS.join(", ")}): build ` +
      `it with \`npm run build\` in a checkout of offheap;`,
      `  - set OFFHEAP_LIB to the absolute path of a built ${platform.fileName}, or call loadLibrary({ path }).`,
    ].join("\n"),
    { cause },
  );
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
  const explicit = options.path ?? environmentPath();
  if (explicit !== undefined) {
    const source = options.path !== undefined ? "the path option" : "OFFHEAP_LIB";
    let opened: Backend;
    try {
      opened = openAt(explicit);
    } catch (cause) {
      throw new Error(
        `Failed to load liboffheap from ${explicit} (${source}): ${firstLine(cause)}. Point ${source} at a ` +
          `liboffheap built for this platform (${currentPlatform().key}), or unset it to use the npm platform package.`,
        { cause },
      );
    }
    return accept(opened, explicit);
  }
  const platform = currentPlatform();
  const { candidates, notes } = defaultCandidates(platform);
  const tried: string[] = [];
  let lastError: unknown;
  for (const candidate of candidates) {
    try {
      return accept(openAt(candidate.path), candidate.path);
    } catch (cause) {
      if (cause instanceof AbiMismatch) throw cause;
      lastError = cause;
      tried.push(`${candidate.path} (${candidate.source}): ${firstLine(cause)}`);
    }
  }
  throw notFoundError(platform, tried, notes, lastError);
}

/** A library that opened but speaks another ABI version: never skipped for the next candidate. */
class AbiMismatch extends Error {}

function accept(opened: Backend, path: string): Backend & { path: string } {
  const version = opened.native.offheap_abi_version();
  if (version !== ABI_VERSION) {
    throw new AbiMismatch(
      `Failed to load liboffheap from ${path}: ABI version ${version}, this facade needs ${ABI_VERSION}`,
    );
  }
  backend = { ...opened, path };
  for (const hook of openHooks.splice(0)) hook(backend.native);
  return backend;
}

/**
 * Runs `hook` with the library's functions once it is open: now if it is, else when it opens. Lets
 * state set before the first allocation (the profiler's, from the environment, at import) reach the
 * library without opening it early, so `loadLibrary({ path })` can still come first.
 */
export function whenOpen(hook: (native: Backend["native"]) => void): void {
  if (backend) hook(backend.native);
  else openHooks.push(hook);
}

/** The open library, opening it from the default places on first use. */
export function library(): Backend {
  return backend ?? open({});
}
