/**
 * The Worker of test/profile.test.ts's cross-thread tag test: allocates `count` buffers of `size`
 * bytes under `tag`, reports the tag's live bytes as this Worker reads them, and gives the buffers
 * away (`transfer()`) for the main thread to free.
 *
 * @module
 */
import { type BufferDescriptor, heap, profile } from "../../mod.ts";

/** The command the test posts. */
export interface TagWorkerCommand {
  tag: string;
  count: number;
  size: number;
}

/** What the Worker reports. */
export interface TagWorkerReport {
  descriptors: BufferDescriptor[];
  liveBytesSeen: number;
  error?: string;
}

const self = globalThis as unknown as {
  onmessage: (event: MessageEvent<TagWorkerCommand>) => void;
  postMessage(message: TagWorkerReport): void;
};

self.onmessage = (event) => {
  const { tag, count, size } = event.data;
  const report: TagWorkerReport = { descriptors: [], liveBytesSeen: 0 };
  try {
    const buffers = Array.from({ length: count }, () => heap.alloc(size, { tag }));
    report.liveBytesSeen = profile.byTag()[tag].liveBytes;
    report.descriptors = buffers.map((buffer) => buffer.transfer());
  } catch (error) {
    report.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  self.postMessage(report);
};
