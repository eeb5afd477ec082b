/**
 * Runs bench/index/resident_child.ts for one library and saved index: the resident bytes a second
 * load of the index adds in a fresh Bun process (see that file for why so), or undefined with a
 * note when the child fails.
 *
 * @module
 */
import { BenchChild } from "../lib/child.ts";

/** The libraries resident_child.ts loads. */
export type ResidentLibrary = "offheap" | "hnswlib-node" | "usearch";

/** The resident bytes of one loaded copy of the index saved at `path` (vectors of `dim`). */
export async function residentBytes(
  library: ResidentLibrary,
  path: string,
  dim: number,
  note: (line: string) => void,
): Promise<number | undefined> {
  const script = new URL("./resident_child.ts", import.meta.url);
  const child = new BenchChild(script, [library, path, String(dim)], `${library} resident child`, "bun");
  try {
    const reply = await child.ready;
    const bytes = reply.residentBytes;
    if (typeof bytes !== "number" || !(bytes > 0)) throw new Error(`no growth measured (${bytes})`);
    return bytes;
  } catch (error) {
    note(`index: ${library}'s resident memory not measured: ${error instanceof Error ? error.message : error}`);
    return undefined;
  } finally {
    child.kill();
  }
}
