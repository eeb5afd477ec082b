/**
 * The Worker behind `ParallelSearch`: opens the library the main thread opened (its path comes in
 * the first message), then answers slice requests with one native top-k call over the shared
 * off-heap rows, ids shifted to whole-matrix rows.
 *
 * @module
 */
import { loadLibrary } from "../src/ffi/load.ts";
import type { SliceReply, SliceRequest } from "../src/vector_store/parallel_search.ts";
import type { Metric } from "../src/vectors/elements.ts";
import { vectors } from "../src/vectors/vectors.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
}

const scope = globalThis as unknown as WorkerScope;

function scan(request: SliceRequest): SliceReply {
  const { ids, scores } = vectors.topK(request.query, { address: request.address }, request.k, {
    metric: request.metric as Metric,
    stride: request.stride,
    rows: request.rows,
  });
  for (let index = 0; index < ids.length; index++) ids[index] += request.start;
  return { id: request.id, ids, scores };
}

scope.onmessage = (event: MessageEvent) => {
  try {
    loadLibrary({ path: (event.data as { path?: string }).path });
    scope.postMessage({ ready: true });
  } catch (error) {
    scope.postMessage({ error: String(error) });
    return;
  }
  scope.onmessage = (message: MessageEvent) => {
    const request = message.data as SliceRequest;
    let reply: SliceReply;
    try {
      reply = scan(request);
    } catch (error) {
      reply = { id: request.id, error: String(error) };
    }
    scope.postMessage(reply, reply.ids ? [reply.ids.buffer as ArrayBuffer, reply.scores!.buffer as ArrayBuffer] : []);
  };
};
