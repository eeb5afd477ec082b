/**
 * One test source for both runtimes: `test()` registers with `Deno.test` under Deno and with
 * `bun:test` under Bun; assertions come from `node:assert/strict`, which both provide. `bun:test`
 * is imported through a variable specifier so that Deno never resolves it.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import process from "node:process";
import { readFileSync } from "node:fs";

/** Options of {@linkcode test}. */
export interface TestOptions {
  /** Skip the test (with its name still reported). */
  ignore?: boolean;
  /** Time limit in milliseconds, for tests that spawn processes or Workers. */
  timeoutMs?: number;
}

type TestFunction = () => void | Promise<void>;
type BunTest = {
  (name: string, fn: TestFunction, timeoutMs?: number): void;
  skip(name: string, fn: TestFunction): void;
};
type DenoTest = (
  options: { name: string; fn: TestFunction; ignore?: boolean; sanitizeResources?: boolean; sanitizeOps?: boolean },
) => void;

const deno = (globalThis as unknown as { Deno?: { test: DenoTest } }).Deno;
const bunTestSpecifier = "bun:test";
const bunTest: BunTest | undefined = deno ? undefined : (await import(bunTestSpecifier)).test;

/** The runtime running the tests. */
export const runtime: "deno" | "bun" = deno ? "deno" : "bun";

/**
 * Registers a test in whichever runtime runs the file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { test } from "./harness.ts";
 * test("addition works", () => assert.equal(1 + 1, 2));
 * ```
 */
export function test(name: string, fn: TestFunction, options: TestOptions = {}): void {
  if (deno) {
    deno.test({ name, fn, ignore: options.ignore, sanitizeResources: false, sanitizeOps: false });
    return;
  }
  if (options.ignore) bunTest!.skip(name, fn);
  else bunTest!(name, fn, options.timeoutMs ?? 60_000);
}

/** Options of {@linkcode runScript}. */
export interface RunScriptOptions {
  /** Variables added to this process's environment. */
  env?: Record<string, string>;
  /** Flags for `deno run` after `-A` (Bun takes none). */
  denoFlags?: string[];
  /** Stops a hung child; tests assert on its exit status and output. */
  timeoutMs?: number;
}

/**
 * Runs the script at `path` with `args` in a child process of this runtime (`deno run -A` or `bun`).
 *
 * @example
 * ```ts
 * import { runScript } from "./harness.ts";
 * const { status } = runScript(new URL("./print_options.ts", import.meta.url).pathname);
 * ```
 */
export function runScript(
  path: string,
  args: string[] = [],
  options: RunScriptOptions = {},
): { status: number | null; stdout: string; stderr: string } {
  const argv = runtime === "deno" ? ["run", "-A", ...(options.denoFlags ?? []), path, ...args] : [path, ...args];
  const child = spawnSync(process.execPath, argv, {
    encoding: "utf8",
    env: { ...process.env, ...options.env },
    timeout: options.timeoutMs ?? 60_000,
  });
  return { status: child.status, stdout: child.stdout ?? "", stderr: child.stderr ?? "" };
}

/** Resident set size of this process in bytes, from /proc/self/statm. */
export function residentBytes(): number {
  const statm = readFileSync("/proc/self/statm", "utf8");
  return Number(statm.split(" ")[1]) * 4096;
}

/** One mapping of /proc/self/smaps: its address range, permissions, and its `kB` fields. */
export interface SmapsEntry {
  start: number;
  end: number;
  /** Such as `"rw-p"`. */
  perms: string;
  /** The `Name: N kB` lines, in kB: `Rss`, `AnonHugePages`, `KernelPageSize`, `Private_Hugetlb`... */
  fields: Record<string, number>;
  /** The `VmFlags` line's two-letter flags: `hg` for MADV_HUGEPAGE, `nh` for MADV_NOHUGEPAGE... */
  vmFlags: string[];
}

/** Every mapping of this process, from /proc/self/smaps. */
export function readSmaps(): SmapsEntry[] {
  const entries: SmapsEntry[] = [];
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S+) /.exec(line);
    if (header) {
      const [start, end] = [parseInt(header[1], 16), parseInt(header[2], 16)];
      entries.push({ start, end, perms: header[3], fields: {}, vmFlags: [] });
      continue;
    }
    if (line.startsWith("VmFlags:") && entries.length > 0) {
      entries[entries.length - 1].vmFlags = line.slice("VmFlags:".length).trim().split(/\s+/);
      continue;
    }
    const field = /^(\w+):\s+(\d+) kB/.exec(line);
    if (field && entries.length > 0) entries[entries.length - 1].fields[field[1]] = Number(field[2]);
  }
  return entries;
}
