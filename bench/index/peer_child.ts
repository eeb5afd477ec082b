/**
 * One HNSW peer measured in a process of its own (started by bench/index/peers.ts, under Bun: the
 * peers are Node-API addons and Bun runs this TypeScript as is), so its resident-memory growth is
 * its own: hnswlib-node 3.0.0 or usearch 2.26.2, on the same data set, truth and parameters as
 * offheap (M=16, efConstruction=200, cosine). It prints one JSON line: build times (1 thread; and
 * 2 threads where the peer's API can: usearch's `add(keys, vectors, threads)`; hnswlib-node only
 * adds one point per call), memory (RSS growth after a GC, and the saved index's bytes), the time to
 * open the saved index (usearch `view`, hnswlib `readIndexSync`), and the recall/QPS curve.
 *
 *   bun bench/index/peer_child.ts <hnswlib-node|usearch> '<DatasetSpec JSON>' <reps> <scratch dir>
 *
 * @module
 */
import { readFileSync, rmSync, statSync } from "node:fs";
import process from "node:process";
import { type DatasetSpec, loadDataset } from "./datasets.ts";
import { type CurvePoint, EF_SWEEP, sweep } from "./curve.ts";
import { K, readTruth } from "./truth.ts";
import { INDEX_PARAMETERS } from "./contract.ts";

const { m: M, efConstruction: EF_CONSTRUCTION } = INDEX_PARAMETERS;

/** What the child prints. */
export interface PeerResult {
  peer: string;
  version: string;
  build1Ms: number;
  /** Undefined when the peer's API has no parallel add. */
  build2Ms?: number;
  rssBytes: number;
  fileBytes: number;
  openMs: number;
  curve: CurvePoint[];
}

function collect(): void {
  (globalThis as unknown as { Bun?: { gc(full: boolean): void } }).Bun?.gc(true);
}

function rss(): number {
  collect();
  return process.memoryUsage().rss;
}

function version(name: string): string {
  const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")).version;
}

type Hnswlib = typeof import("hnswlib-node");

async function measureHnswlib(spec: DatasetSpec, reps: number, scratch: string): Promise<PeerResult> {
  const { HierarchicalNSW } = ((await import("hnswlib-node")) as unknown as { default: Hnswlib }).default;
  const data = loadDataset(spec);
  const truth = readTruth(spec)!;
  const before = rss();
  const index = new HierarchicalNSW("cosine", data.dim);
  const started = performance.now();
  index.initIndex({ maxElements: data.rows, m: M, efConstruction: EF_CONSTRUCTION, randomSeed: 100 });
  // Its API takes a plain array per point: the conversion is part of using it (microseconds against
  // the hundreds an insertion takes).
  for (let row = 0; row < data.rows; row++) {
    index.addPoint(Array.from(data.base.subarray(row * data.dim, (row + 1) * data.dim)), row);
  }
  const build1Ms = performance.now() - started;
  const rssBytes = rss() - before;
  const queries = Array.from(
    { length: data.queryCount },
    (_, q) => Array.from(data.queries.subarray(q * data.dim, (q + 1) * data.dim)),
  );
  const curve = sweep(
    (q, ef, out, offset) => {
      if (index.getEf() !== ef) index.setEf(ef);
      const { neighbors } = index.searchKnn(queries[q], K);
      for (let i = 0; i < neighbors.length; i++) out[offset + i] = neighbors[i];
    },
    truth,
    data.queryCount,
    reps,
  );
  const path = `${scratch}/hnswlib.bin`;
  index.writeIndexSync(path);
  const fileBytes = statSync(path).size;
  const opened = performance.now();
  new HierarchicalNSW("cosine", data.dim).readIndexSync(path);
  const openMs = performance.now() - opened;
  rmSync(path, { force: true });
  return { peer: "hnswlib-node", version: version("hnswlib-node"), build1Ms, rssBytes, fileBytes, openMs, curve };
}

type Usearch = typeof import("usearch");

async function measureUsearch(spec: DatasetSpec, reps: number, scratch: string): Promise<PeerResult> {
  const { Index, MetricKind } = (await import("usearch")) as Usearch;
  const data = loadDataset(spec);
  const truth = readTruth(spec)!;
  const keys = BigUint64Array.from({ length: data.rows }, (_, row) => BigInt(row));
  const config = (ef: number) => ({
    dimensions: data.dim,
    metric: MetricKind.Cos,
    connectivity: M,
    expansion_add: EF_CONSTRUCTION,
    expansion_search: ef,
  });
  const make = (ef: number) => new Index(config(ef) as unknown as ConstructorParameters<typeof Index>[0]);
  const before = rss();
  const index = make(64);
  let started = performance.now();
  index.add(keys, data.base, 1);
  const build1Ms = performance.now() - started;
  const rssBytes = rss() - before;
  const path = `${scratch}/usearch.bin`;
  index.save(path);
  const fileBytes = statSync(path).size;
  const parallel = make(64);
  started = performance.now();
  parallel.add(keys, data.base, 2);
  const build2Ms = performance.now() - started;
  if (parallel.size() !== data.rows) throw new Error(`usearch (2 threads) holds ${parallel.size()} of ${data.rows}`);
  // usearch fixes expansion_search when an index is made: one view of the saved index per ef, opened
  // before the sweep so that no open is timed with the searches.
  const byEf = new Map<number, InstanceType<typeof Index>>();
  const openTimes: number[] = [];
  for (const ef of EF_SWEEP) {
    const opened = performance.now();
    const viewed = make(ef);
    viewed.view(path);
    openTimes.push(performance.now() - opened);
    byEf.set(ef, viewed);
  }
  const openMs = openTimes.sort((a, b) => a - b)[openTimes.length >> 1];
  const queries = Array.from(
    { length: data.queryCount },
    (_, q) => data.queries.subarray(q * data.dim, (q + 1) * data.dim),
  );
  const curve = sweep(
    (q, ef, out, offset) => {
      const { keys: found } = byEf.get(ef)!.search(queries[q], K, 1);
      for (let i = 0; i < found.length; i++) out[offset + i] = Number(found[i]);
    },
    truth,
    data.queryCount,
    reps,
  );
  rmSync(path, { force: true });
  return { peer: "usearch", version: version("usearch"), build1Ms, build2Ms, rssBytes, fileBytes, openMs, curve };
}

async function main(): Promise<void> {
  const [peer, specJson, repsText, scratch] = process.argv.slice(2);
  const spec = JSON.parse(specJson) as DatasetSpec;
  if (!readTruth(spec)) throw new Error(`no ground truth cached for ${specJson}`);
  const reps = Number(repsText);
  const result = peer === "hnswlib-node"
    ? await measureHnswlib(spec, reps, scratch)
    : peer === "usearch"
    ? await measureUsearch(spec, reps, scratch)
    : undefined;
  if (!result) throw new RangeError(`peer_child: unknown peer ${peer}`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
