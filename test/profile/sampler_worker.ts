/**
 * The Worker of test/profile_sampler.test.ts: turns sampling on (or leaves it off) in this Worker,
 * makes `count` `heap.alloc(size)` pairs, and reports the samples this Worker took.
 *
 * @module
 */
import { heap, profile } from "../../mod.ts";

/** The command the test posts. */
export interface SamplerWorkerCommand {
  /** 0 leaves sampling off in this Worker. */
  sampleBytes: number;
  seed: number;
  count: number;
  size: number;
}

/** What the Worker reports. */
export interface SamplerWorkerReport {
  samples: number;
  error?: string;
}

const self = globalThis as unknown as {
  onmessage: (event: MessageEvent<SamplerWorkerCommand>) => void;
  postMessage(message: SamplerWorkerReport): void;
};

self.onmessage = (event) => {
  const { sampleBytes, seed, count, size } = event.data;
  const report: SamplerWorkerReport = { samples: 0 };
  try {
    profile.clear();
    if (sampleBytes > 0) profile.start({ sampleBytes, seed });
    for (let i = 0; i < count; i++) heap.alloc(size).free();
    profile.stop();
    report.samples = profile.hotSpots({ limit: 100 }).reduce((sum, spot) => sum + spot.samples, 0);
  } catch (error) {
    report.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  self.postMessage(report);
};
