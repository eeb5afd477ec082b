/**
 * The main-thread side of test_worker.ts: starts it, sends one command at a time, and awaits the
 * reply.
 *
 * @module
 */
import type { Command } from "./test_worker.ts";
import type { Block } from "./slots.ts";
import { startWorker } from "./runtime.ts";

/** A reply of test_worker.ts. */
export type Reply = { ok: true; blocks?: Block[]; corrupt?: number } | { ok: false; code: string; message: string };

/** One test Worker. */
export class TestWorker {
  readonly worker: Worker;

  /** Starts a Worker running test_worker.ts. */
  constructor() {
    this.worker = startWorker(new URL("./test_worker.ts", import.meta.url));
  }

  /** Sends `command` and resolves with the reply (rejects if the Worker fails). */
  send(command: Command): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.worker.onmessage = (event: MessageEvent<Reply>) => resolve(event.data);
      this.worker.onerror = (event: Event) => reject(new Error((event as ErrorEvent).message));
      this.worker.postMessage(command);
    });
  }

  /** Sends `command` and returns the reply's blocks, throwing on a failed reply. */
  async blocks(command: Command): Promise<Block[]> {
    const reply = await this.send(command);
    if (!reply.ok) throw new Error(`Worker failed ${command.op}: ${reply.code} ${reply.message}`);
    return reply.blocks ?? [];
  }

  /** Ends the Worker. */
  terminate(): void {
    this.worker.terminate();
  }
}
