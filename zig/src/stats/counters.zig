//! Allocation counters. Each thread heap owns one `Counters` and is its only writer, so counting
//! costs a plain load and store on the hot path (no lock, no atomic read-modify-write); readers
//! merge every heap's counters on demand. Counters only grow, so a merged read taken while other
//! threads allocate is a consistent-enough snapshot: each counter is exact, their sum is momentary.
//!
//! The mapped and huge tiers also keep process-wide atomics (mapped, live and peak bytes, bytes per
//! NUMA node): their paths already take a lock or make a syscall, so an atomic costs nothing there,
//! and it makes their peaks exact. The small and medium peaks are high-water marks of the merged
//! live bytes seen at each read: an exact peak would need a shared atomic on the 3 ns hot path.
const std = @import("std");
const os = @import("../os/os.zig");
const huge = @import("../alloc/huge.zig");
const numa = @import("../alloc/numa.zig");
const region_cache = @import("../alloc/region_cache.zig");

pub const Tier = enum(u8) { small = 0, medium = 1, mapped = 2, huge = 3 };
pub const tier_count = 4;

/// A counter written by one thread and read by any.
pub const Counter = struct {
    value: std.atomic.Value(u64) = .init(0),

    pub inline fn add(counter: *Counter, amount: u64) void {
        counter.value.store(counter.value.load(.monotonic) + amount, .monotonic);
    }

    /// For gauges (values that also shrink), such as a heap's stashed bytes.
    pub inline fn set(counter: *Counter, value: u64) void {
        counter.value.store(value, .monotonic);
    }

    pub inline fn read(counter: *const Counter) u64 {
        return counter.value.load(.monotonic);
    }
};

pub const TierCounters = struct {
    allocs: Counter = .{},
    frees: Counter = .{},
    bytes_allocated: Counter = .{},
    bytes_freed: Counter = .{},
    cache_hits: Counter = .{},
    cache_misses: Counter = .{},
};

pub const Counters = struct {
    tiers: [tier_count]TierCounters = @splat(.{}),
    /// The heap's region stash (region_stash.zig): a gauge of its size, and the allocations it
    /// served (each also counted as a mapped-tier cache hit).
    stashed_bytes: Counter = .{},
    stashed_regions: Counter = .{},
    stash_hits: Counter = .{},

    pub inline fn countAlloc(counters: *Counters, tier: Tier, bytes: usize) void {
        const entry = &counters.tiers[@backingInt(tier)];
        entry.allocs.add(1);
        entry.bytes_allocated.add(bytes);
    }

    pub inline fn countFree(counters: *Counters, tier: Tier, bytes: usize) void {
        const entry = &counters.tiers[@backingInt(tier)];
        entry.frees.add(1);
        entry.bytes_freed.add(bytes);
    }

    pub inline fn countCache(counters: *Counters, tier: Tier, hit: bool) void {
        const entry = &counters.tiers[@backingInt(tier)];
        if (hit) entry.cache_hits.add(1) else entry.cache_misses.add(1);
    }
};

/// Process-wide byte counts of a region tier (mapped or huge).
pub const RegionTier = struct {
    mapped_bytes: std.atomic.Value(u64) = .init(0),
};

/// Nodes whose bytes are reported one by one; regions on higher nodes are counted in the last.
pub const node_stats_max = 8;

pub var region_tiers: [tier_count]RegionTier = @splat(.{});
pub var node_bytes: [node_stats_max]std.atomic.Value(u64) = @splat(.init(0));
pub var interleaved_bytes: std.atomic.Value(u64) = .init(0);
var sampled_peak_bytes: [tier_count]std.atomic.Value(u64) = @splat(.init(0));

fn nodeCounter(node: i32) *std.atomic.Value(u64) {
    if (node < 0) return &interleaved_bytes;
    return &node_bytes[@min(@as(usize, @intCast(node)), node_stats_max - 1)];
}

pub fn regionMapped(tier: Tier, node: i32, bytes: u64) void {
    _ = region_tiers[@backingInt(tier)].mapped_bytes.fetchAdd(bytes, .monotonic);
    _ = global.region_bytes_mapped.fetchAdd(bytes, .monotonic);
    _ = nodeCounter(node).fetchAdd(bytes, .monotonic);
}

pub fn regionUnmapped(tier: Tier, node: i32, bytes: u64) void {
    _ = region_tiers[@backingInt(tier)].mapped_bytes.fetchSub(bytes, .monotonic);
    _ = global.region_bytes_mapped.fetchSub(bytes, .monotonic);
    _ = nodeCounter(node).fetchSub(bytes, .monotonic);
}

/// Process-wide counters for slow-path events (segment and region mappings). Rare, so atomic.
pub const Global = struct {
    segments_mapped: std.atomic.Value(u64) = .init(0),
    segment_bytes_mapped: std.atomic.Value(u64) = .init(0),
    region_bytes_mapped: std.atomic.Value(u64) = .init(0),
    thread_heaps: std.atomic.Value(u64) = .init(0),
};

pub var global: Global = .{};

/// The flat layout written by `offheap_stats`, one f64 per field. Tier fields repeat per tier in
/// `Tier` order, then the global fields follow. The TypeScript side reads it by these names, so only
/// ever append.
pub const tier_fields = [_][]const u8{ "allocs", "frees", "liveBytes", "bytesAllocated", "bytesFreed" };
pub const global_fields = [_][]const u8{ "segmentsMapped", "segmentBytesMapped", "regionBytesMapped", "threadHeaps" };
pub const base_field_count = tier_count * tier_fields.len + global_fields.len;
/// Appended in ABI 2: a second per-tier block, then more process-wide fields.
pub const tier_fields_2 = [_][]const u8{ "peakBytes", "mappedBytes", "cacheHits", "cacheMisses", "bytesPurged", "hugetlbPages", "thpAdvisedBytes" };
pub const global_fields_2 = [_][]const u8{ "cachedBytes", "cachedRegions", "osMapCalls", "osUnmapCalls", "hugetlbPages2m", "hugetlbPages1g", "numaNodes", "interleavedBytes" };
pub const field_count_2 = base_field_count + tier_count * tier_fields_2.len + global_fields_2.len + node_stats_max;
/// Appended after the per-node bytes (still ABI 2: readers size the buffer by the field count): the
/// per-thread region stashes, summed over heaps.
/// `cachedBytes` and `cachedRegions` count the global cache only; these count the stashes.
pub const global_fields_3 = [_][]const u8{ "stashedBytes", "stashedRegions", "stashHits" };
pub const field_count = field_count_2 + global_fields_3.len;

/// Sums `sources` into the flat layout.
pub fn snapshot(sources: []const *const Counters, out: *[field_count]f64) void {
    @memset(out, 0);
    for (sources) |counters| {
        for (counters.tiers, 0..) |entry, tier| {
            const base = tier * tier_fields.len;
            out[base + 0] += @floatFromInt(entry.allocs.read());
            out[base + 1] += @floatFromInt(entry.frees.read());
            out[base + 3] += @floatFromInt(entry.bytes_allocated.read());
            out[base + 4] += @floatFromInt(entry.bytes_freed.read());
        }
    }
    for (0..tier_count) |tier| {
        const base = tier * tier_fields.len;
        out[base + 2] = out[base + 3] - out[base + 4];
    }
    const base = tier_count * tier_fields.len;
    out[base + 0] = @floatFromInt(global.segments_mapped.load(.monotonic));
    out[base + 1] = @floatFromInt(global.segment_bytes_mapped.load(.monotonic));
    out[base + 2] = @floatFromInt(global.region_bytes_mapped.load(.monotonic));
    out[base + 3] = @floatFromInt(global.thread_heaps.load(.monotonic));
    for (sources) |counters| {
        for (counters.tiers, 0..) |entry, tier| {
            const at = base_field_count + tier * tier_fields_2.len;
            out[at + 2] += @floatFromInt(entry.cache_hits.read());
            out[at + 3] += @floatFromInt(entry.cache_misses.read());
        }
    }
    snapshotTiers2(out);
    snapshotGlobals2(out);
    for (sources) |counters| {
        out[field_count_2 + 0] += float(counters.stashed_bytes.read());
        out[field_count_2 + 1] += float(counters.stashed_regions.read());
        out[field_count_2 + 2] += float(counters.stash_hits.read());
    }
}

fn float(value: u64) f64 {
    return @floatFromInt(value);
}

fn snapshotTiers2(out: *[field_count]f64) void {
    for (0..tier_count) |tier| {
        const at = base_field_count + tier * tier_fields_2.len;
        const region = &region_tiers[tier];
        const is_region = tier >= @backingInt(Tier.mapped);
        // Small and medium share the segments, so both report the segment bytes mapped.
        out[at + 1] = if (is_region) float(region.mapped_bytes.load(.monotonic)) else float(global.segment_bytes_mapped.load(.monotonic));
        // Peaks are sampled at each snapshot for every tier: an exact peak needs a process-wide
        // atomic on every alloc and free, which made two threads contend on one cache line.
        const live = out[tier * tier_fields.len + 2];
        const seen: u64 = if (live > 0) @intFromFloat(live) else 0;
        out[at + 0] = float(@max(seen, sampled_peak_bytes[tier].fetchMax(seen, .monotonic)));
    }
    const mapped = base_field_count + @as(usize, @backingInt(Tier.mapped)) * tier_fields_2.len;
    out[mapped + 4] = float(region_cache.bytes_purged.load(.monotonic));
    const huge_at = base_field_count + @as(usize, @backingInt(Tier.huge)) * tier_fields_2.len;
    out[huge_at + 5] = float(huge.pages_2m_in_use.load(.monotonic) + huge.pages_1g_in_use.load(.monotonic));
    out[huge_at + 6] = float(huge.thp_advised_bytes.load(.monotonic));
}

fn snapshotGlobals2(out: *[field_count]f64) void {
    const at = base_field_count + tier_count * tier_fields_2.len;
    out[at + 0] = float(region_cache.cached_bytes.load(.monotonic));
    out[at + 1] = float(region_cache.cached_regions.load(.monotonic));
    out[at + 2] = float(os.map_calls.load(.monotonic));
    out[at + 3] = float(os.unmap_calls.load(.monotonic));
    out[at + 4] = float(huge.pages_2m_in_use.load(.monotonic));
    out[at + 5] = float(huge.pages_1g_in_use.load(.monotonic));
    out[at + 6] = float(numa.nodeCount());
    out[at + 7] = float(interleaved_bytes.load(.monotonic));
    for (0..node_stats_max) |node| out[at + global_fields_2.len + node] = float(node_bytes[node].load(.monotonic));
}

test "snapshot merges heaps and derives live bytes" {
    var a: Counters = .{};
    var b: Counters = .{};
    a.countAlloc(.small, 32);
    a.countAlloc(.small, 32);
    b.countFree(.small, 32);
    b.countAlloc(.medium, 2048);
    var out: [field_count]f64 = undefined;
    snapshot(&.{ &a, &b }, &out);
    try std.testing.expectEqual(@as(f64, 2), out[0]);
    try std.testing.expectEqual(@as(f64, 1), out[1]);
    try std.testing.expectEqual(@as(f64, 32), out[2]);
    try std.testing.expectEqual(@as(f64, 2048), out[tier_fields.len + 2]);
    a.stashed_bytes.set(64 << 10);
    b.stashed_bytes.set(32 << 10);
    b.stash_hits.add(3);
    snapshot(&.{ &a, &b }, &out);
    try std.testing.expectEqual(@as(f64, 96 << 10), out[field_count_2]);
    try std.testing.expectEqual(@as(f64, 3), out[field_count_2 + 2]);
}
