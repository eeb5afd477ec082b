/**
 * Starts the HNSW peers (hnswlib-node, usearch) on a data set, each in a Bun process of its own
 * (bench/index/peer_child.ts), as contenders of the suite's interleaved recall/QPS sweep. Their
 * builds (and offheap's: {@linkcode runIndexPath}) happen once per bench run: bench/run.sh names
 * the run in OFFHEAP_BENCH_RUN, the first runtime's peers save their indexes and build facts in
 * bench/.data/peers/, and the second runtime's peers open those (what earlier runs left there is
 * removed). Without OFFHEAP_BENCH_RUN (the runner started alone) they build into a temporary
 * folder every time.
 *
 * @module
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { BenchChild } from "../lib/child.ts";
import { environmentVariable, repositoryRoot } from "../lib/runtime.ts";
import type { Contender, PassReply } from "./curve.ts";
import { datasetKey, type DatasetSpec } from "./datasets.ts";
import type { PeerFacts } from "./peer_child.ts";

/** The peers, in the order they start. */
export const PEERS = ["hnswlib-node", "usearch"] as const;

/** A running peer: its build facts and its sweep contender. */
export interface PeerSession {
  facts: PeerFacts;
  /** Its saved index (removed when the peers close, if the folder is temporary). */
  path: string;
  /** Whether the index was built by this bench run's first runtime and opened here. */
  reused: boolean;
  contender: Contender;
}

/** The running peers, and how to end them all. */
export interface Peers {
  sessions: PeerSession[];
  close(): void;
}

/** Where a peer's saved index goes, and what to remove once the peers are done. */
function indexFolder(): { folder: string; prefix: string; temporary: boolean } {
  const run = environmentVariable("OFFHEAP_BENCH_RUN");
  if (!run) return { folder: mkdtempSync(`${tmpdir()}/offheap-index-peer-`), prefix: "", temporary: true };
  const folder = `${repositoryRoot()}/bench/.data/peers`;
  mkdirSync(folder, { recursive: true });
  for (const name of readdirSync(folder)) if (!name.startsWith(`${run}-`)) rmSync(`${folder}/${name}`, { force: true });
  return { folder, prefix: `${run}-`, temporary: false };
}

/**
 * Where this bench run keeps a library's saved index of `spec` across its runtimes, and whether the
 * first runtime already left it (with its facts in `<path>.json`); undefined when the runner
 * started alone (no OFFHEAP_BENCH_RUN), so every runtime builds for itself.
 */
export function runIndexPath(library: string, spec: DatasetSpec): { path: string; reused: boolean } | undefined {
  if (!environmentVariable("OFFHEAP_BENCH_RUN")) return undefined;
  const { folder, prefix } = indexFolder();
  const path = `${folder}/${prefix}${library}-${datasetKey(spec)}.index`;
  return { path, reused: existsSync(path) && existsSync(`${path}.json`) };
}

/**
 * Starts every peer on `spec` (building or opening its index) and waits until each is ready; a peer
 * that fails is left out, with a note saying why.
 */
export async function startPeers(spec: DatasetSpec, note: (line: string) => void): Promise<Peers> {
  const { folder, prefix, temporary } = indexFolder();
  const script = new URL("./peer_child.ts", import.meta.url);
  const sessions: PeerSession[] = [];
  const children: BenchChild[] = [];
  for (const peer of PEERS) {
    const path = `${folder}/${prefix}${peer}-${datasetKey(spec)}.index`;
    const reused = existsSync(`${path}.json`);
    const child = new BenchChild(script, [peer, JSON.stringify(spec), path], `${peer} child`, "bun");
    children.push(child);
    try {
      const facts = (await child.ready) as unknown as PeerFacts;
      sessions.push({
        facts,
        path,
        reused,
        contender: {
          name: peer,
          pass: async (request) => (await child.request({ ...request })) as unknown as PassReply,
        },
      });
    } catch (error) {
      note(`index: ${peer} not measured on ${datasetKey(spec)}: ${error instanceof Error ? error.message : error}`);
    }
  }
  return {
    sessions,
    close() {
      for (const child of children) child.kill();
      if (temporary) rmSync(folder, { recursive: true, force: true });
    },
  };
}
