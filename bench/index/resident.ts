/**
 * Runs bench/index/resident_child.ts for one library and saved index: the resident bytes a second
 * load of the index adds in a fresh Bun process (see that file for why so), or undefined with a
 * note when the child fails. The figure is kept next to the file (`<path>.resident.json`), so a
 * saved index shared by the bench run's two runtimes is measured once.
 *
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
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
  // Measured once per saved file: the bench run's second runtime reads the first one's figure
  // (the child is a Bun process either way).
  const kept = `${path}.resident.json`;
  if (existsSync(kept)) return JSON.parse(readFileSync(kept, "utf8")).residentBytes;
  const script = new URL("./resident_child.ts", import.meta.url);
  const child = new BenchChild(script, [library, path, String(dim)], `${library} resident child`, "bun");
  try {
    const reply = await child.ready;
    const bytes = reply.residentBytes;
    if (typeof bytes !== "number" || !(bytes > 0)) throw new Error(`no growth measured (${bytes})`);
    writeFileSync(kept, JSON.stringify({ residentBytes: bytes }));
    return bytes;
  } catch (error) {
    note(`index: ${library}'s resident memory not measured: ${error instanceof Error ? error.message : error}`);
    return undefined;
  } finally {
    child.kill();
  }
}
