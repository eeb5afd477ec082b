/**
 * One HNSW peer, hnswlib-node 3.0.0 or usearch 2.26.2, in a Bun process of its own (started by
 * bench/index/peers.ts: the peers are Node-API addons, and Bun runs this TypeScript as is), on the
 * same data set and parameters as offheap (M=16, efConstruction=200, cosine).
 *
 * Starting, it builds the index (timed on 1 thread; usearch also on 2 with its `add(…, threads)`;
 * hnswlib-node adds one point per call and has no parallel add), saves it, and notes the build
 * times, the saved bytes and the time to open the saved index (usearch `view`, hnswlib-node
 * `readIndexSync`) next to it, in `<index path>.json`. When those files are already there (the
 * bench run's first runtime made them) it opens the saved index instead, so the peers are built
 * once per bench run. Its first line carries those facts; then it answers timed passes over the
 * queries, which the suite interleaves with offheap's (bench/index/curve.ts).
 *
 *   bun bench/index/peer_child.ts <hnswlib-node|usearch> '<DatasetSpec JSON>' <index path>
 *
 * @module
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import process from "node:process";
import { serveRequests } from "../lib/child.ts";
import { type DatasetSpec, loadDataset } from "./datasets.ts";
import { INDEX_PARAMETERS } from "./contract.ts";
import { K } from "./truth.ts";
import type { PassReply, PassRequest } from "./curve.ts";

const { m: M, efConstruction: EF_CONSTRUCTION } = INDEX_PARAMETERS;

/** What a peer's build left, kept next to its saved index. */
export interface PeerFacts {
  peer: string;
  version: string;
  build1Ms: number;
  /** Undefined when the peer's API has no parallel add. */
  build2Ms?: number;
  fileBytes: number;
  openMs: number;
}

/** Searches queries [0, count) `rounds` times at `ef`; writes the last round's answers to `out`. */
type Pass = (ef: number, rounds: number, out: Float64Array) => void;

function version(name: string): string {
  const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")).version;
}

function timed(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

type Hnswlib = typeof import("hnswlib-node");

async function hnswlibPeer(spec: DatasetSpec, path: string): Promise<{ facts: PeerFacts; pass: Pass }> {
  const { HierarchicalNSW } = ((await import("hnswlib-node")) as unknown as { default: Hnswlib }).default;
  const data = loadDataset(spec);
  let facts: PeerFacts;
  let index = new HierarchicalNSW("cosine", data.dim);
  if (existsSync(path) && existsSync(`${path}.json`)) {
    facts = JSON.parse(readFileSync(`${path}.json`, "utf8"));
    index.readIndexSync(path);
  } else {
    // Its API takes a plain array per point: the conversion is part of using it (microseconds
    // against the hundreds an insertion takes).
    const build1Ms = timed(() => {
      index.initIndex({ maxElements: data.rows, m: M, efConstruction: EF_CONSTRUCTION, randomSeed: 100 });
      for (let row = 0; row < data.rows; row++) {
        index.addPoint(Array.from(data.base.subarray(row * data.dim, (row + 1) * data.dim)), row);
      }
    });
    index.writeIndexSync(path);
    index = new HierarchicalNSW("cosine", data.dim);
    const openMs = timed(() => index.readIndexSync(path));
    facts = {
      peer: "hnswlib-node",
      version: version("hnswlib-node"),
      build1Ms,
      fileBytes: statSync(path).size,
      openMs,
    };
  }
  const queries = Array.from(
    { length: data.queryCount },
    (_, q) => Array.from(data.queries.subarray(q * data.dim, (q + 1) * data.dim)),
  );
  const pass: Pass = (ef, rounds, out) => {
    index.setEf(ef);
    for (let round = 0; round < rounds; round++) {
      for (let q = 0; q < queries.length; q++) {
        const { neighbors } = index.searchKnn(queries[q], K);
        for (let i = 0; i < neighbors.length; i++) out[q * K + i] = neighbors[i];
      }
    }
  };
  return { facts, pass };
}

type Usearch = typeof import("usearch");

async function usearchPeer(spec: DatasetSpec, path: string): Promise<{ facts: PeerFacts; pass: Pass }> {
  const { Index, MetricKind } = (await import("usearch")) as Usearch;
  const data = loadDataset(spec);
  const make = (ef: number) =>
    new Index(
      {
        dimensions: data.dim,
        metric: MetricKind.Cos,
        connectivity: M,
        expansion_add: EF_CONSTRUCTION,
        expansion_search: ef,
      } as unknown as ConstructorParameters<typeof Index>[0],
    );
  let facts: PeerFacts;
  if (existsSync(path) && existsSync(`${path}.json`)) {
    facts = JSON.parse(readFileSync(`${path}.json`, "utf8"));
  } else {
    const keys = BigUint64Array.from({ length: data.rows }, (_, row) => BigInt(row));
    const index = make(64);
    const build1Ms = timed(() => index.add(keys, data.base, 1));
    index.save(path);
    const parallel = make(64);
    const build2Ms = timed(() => parallel.add(keys, data.base, 2));
    if (parallel.size() !== data.rows) throw new Error(`usearch (2 threads) holds ${parallel.size()} of ${data.rows}`);
    const openMs = timed(() => make(64).view(path));
    facts = {
      peer: "usearch",
      version: version("usearch"),
      build1Ms,
      build2Ms,
      fileBytes: statSync(path).size,
      openMs,
    };
  }
  // usearch fixes expansion_search when an index is made: one view of the saved index per ef,
  // opened before its first timed pass.
  const byEf = new Map<number, InstanceType<typeof Index>>();
  const queries = Array.from(
    { length: data.queryCount },
    (_, q) => data.queries.subarray(q * data.dim, (q + 1) * data.dim),
  );
  const pass: Pass = (ef, rounds, out) => {
    let index = byEf.get(ef);
    if (!index) {
      index = make(ef);
      index.view(path);
      byEf.set(ef, index);
    }
    for (let round = 0; round < rounds; round++) {
      for (let q = 0; q < queries.length; q++) {
        const { keys } = index.search(queries[q], K, 1);
        for (let i = 0; i < keys.length; i++) out[q * K + i] = Number(keys[i]);
      }
    }
  };
  return { facts, pass };
}

async function main(): Promise<void> {
  const [peer, specJson, path] = process.argv.slice(2);
  const spec = JSON.parse(specJson) as DatasetSpec;
  const made = peer === "hnswlib-node"
    ? await hnswlibPeer(spec, path)
    : peer === "usearch"
    ? await usearchPeer(spec, path)
    : undefined;
  if (!made) throw new RangeError(`peer_child: unknown peer ${peer}`);
  if (!existsSync(`${path}.json`)) writeFileSync(`${path}.json`, JSON.stringify(made.facts));
  const out = new Float64Array(spec.queries * K);
  serveRequests({ ...made.facts }, (request) => {
    const { ef, rounds, answers } = request as unknown as PassRequest;
    out.fill(-1);
    // A first untimed query opens what the ef needs (usearch's view) outside the timing.
    made.pass(ef, 0, out);
    const started = performance.now();
    made.pass(ef, rounds, out);
    const reply: PassReply = { ms: performance.now() - started };
    if (answers) reply.ids = Array.from(out);
    return reply as unknown as Record<string, unknown>;
  });
}

await main();
