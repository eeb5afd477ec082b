/**
 * Child processes for measurements that need a process of their own (a fresh JS heap, its own RSS):
 * a script started in the current runtime with the flags bench/run.sh uses, spoken to with one JSON
 * line per request on its stdin and one JSON line per reply on its stdout, one request at a time.
 * The script's first line is sent unasked, once it is ready (see {@linkcode BenchChild.ready}).
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { existsSync } from "node:fs";
import { repositoryRoot } from "./runtime.ts";

/** Bun: this process when it is Bun, else the project's pinned one (node_modules/.bin), else PATH's. */
function bunExecutable(): string {
  if ("Bun" in globalThis) return process.execPath;
  const pinned = `${repositoryRoot()}/node_modules/.bin/bun`;
  return existsSync(pinned) ? pinned : "bun";
}

/** A reply line: `ok` and the script's fields, or why the request failed. */
export type ChildReply = ({ ok: true } & Record<string, unknown>) | { ok: false; message: string };

/** One running child script. */
export class BenchChild {
  readonly #child: ChildProcess;
  readonly #name: string;
  /** Reply lines not yet taken, and the taker waiting for the next one. */
  readonly #lines: string[] = [];
  #waiting: ((line: string | Error) => void) | undefined;
  #exited: Error | undefined;
  /** The script's first reply, sent when it has finished starting (building its data, say). */
  readonly ready: Promise<Record<string, unknown>>;

  /**
   * Starts `script` with `args`: `deno run -A --v8-flags=--expose-gc <script>` in Deno (so the
   * script can call `gc()`), `bun <script>` in Bun. With `runtime: "bun"`, in Bun whichever runtime
   * the parent is (for Node-API baselines, which the index suite runs once per bench run).
   * stderr is the parent's.
   */
  constructor(script: URL, args: string[], name: string, runtime: "current" | "bun" = "current") {
    this.#name = name;
    const path = fileURLToPath(script);
    const deno = runtime === "current" ? (globalThis as unknown as { Deno?: { execPath(): string } }).Deno : undefined;
    const command = deno ? deno.execPath() : runtime === "bun" ? bunExecutable() : process.execPath;
    const argv = deno ? ["run", "-A", "--v8-flags=--expose-gc", path, ...args] : [path, ...args];
    this.#child = spawn(command, argv, { stdio: ["pipe", "pipe", "inherit"] });
    createInterface({ input: this.#child.stdout! }).on("line", (line) => this.#deliver(line));
    this.#child.on("exit", (code, signal) => {
      this.#exited = new Error(`${this.#name}: the child process ended (${signal ?? `exit code ${code}`})`);
      this.#waiting?.(this.#exited);
    });
    this.ready = this.#next();
    this.ready.catch(() => {}); // Handled where it is awaited (request); never an unhandled rejection.
  }

  #deliver(line: string): void {
    const waiting = this.#waiting;
    if (waiting) waiting(line);
    else this.#lines.push(line);
  }

  /** The next reply, parsed; rejects with the child's message, or if it ended. */
  #next(): Promise<Record<string, unknown>> {
    return new Promise<string>((resolve, reject) => {
      const line = this.#lines.shift();
      if (line !== undefined) return resolve(line);
      if (this.#exited) return reject(this.#exited);
      this.#waiting = (next) => {
        this.#waiting = undefined;
        if (next instanceof Error) reject(next);
        else resolve(next);
      };
    }).then((line) => {
      const reply = JSON.parse(line) as ChildReply;
      if (!reply.ok) throw new Error(`${this.#name}: ${reply.message}`);
      return reply;
    });
  }

  /** Sends `request` once the child is ready and resolves with its reply. */
  async request(request: Record<string, unknown>): Promise<Record<string, unknown>> {
    await this.ready;
    if (this.#exited) throw this.#exited;
    this.#child.stdin!.write(`${JSON.stringify(request)}\n`);
    return await this.#next();
  }

  /** Ends the child (SIGKILL: it holds nothing that needs a clean exit). */
  kill(): void {
    if (!this.#exited) this.#child.kill("SIGKILL");
  }
}

/**
 * The child side: answers each JSON line of stdin with `answer`'s result as one JSON line (or the
 * error's message), one at a time. Call it once the script is ready; its first line is `ready`.
 */
export function serveRequests(
  ready: Record<string, unknown>,
  answer: (request: Record<string, unknown>) => Record<string, unknown> | Promise<Record<string, unknown>>,
): void {
  const send = (reply: ChildReply) => process.stdout.write(`${JSON.stringify(reply)}\n`);
  send({ ok: true, ...ready });
  let queue = Promise.resolve();
  const lines = createInterface({ input: process.stdin });
  // The parent closed stdin (it ended, or it is done with this child): end with it.
  lines.on("close", () => queue.then(() => process.exit(0)));
  lines.on("line", (line) => {
    queue = queue.then(async () => {
      try {
        send({ ok: true, ...await answer(JSON.parse(line)) });
      } catch (error) {
        send({ ok: false, message: error instanceof Error ? error.message : String(error) });
      }
    });
  });
}
