/**
 * What a saved HNSW index costs in memory once loaded, measured the same way for every library: a
 * fresh Bun process imports the library and loads the saved index whole into memory once (offheap
 * `VectorIndex.open(path, { mode: "load" })`, hnswlib-node `readIndexSync`, usearch `load`), which
 * pays what a library sets up once per process; then it notes its resident set, loads the index a
 * second time, and notes the growth. That growth is what each index costs: its arrays, lookup
 * tables and locks, and its allocator's rounding (offheap's hugepage-backed arrays round up to
 * 2 MiB), as they are for a user; a mapped view would count only the pages it touched, so none is
 * used. Its one reply line carries `residentBytes`.
 *
 *   bun bench/index/resident_child.ts <offheap|hnswlib-node|usearch> <index path> <dim>
 *
 * @module
 */
import process from "node:process";
import { serveRequests } from "../lib/child.ts";

/** The resident set now, after a full collection so the JS heap's garbage does not count. */
function residentBytes(): number {
  (globalThis as unknown as { Bun?: { gc(full: boolean): void } }).Bun?.gc(true);
  return process.memoryUsage().rss;
}

/** Loads the saved index at `path` with `library`; returns the loaded index. */
async function load(library: string, path: string, dim: number): Promise<unknown> {
  if (library === "offheap") {
    const { VectorIndex } = await import("../../mod.ts");
    return VectorIndex.open(path, { mode: "load" });
  }
  if (library === "hnswlib-node") {
    const { HierarchicalNSW } = ((await import("hnswlib-node")) as unknown as {
      default: typeof import("hnswlib-node");
    }).default;
    const index = new HierarchicalNSW("cosine", dim);
    index.readIndexSync(path);
    return index;
  }
  if (library === "usearch") {
    const { Index, MetricKind } = await import("usearch");
    const index = new Index(
      { dimensions: dim, metric: MetricKind.Cos } as unknown as ConstructorParameters<typeof Index>[0],
    );
    index.load(path);
    return index;
  }
  throw new RangeError(`resident_child: unknown library ${library}`);
}

const [library, path, dimText] = process.argv.slice(2);
const dim = Number(dimText);
const first = await load(library, path, dim);
const before = residentBytes();
const second = await load(library, path, dim);
const growth = residentBytes() - before;
serveRequests({ residentBytes: growth, loaded: first !== undefined && second !== undefined }, () => ({}));
