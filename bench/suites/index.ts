/**
 * The index suite (issue 15, "Benchmarks"): offheap's approximate `VectorIndex` (HNSW) against
 * hnswlib-node 3.0.0 and usearch 2.26.2 on the same data, M=16, efConstruction=200, cosine.
 *
 * - **Data** (bench/index/datasets.ts): GloVe 6B 50-d (bench/index/fetch_glove.sh; a clustered 50-d
 *   set stands in, with a note, when it is absent) and a clustered 768-d set, each with held-out
 *   queries; ground truth from the exact `VectorStore` (bench/index/truth.ts).
 * - **Recall@10 / QPS curves** over ef (bench/index/curve.ts), one query per call on one thread,
 *   for offheap (in this runtime) and for the peers (bench/index/peers.ts: each in a Bun process of
 *   its own, built once per bench run), their timed passes taking turns at each ef; QPS at recall
 *   0.95 interpolated on each curve. Build time with 1 and 2 threads (offheap's `addBatch` with
 *   `threads: 1` and `2`; usearch's `add(…, threads)`; hnswlib-node adds one point per call and has
 *   no parallel add), memory per vector (offheap's `stats().memoryBytes`; every library's saved
 *   index; and, measured alike for all three, the resident bytes a load of the saved index adds in
 *   a fresh Bun process, bench/index/resident_child.ts), all as facts of the "search" cases, whose
 *   mitata subjects time one search at the ef where offheap reaches recall 0.95, against the exact
 *   `VectorStore` search of the same query.
 * - **Open** ("open" chart): `VectorIndex.open(path, { mode: "view" })` of the saved index against
 *   `mode: "load"`.
 * - **Workers** ("workers" chart): the VexFS-style mix (insert, batch insert, search, get, has,
 *   remove, bench/index/index_worker.ts) run by 1 and by 2 Workers on one shared index, its
 *   operations per second and latency percentiles as facts; mitata times a round of 200 searches
 *   per Worker.
 *
 * By default (to keep `npm run bench` under 15 minutes; the peers' 100k builds alone took 1–2 minutes
 * of it): GloVe 50k rows with 500 queries, and a clustered
 * 5k×768 set with 1k queries. `--full`: GloVe's 390k rows with the 10k held-out queries, and 100k×768
 * with 10k queries. `--quick` runs one tiny synthetic case (no download, no peers). A case whose
 * library method is missing is skipped with a printed reason, never measured with a stand-in.
 * The report's index section (bench/report/index_report.ts) draws the curves and judges the targets.
 *
 * @module
 */
import { do_not_optimize } from "mitata";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { loadOffheap, type Offheap } from "../lib/offheap.ts";
import { type Case, OFFHEAP, type Subject, type Suite, type SuiteContext } from "../lib/suite.ts";
import {
  INDEX_PARAMETERS,
  indexOptions,
  type VectorIndexClass,
  vectorIndexClass,
  type VectorIndexLike,
} from "../index/contract.ts";
import {
  type Dataset,
  datasetLabel,
  type DatasetSpec,
  GLOVE_CITATION,
  gloveAvailable,
  loadDataset,
} from "../index/datasets.ts";
import {
  type Contender,
  curveFacts,
  curveFromFacts,
  localContender,
  qpsAtRecall,
  sweepTogether,
  TARGET_RECALL,
} from "../index/curve.ts";
import { type Peers, runIndexPath, startPeers } from "../index/peers.ts";
import { residentBytes, type ResidentLibrary } from "../index/resident.ts";
import { groundTruth, K } from "../index/truth.ts";
import { type MixFixture, runMix, startMix, stopMix } from "../index/workers.ts";

/** Passes per ef point of a curve; the fastest gives the QPS (bench/index/curve.ts). */
const REPS = 3;
/** The seed of every data set (the GloVe shuffle, the clustered generator). */
const SEED = 15;

function specs(full: boolean): DatasetSpec[] {
  const words = full ? { rows: 390_000, queries: 10_000 } : { rows: 50_000, queries: 500 };
  const glove: DatasetSpec = gloveAvailable()
    ? { kind: "glove", ...words, seed: SEED }
    : { kind: "clustered", ...words, dim: 50, clusters: 200, seed: SEED };
  const wide: DatasetSpec = full
    ? { kind: "clustered", rows: 100_000, queries: 10_000, dim: 768, clusters: 100, seed: SEED }
    : { kind: "clustered", rows: 5_000, queries: 1_000, dim: 768, clusters: 100, seed: SEED };
  return [glove, wide];
}

/** The one `--quick` case's data: tiny, synthetic, nothing fetched. */
const QUICK_SPEC: DatasetSpec = { kind: "clustered", rows: 2_000, queries: 100, dim: 32, clusters: 20, seed: SEED };

type Store = InstanceType<Offheap["VectorStore"]>;

/** Everything one data set's cases use, built when the first of them runs. */
interface Fixture {
  data: Dataset;
  /** offheap's index, built on one thread; undefined without a VectorIndex. */
  index?: VectorIndexLike;
  /** The ef at which offheap's curve first reaches the target recall (or the default). */
  ef: number;
  /** The exact store of the same rows: ground truth, and the "search" cases' baseline. */
  store: Store;
  /** A saved copy of the index, for the open cases. */
  savedPath?: string;
}

const owned: {
  fixtures: Map<string, Promise<Fixture>>;
  mix?: Promise<MixFixture>;
  scratch?: string;
} = { fixtures: new Map() };

function scratchFolder(): string {
  owned.scratch ??= mkdtempSync(`${tmpdir()}/offheap-index-bench-`);
  return owned.scratch;
}

/** The build facts kept next to offheap's saved index for the bench run's second runtime. */
const BUILD_FACTS = [`build ms 1 thread ${OFFHEAP}`, `build ms 2 threads ${OFFHEAP}`];

/**
 * offheap's index of `data`, built once per bench run like the peers' (bench/index/peers.ts
 * `runIndexPath`): the first runtime builds (`buildOffheap`) and saves it with its build facts;
 * the second loads that file and reports the same builds, which are native work whichever runtime
 * calls them. `savedPath` is that file, undefined when the runner started alone.
 */
function offheapIndex(
  VectorIndex: VectorIndexClass,
  data: Dataset,
  facts: Record<string, string | number>,
  context: SuiteContext,
): { index: VectorIndexLike; savedPath?: string } {
  const saved = runIndexPath(OFFHEAP, data.spec);
  if (saved?.reused && VectorIndex.open) {
    Object.assign(facts, JSON.parse(readFileSync(`${saved.path}.json`, "utf8")));
    const index = VectorIndex.open(saved.path, { mode: "load" });
    facts[`bytes per vector ${OFFHEAP}`] = index.stats().memoryBytes / data.rows;
    context.note(`index: offheap's ${data.label} index was built by this bench run's first runtime and loaded here`);
    return { index, savedPath: saved.path };
  }
  const index = buildOffheap(VectorIndex, data, facts);
  if (!saved || !index.save) return { index };
  index.save(saved.path);
  writeFileSync(`${saved.path}.json`, JSON.stringify(Object.fromEntries(BUILD_FACTS.map((key) => [key, facts[key]]))));
  return { index, savedPath: saved.path };
}

/**
 * offheap's builds, written to `facts`: `addBatch` of every row with 1 native thread (the index the
 * suite keeps, whose memory is measured) and with 2 (the library's parallel build, then freed).
 */
function buildOffheap(VectorIndex: VectorIndexClass, data: Dataset, facts: Record<string, string | number>) {
  const ids = Float64Array.from({ length: data.rows }, (_, row) => row);
  const build = (threads: number) => {
    // Capacity = the rows, so that memory per vector is not inflated by room reserved for later adds.
    const index = new VectorIndex(indexOptions(data.dim, data.rows));
    const started = performance.now();
    index.addBatch(ids, data.base, { threads });
    facts[`build ms ${threads === 1 ? "1 thread" : `${threads} threads`} ${OFFHEAP}`] = performance.now() - started;
    if (index.size !== data.rows) throw new Error(`the index holds ${index.size} of ${data.rows} rows`);
    return index;
  };
  build(2).free();
  const index = build(1);
  facts[`bytes per vector ${OFFHEAP}`] = index.stats().memoryBytes / data.rows;
  return index;
}

/** offheap's sweep contender: one `search` per query, its ids copied out. */
function offheapContender(index: VectorIndexLike, data: Dataset): Contender {
  const queries = Array.from(
    { length: data.queryCount },
    (_, q) => data.queries.subarray(q * data.dim, (q + 1) * data.dim),
  );
  return localContender(OFFHEAP, data.queryCount, (q, ef, out, offset) => {
    const found = index.search(queries[q], { k: K, ef }).ids;
    for (let i = 0; i < found.length; i++) out[offset + i] = found[i];
  });
}

/** The peers' build facts, written to `facts`. */
function peerFacts(peers: Peers, data: Dataset, facts: Record<string, string | number>): void {
  for (const { facts: peer } of peers.sessions) {
    facts[`build ms 1 thread ${peer.peer}`] = peer.build1Ms;
    if (peer.build2Ms !== undefined) facts[`build ms 2 threads ${peer.peer}`] = peer.build2Ms;
    facts[`file bytes per vector ${peer.peer}`] = peer.fileBytes / data.rows;
    facts[`open ms ${peer.peer}`] = peer.openMs;
    facts[`version ${peer.peer}`] = peer.version;
  }
}

async function buildFixture(
  offheap: Offheap,
  spec: DatasetSpec,
  facts: Record<string, string | number>,
  context: SuiteContext,
): Promise<Fixture> {
  const data = loadDataset(spec);
  Object.assign(facts, { rows: data.rows, queries: data.queryCount, dim: data.dim, k: K, targetRecall: TARGET_RECALL });
  const store = new offheap.VectorStore({ dim: data.dim, metric: "cosine", capacity: data.rows });
  store.addBatch(data.base);
  const truth = groundTruth(offheap, data);
  const quick = context.quick;
  const fixture: Fixture = { data, store, ef: INDEX_PARAMETERS.efSearch };
  const VectorIndex = vectorIndexClass(offheap);
  const built = typeof VectorIndex === "string" ? undefined : offheapIndex(VectorIndex, data, facts, context);
  const index = built?.index;
  // The peers build (or open) after offheap's build, so no build competes with another's.
  const peers = quick ? { sessions: [], close() {} } : await startPeers(spec, context.note);
  try {
    peerFacts(peers, data, facts);
    const contenders = [...(index ? [offheapContender(index, data)] : []), ...peers.sessions.map((p) => p.contender)];
    const curves = await sweepTogether(contenders, truth, data.queryCount, REPS);
    for (const [subject, curve] of curves) Object.assign(facts, curveFacts(subject, curve));
    for (const session of peers.sessions) {
      const peer = session.facts.peer as ResidentLibrary;
      const bytes = await residentBytes(peer, session.path, data.dim, context.note);
      if (bytes !== undefined) facts[`resident bytes per vector ${peer}`] = bytes / data.rows;
    }
  } finally {
    peers.close();
  }
  if (!index || typeof VectorIndex === "string") return fixture;
  fixture.index = index;
  const curve = curveFromFacts(facts, OFFHEAP);
  fixture.ef = curve.find((point) => point.recall >= TARGET_RECALL)?.ef ?? curve[curve.length - 1].ef;
  facts.ef = fixture.ef;
  if (qpsAtRecall(curve) === undefined) {
    context.note(`index: offheap never reaches recall ${TARGET_RECALL} on ${data.label}`);
  }
  if (index.save && VectorIndex.open) {
    // The file this bench run's runtimes share, when there is one (its resident memory is then
    // measured once); else a copy saved here.
    fixture.savedPath = built?.savedPath;
    if (fixture.savedPath === undefined) {
      fixture.savedPath = `${scratchFolder()}/${data.label.replace(/[^a-z0-9]+/gi, "-")}.index`;
      index.save(fixture.savedPath);
    }
    facts[`file bytes per vector ${OFFHEAP}`] = statSync(fixture.savedPath).size / data.rows;
    if (!quick) {
      const bytes = await residentBytes(OFFHEAP, fixture.savedPath, data.dim, context.note);
      if (bytes !== undefined) facts[`resident bytes per vector ${OFFHEAP}`] = bytes / data.rows;
    }
  } else context.note(`index: offheap's VectorIndex has no save/open yet, so the open cases are skipped`);
  return fixture;
}

function fixtureOf(offheap: Offheap, spec: DatasetSpec, facts: Record<string, string | number>, context: SuiteContext) {
  const key = JSON.stringify(spec);
  let found = owned.fixtures.get(key);
  if (!found) {
    found = buildFixture(offheap, spec, facts, context);
    owned.fixtures.set(key, found);
  }
  return found;
}

/** One search per call, cycling through the queries. */
function searcher(data: Dataset, search: (query: Float32Array) => unknown): () => unknown {
  const queries = Array.from(
    { length: data.queryCount },
    (_, q) => data.queries.subarray(q * data.dim, (q + 1) * data.dim),
  );
  let next = 0;
  return () => do_not_optimize(search(queries[next++ % queries.length]));
}

function searchCase(offheap: Offheap, spec: DatasetSpec, context: SuiteContext, quick: boolean): Case {
  const facts: Record<string, string | number> = {};
  const hasIndex = typeof vectorIndexClass(offheap) !== "string";
  const subject = (name: string, pick: (fixture: Fixture) => () => unknown): Subject => ({
    name,
    fn: async function* () {
      yield pick(await fixtureOf(offheap, spec, facts, context));
    },
  });
  // Without a VectorIndex the case still runs the peers, against offheap's exact search alone.
  const subjects = hasIndex
    ? [
      subject(OFFHEAP, (f) => searcher(f.data, (query) => f.index!.search(query, { k: K, ef: f.ef }))),
      subject("exact VectorStore", (f) => searcher(f.data, (query) => f.store.search(query, { k: K }))),
    ]
    : [subject(`${OFFHEAP} exact VectorStore`, (f) => searcher(f.data, (query) => f.store.search(query, { k: K })))];
  const label = datasetLabel(spec);
  return { name: `search ${label}`, chart: "search", label, quick, subjects, facts };
}

function openCase(offheap: Offheap, spec: DatasetSpec, context: SuiteContext): Case {
  const facts: Record<string, string | number> = {};
  const VectorIndex = vectorIndexClass(offheap) as VectorIndexClass;
  const subject = (name: string, mode: "view" | "load"): Subject => ({
    name,
    fn: async function* () {
      const fixture = await fixtureOf(offheap, spec, {}, context);
      if (!fixture.savedPath) throw new Error("the index was not saved");
      const path = fixture.savedPath;
      yield () => VectorIndex.open!(path, { mode }).free();
    },
  });
  const label = datasetLabel(spec);
  return {
    name: `open ${label}`,
    chart: "open",
    label,
    quick: false,
    subjects: [subject(`${OFFHEAP} view`, "view"), subject(`${OFFHEAP} load`, "load")],
    facts,
  };
}

function workerCases(offheap: Offheap, spec: DatasetSpec, context: SuiteContext): Case[] {
  return [1, 2].map((workers): Case => {
    const facts: Record<string, string | number> = { workers };
    const subject: Subject = {
      name: OFFHEAP,
      fn: async function* () {
        const fixture = await fixtureOf(offheap, spec, {}, context);
        owned.mix ??= startMix(offheap, fixture.index!, fixture.data, context.full);
        const mix = await owned.mix;
        Object.assign(facts, await runMix(mix, workers));
        yield async () => {
          await mix.searchRound(workers);
        };
      },
    };
    const label = `${workers} Worker${workers > 1 ? "s" : ""}`;
    return { name: `mix ${label}`, chart: "workers", label, quick: false, subjects: [subject], facts };
  });
}

function indexCapabilities(offheap: Offheap): { open: boolean; share: boolean } {
  const VectorIndex = vectorIndexClass(offheap);
  if (typeof VectorIndex === "string") return { open: false, share: false };
  const methods = VectorIndex.prototype as unknown as Record<string, unknown>;
  const open = typeof VectorIndex.open === "function";
  return { open: open && typeof methods.save === "function", share: open && typeof methods.share === "function" };
}

const suite: Suite = {
  name: "index",
  measures: "offheap's VectorIndex (HNSW, M=16, efConstruction=200, cosine) against hnswlib-node and usearch on " +
    "GloVe 6B 50-d and a clustered 768-d set: recall@10/QPS curves over ef, build time on 1 and 2 threads, memory " +
    "per vector, opening a saved index, and a VexFS-style operation mix from 1 and 2 Workers",
  charts: {
    search: {
      title: `one top-${K} search at the ef where offheap reaches recall@${K} ${TARGET_RECALL}, vs the exact scan`,
      categoryAxis: "data set",
      note: GLOVE_CITATION,
    },
    open: { title: "opening a saved index: mapped (view) vs read (load)", categoryAxis: "data set" },
    workers: { title: "a round of 200 searches per Worker on one shared index", categoryAxis: "Workers" },
  },
  async cases(context) {
    const offheap = await loadOffheap();
    if (typeof offheap === "string") return offheap;
    const missing = vectorIndexClass(offheap);
    if (typeof missing === "string") context.note(`index: ${missing}; only the exact search (and the peers) run`);
    if (context.quick) {
      context.note(
        `index: --quick measures one synthetic ${datasetLabel(QUICK_SPEC)} case; GloVe is neither fetched nor read`,
      );
      return [searchCase(offheap, QUICK_SPEC, context, true)];
    }
    if (!gloveAvailable()) {
      context.note(
        "index: the GloVe vectors are not in bench/.data/glove (bash bench/index/fetch_glove.sh fetches " +
          "them); a clustered 50-d set stands in",
      );
    }
    const [glove, wide] = specs(context.full);
    const cases = [searchCase(offheap, glove, context, false), searchCase(offheap, wide, context, false)];
    const can = indexCapabilities(offheap);
    if (typeof missing !== "string") {
      if (can.open) cases.push(openCase(offheap, glove, context));
      else context.note("index: VectorIndex has no save/open yet: the open case is skipped");
      if (can.share) cases.push(...workerCases(offheap, glove, context));
      else context.note("index: VectorIndex has no share/open(descriptor) yet: the Worker cases are skipped");
      if (typeof (missing.prototype as unknown as Record<string, unknown>).get !== "function") {
        context.note("index: VectorIndex has no get(id), so the mix's get operation is not measured");
      }
    }
    return cases;
  },
  async dispose() {
    const mix = await owned.mix?.catch(() => undefined);
    if (mix) await stopMix(mix);
    owned.mix = undefined;
    for (const pending of owned.fixtures.values()) {
      const fixture = await pending.catch(() => undefined);
      fixture?.index?.free();
      fixture?.store.free();
    }
    owned.fixtures.clear();
    if (owned.scratch) rmSync(owned.scratch, { recursive: true, force: true });
    owned.scratch = undefined;
  },
};

export default suite;
