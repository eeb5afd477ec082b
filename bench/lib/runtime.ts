/**
 * What the benchmark code needs to know about the JavaScript runtime it runs in, in one place, so
 * that every suite is one source for Deno and Bun. Everything else goes through `node:` modules,
 * which both runtimes implement.
 *
 * @module
 */
import process from "node:process";

/** The runtimes the benchmarks run in. */
export type RuntimeName = "deno" | "bun";

/** The runtime this module was loaded in. */
export const runtimeName: RuntimeName = "Bun" in globalThis ? "bun" : "deno";

/** The version of the running runtime, e.g. "2.9.6". */
export function runtimeVersion(): string {
  const runtime = globalThis as unknown as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  return runtime.Bun?.version ?? runtime.Deno?.version.deno ?? "unknown";
}

/** The runtime's display name with its version, e.g. "Deno 2.9.6". */
export function runtimeLabel(name: RuntimeName = runtimeName, version: string = runtimeVersion()): string {
  return `${name === "deno" ? "Deno" : "Bun"} ${version}`;
}

/** An environment variable, or undefined when it is unset, empty or not readable. */
export function environmentVariable(name: string): string | undefined {
  try {
    return process.env[name] || undefined;
  } catch {
    return undefined; // Deno without --allow-env.
  }
}

/** The repository root, found from this file's location (bench/lib/). */
export function repositoryRoot(): string {
  return decodeURIComponent(new URL("../../", import.meta.url).pathname).replace(/\/$/, "");
}

/**
 * Loads a module the Deno type checker must never resolve (`bun:ffi`, `bun:jsc`): the specifier is
 * a variable, so `deno check` and `deno publish` leave it alone.
 */
export function importUnchecked<T>(specifier: string): Promise<T> {
  return import(specifier) as Promise<T>;
}
