/**
 * A Worker that opens a shared VectorIndex from its descriptor and either searches it (replying
 * with every result) or adds a slice of vectors to it, for test/vector_index.test.ts.
 *
 * @module
 */
import { VectorIndex, type VectorIndexDescriptor } from "../../mod.ts";

/** What the test posts. */
export type IndexCommand =
  | { op: "search"; descriptor: VectorIndexDescriptor; queries: Float32Array; k: number; rounds: number }
  | { op: "add"; descriptor: VectorIndexDescriptor; ids: Float64Array; rows: Float32Array; chunk: number };

/** What the Worker replies. */
export type IndexReply = { ok: true; ids?: number[][] } | { ok: false; message: string };

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<IndexCommand>) => void) | null;
  postMessage(message: IndexReply): void;
};

function run(command: IndexCommand): IndexReply {
  // The reference is dropped before the reply goes out: the test may end this Worker on receipt.
  using index = VectorIndex.open(command.descriptor);
  const dim = index.dim;
  if (command.op === "search") {
    let ids: number[][] = [];
    for (let round = 0; round < command.rounds; round++) {
      ids = [];
      for (let start = 0; start < command.queries.length; start += dim) {
        ids.push([...index.search(command.queries.subarray(start, start + dim), { k: command.k }).ids]);
      }
    }
    return { ok: true, ids };
  }
  for (let start = 0; start < command.ids.length; start += command.chunk) {
    const end = Math.min(start + command.chunk, command.ids.length);
    index.addBatch(command.ids.subarray(start, end), command.rows.subarray(start * dim, end * dim));
  }
  return { ok: true };
}

scope.onmessage = (event) => {
  let reply: IndexReply;
  try {
    reply = run(event.data);
  } catch (error) {
    reply = { ok: false, message: String(error) };
  }
  scope.postMessage(reply);
};
