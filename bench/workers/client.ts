/**
 * The main-thread end of a benchmark Worker (bench_worker.ts, cache_worker.ts): one request at a
 * time, answered with a {@linkcode Reply}.
 *
 * @module
 */
import { startWorker } from "../../test/workers/runtime.ts";
import type { Reply } from "./bench_protocol.ts";

/** One benchmark Worker, started from `url`, taking requests of type `R`. */
export class BenchWorker<R extends { op: string }> {
  readonly #worker: Worker;

  constructor(url: URL) {
    this.#worker = startWorker(url);
  }

  /** Sends `request`, resolves with the Worker's checksum, rejects with its error. */
  request(request: R): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#worker.onmessage = (event: MessageEvent<Reply>) => {
        const reply = event.data;
        if (reply.ok) resolve(reply.checksum);
        else reject(new Error(`bench worker ${request.op}: ${reply.message}`));
      };
      this.#worker.onerror = (event: Event) => {
        event.preventDefault();
        reject(new Error(`bench worker ${request.op}: ${(event as ErrorEvent).message}`));
      };
      this.#worker.postMessage(request);
    });
  }

  terminate(): void {
    this.#worker.terminate();
  }
}
