/**
 * What the library can tell about an address or the process, without changing anything: the tier,
 * usable size, backing, NUMA node and policy of an allocation, offheap's resident bytes, and the
 * NUMA nodes. Each checks its argument, makes one native call and turns a negative status into an
 * error with {@linkcode unwrap}. The check-call-unwrap lines are written out in each function rather
 * than in one helper handed the native function: a call site that sees several FFI functions loses
 * the runtimes' fast call (DESIGN.md §3).
 *
 * @module
 */
import { library } from "../ffi/load.ts";
import { expectNumber, unwrap } from "../errors.ts";
import { type Tier, TIERS } from "./stats.ts";
import { NUMA_MODES, type NumaMode } from "./options.ts";

/**
 * What backs an allocation's pages: `"4k"` ordinary pages, `"thp"` an ordinary mapping advised for
 * transparent hugepages (the kernel decides page by page), `"hugetlb-2m"` / `"hugetlb-1g"` reserved
 * hugetlb pages.
 */
export type Backing = "4k" | "thp" | "hugetlb-2m" | "hugetlb-1g";

/** What backs a buffer's pages, in `offheap_backing_of` order. */
export const BACKINGS: readonly Backing[] = ["4k", "thp", "hugetlb-2m", "hugetlb-1g"];

/** The backing of the live allocation at `address`. */
export function backingAt(address: number, action: string): Backing {
  return BACKINGS[unwrap(library().native.offheap_backing_of(address), action, `address ${address}`)];
}

/** `heap.backingOf`: {@linkcode backingAt} with the address checked. */
export function backingOf(address: number): Backing {
  expectNumber("read backing", "address", address);
  return backingAt(address, "read backing");
}

/** `heap.usableSize`. */
export function usableSize(address: number): number {
  expectNumber("read usable size", "address", address);
  return unwrap(library().native.offheap_usable_size(address), "read usable size", `address ${address}`);
}

/** `heap.tierOf`. */
export function tierOf(address: number): Tier {
  expectNumber("read tier", "address", address);
  return TIERS[unwrap(library().native.offheap_tier_of(address), "read tier", `address ${address}`)];
}

/** `heap.nodeOf`. */
export function nodeOf(address: number): number {
  expectNumber("read NUMA node", "address", address);
  return unwrap(library().native.offheap_node_of(address), "read NUMA node", `address ${address}`);
}

/** `heap.policyOf`. */
export function policyOf(address: number): NumaMode {
  expectNumber("read NUMA policy", "address", address);
  return NUMA_MODES[unwrap(library().native.offheap_policy_of(address), "read NUMA policy", `address ${address}`)];
}

/** `heap.residentBytes`. */
export function residentBytes(): number {
  return unwrap(library().native.offheap_resident_bytes(), "read resident bytes", "offheap's mappings");
}

/** `heap.numaNodes`: asks again with a larger array when the machine has more than 64 nodes. */
export function numaNodes(): number[] {
  const { native } = library();
  let out = new Uint32Array(64);
  let count = native.offheap_numa_nodes(out, out.length);
  if (count > out.length) {
    out = new Uint32Array(count);
    count = native.offheap_numa_nodes(out, out.length);
  }
  return Array.from(out.subarray(0, count));
}

/** `heap.currentNode`. */
export function currentNode(): number {
  return library().native.offheap_current_node();
}
