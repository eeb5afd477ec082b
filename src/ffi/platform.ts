/**
 * Which prebuilt library this process needs: the platform key of the npm package that carries it
 * (`linux-x64-gnu`, `linux-arm64-musl`, ...) and the library's file name. On Linux the C library is
 * told at run time, from the libraries this process has mapped, because one Node-style `os`/`cpu`
 * pair covers both glibc and musl systems.
 *
 * @module
 */

/** The platform this process runs on, as the npm platform packages name it. */
export interface Platform {
  /** `linux`, `darwin`, `win32`, ... (Node's `process.platform` names). */
  readonly os: string;
  /** `x64`, `arm64`, ... (Node's `process.arch` names). */
  readonly arch: string;
  /** The C library on Linux; undefined elsewhere. */
  readonly libc: "gnu" | "musl" | undefined;
  /** How `libc` was told (for error messages). */
  readonly libcSource: string;
  /** The platform package's name without its scope, e.g. `linux-x64-gnu`. */
  readonly key: string;
  /** The library's file name on this OS. */
  readonly fileName: string;
}

interface DenoBuild {
  build: { os: string; arch: string; env?: string };
  permissions?: { querySync?(descriptor: { name: "read"; path: string }): { state: string } };
  readTextFileSync(path: string): string;
}
interface NodeProcess {
  platform: string;
  arch: string;
  getBuiltinModule?(name: string): unknown;
  report?: { getReport?(): { header?: { glibcVersionRuntime?: string } } };
}

/** The platforms with a prebuilt npm package (`npm/<key>/`, built by `npm run build:all`). */
export const PREBUILT_PLATFORMS: readonly string[] = [
  "linux-x64-gnu",
  "linux-arm64-gnu",
  "linux-x64-musl",
  "linux-arm64-musl",
  "darwin-arm64",
  "darwin-x64",
  "win32-x64",
];

/** The library's file name on each OS (Node's `process.platform` names); `liboffheap.so` elsewhere. */
export const LIBRARY_FILE_NAMES: Readonly<Record<string, string>> = {
  darwin: "liboffheap.dylib",
  win32: "offheap.dll",
};

const deno = (globalThis as unknown as { Deno?: DenoBuild }).Deno;
const nodeProcess = (globalThis as unknown as { process?: NodeProcess }).process;

const denoArch: Record<string, string> = { x86_64: "x64", aarch64: "arm64" };

/**
 * Reads /proc/self/maps, where that needs no permission prompt (Bun always; Deno only with read
 * permission), or returns undefined where it cannot (no permission, not Linux).
 */
export function processMaps(): string | undefined {
  try {
    if (deno) {
      const state = deno.permissions?.querySync?.({ name: "read", path: "/proc/self/maps" }).state;
      return state === "granted" ? deno.readTextFileSync("/proc/self/maps") : undefined;
    }
    const fs = nodeProcess?.getBuiltinModule?.("node:fs") as
      | { readFileSync(path: string, encoding: string): string }
      | undefined;
    return fs?.readFileSync("/proc/self/maps", "utf8");
  } catch {
    return undefined;
  }
}

/**
 * glibc or musl: first from the C library this process has mapped (`ld-musl-*` / `libc.musl-*`
 * against `libc.so.6`), then from what the runtime reports of itself (Deno's build environment, the
 * glibc version of Node's process report), else glibc, said so in `libcSource`.
 */
function linuxLibc(): { libc: "gnu" | "musl"; libcSource: string } {
  const maps = processMaps();
  if (maps !== undefined) {
    if (/\/(ld-musl-|libc\.musl-)[^\n]*\n/.test(maps)) return { libc: "musl", libcSource: "/proc/self/maps" };
    if (/\/libc\.so\.6\n/.test(maps)) return { libc: "gnu", libcSource: "/proc/self/maps" };
  }
  const env = deno?.build.env;
  if (env === "gnu" || env === "musl") return { libc: env, libcSource: "Deno.build.env" };
  try {
    const glibc = nodeProcess?.report?.getReport?.().header?.glibcVersionRuntime;
    if (glibc) return { libc: "gnu", libcSource: `process.report (glibc ${glibc})` };
  } catch {
    // No report: fall through to the guess.
  }
  return { libc: "gnu", libcSource: "a guess (neither /proc/self/maps nor the runtime told)" };
}

/** The platform of this process. */
export function currentPlatform(): Platform {
  const os = deno ? (deno.build.os === "windows" ? "win32" : deno.build.os) : nodeProcess?.platform ?? "unknown";
  const arch = deno ? denoArch[deno.build.arch] ?? deno.build.arch : nodeProcess?.arch ?? "unknown";
  const { libc, libcSource } = os === "linux" ? linuxLibc() : { libc: undefined, libcSource: "not Linux" };
  const key = libc ? `${os}-${arch}-${libc}` : `${os}-${arch}`;
  const fileName = LIBRARY_FILE_NAMES[os] ?? "liboffheap.so";
  return { os, arch, libc, libcSource, key, fileName };
}
