/**
 * The Worker end of a benchmark Worker (bench_worker.ts, cache_worker.ts): answers each message
 * with `run`'s checksum, or the error's text, one at a time as they come.
 *
 * @module
 */
import type { Reply } from "./bench_protocol.ts";

/** Installs the Worker's message handler. */
export function serveMessages<R>(run: (request: R) => number | Promise<number>): void {
  const scope = globalThis as unknown as {
    onmessage: ((event: MessageEvent<R>) => void) | null;
    postMessage(message: Reply): void;
  };
  scope.onmessage = async (event) => {
    try {
      scope.postMessage({ ok: true, checksum: await run(event.data) });
    } catch (error) {
      scope.postMessage({ ok: false, message: String(error) });
    }
  };
}
