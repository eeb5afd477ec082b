/**
 * The few runtime services the Worker scripts need, the same in Deno and Bun: arguments, a terminal
 * check, writing to stdout, exiting, resident memory, and starting a module Worker.
 *
 * @module
 */
import { readFileSync } from "node:fs";

type DenoLike = {
  args: string[];
  exit(code: number): never;
  stdout: { isTerminal(): boolean; writeSync(bytes: Uint8Array): number };
};
type ProcessLike = {
  argv: string[];
  exit(code: number): never;
  stdout: { isTTY?: boolean; write(text: string): boolean };
};

const deno = (globalThis as unknown as { Deno?: DenoLike }).Deno;
const nodeProcess = (globalThis as unknown as { process: ProcessLike }).process;

/** The runtime running the script. */
export const runtimeName: "deno" | "bun" = deno ? "deno" : "bun";

/** Command-line arguments after the script. */
export function scriptArguments(): string[] {
  return deno ? deno.args : nodeProcess.argv.slice(2);
}

/** Whether stdout is a terminal. */
export function stdoutIsTerminal(): boolean {
  return deno ? deno.stdout.isTerminal() : nodeProcess.stdout.isTTY === true;
}

const encoder = new TextEncoder();

/** Writes `text` to stdout as is (no newline added). */
export function write(text: string): void {
  if (deno) deno.stdout.writeSync(encoder.encode(text));
  else nodeProcess.stdout.write(text);
}

/** Ends the process with `code`. */
export function exit(code: number): never {
  return deno ? deno.exit(code) : nodeProcess.exit(code);
}

/**
 * Runs a full garbage collection, so an RSS sample counts memory still in use rather than garbage
 * (dead Worker heaps, buffers whose finalizers have not run yet). Bun always can; Deno only when
 * started with `--v8-flags=--expose-gc`, and otherwise this does nothing.
 */
export function collectGarbage(): void {
  const bun = (globalThis as unknown as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun) bun.gc(true);
  else (globalThis as unknown as { gc?: () => void }).gc?.();
}

/**
 * Asks glibc to give the free memory of its malloc arenas back to the OS (`malloc_trim(0)`). Every
 * Worker thread the runtime starts gets glibc arenas for V8's and Bun's own native allocations,
 * and they keep freed memory; trimming them first makes an RSS sample measure offheap's memory
 * rather than the runtime's malloc retention.
 */
export async function trimRuntimeMalloc(): Promise<void> {
  if (deno) {
    const ffi = (globalThis as unknown as {
      Deno: { dlopen(path: string, symbols: object): { symbols: { malloc_trim(pad: bigint): number }; close(): void } };
    }).Deno;
    const libc = ffi.dlopen("libc.so.6", { malloc_trim: { parameters: ["usize"], result: "i32" } });
    libc.symbols.malloc_trim(0n);
    libc.close();
    return;
  }
  const specifier = "bun:ffi";
  const ffi = await import(specifier) as {
    dlopen(path: string, symbols: object): { symbols: { malloc_trim(pad: number): number }; close(): void };
  };
  const libc = ffi.dlopen("libc.so.6", { malloc_trim: { args: ["usize"], returns: "i32" } });
  libc.symbols.malloc_trim(0);
  libc.close();
}

/** Resident set size of this process in bytes, from /proc/self/statm. */
export function residentBytes(): number {
  return Number(readFileSync("/proc/self/statm", "utf8").split(" ")[1]) * 4096;
}

/** Starts a module Worker running `url`. */
export function startWorker(url: URL): Worker {
  return new Worker(url, { type: "module" });
}

/** Starts a Worker running `url`, posts it `command`, and resolves with its one reply (then ends it). */
export function runWorkerOnce<Command, Reply>(url: URL, command: Command): Promise<Reply> {
  const worker = startWorker(url);
  return new Promise<Reply>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<Reply>) => resolve(event.data);
    worker.onerror = (event: Event) => reject(new Error((event as ErrorEvent).message));
    worker.postMessage(command);
  }).finally(() => worker.terminate());
}

/** Reads `--name value` pairs into numbers, keeping `defaults` for the rest; flags without value are 1. */
export function numericOptions<T extends Record<string, number>>(argv: string[], defaults: T): T {
  const options: Record<string, number> = { ...defaults };
  for (let index = 0; index < argv.length; index++) {
    const name = argv[index].replace(/^--/, "");
    if (!(name in defaults)) throw new RangeError(`Unknown option ${argv[index]}; known: ${Object.keys(defaults)}`);
    const next = argv[index + 1];
    const value = next !== undefined && !next.startsWith("--") ? Number(argv[++index]) : 1;
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`Option ${argv[index]} needs a number`);
    options[name] = value;
  }
  return options as T;
}
