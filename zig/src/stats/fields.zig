//! The one declared field list of `heap.stats()`, in the manner of mimalloc's `MI_STAT_FIELDS`:
//! each enum below names its fields once, in the names the TypeScript side reports, and each
//! `read…` switch says where a field's value comes from (the compiler insists on one arm per
//! field). The flat f64 layout of `offheap_stats` and the JSON list of names that
//! `offheap_layout(.stats)` returns both follow from these enums, so adding a counter is one enum
//! entry and one switch arm here, and one property in src/heap/stats.ts's type.
//!
//! The layout: every tier field for each tier in `Tier` order, named "tiers.<tier>.<field>"; then
//! the process-wide fields; then "bytesByNode.<n>" for the first `node_stats_max` NUMA nodes.
const std = @import("std");
const assert = std.debug.assert;
const counters = @import("counters.zig");
const os = @import("../os/os.zig");
const huge = @import("../alloc/huge.zig");
const numa = @import("../alloc/numa.zig");
const region_cache = @import("../alloc/region_cache.zig");
const thread_heap = @import("../alloc/thread_heap.zig");
const Tier = counters.Tier;
const tier_count = counters.tier_count;
const node_stats_max = counters.node_stats_max;

pub const TierField = enum {
    allocs,
    frees,
    liveBytes,
    bytesAllocated,
    bytesFreed,
    peakBytes,
    mappedBytes,
    cacheHits,
    cacheMisses,
    bytesPurged,
    hugetlbPages,
    thpAdvisedBytes,
};

pub const GlobalField = enum {
    segmentsMapped,
    segmentBytesMapped,
    regionBytesMapped,
    threadHeaps,
    cachedBytes,
    cachedRegions,
    osMapCalls,
    osUnmapCalls,
    hugetlbPages2m,
    hugetlbPages1g,
    numaNodes,
    interleavedBytes,
    stashedBytes,
    stashedRegions,
    stashHits,
};

const tier_field_count = std.enums.values(TierField).len;
const global_field_count = std.enums.values(GlobalField).len;
pub const field_count = tier_count * tier_field_count + global_field_count + node_stats_max;

/// The per-heap counters summed over every heap; the fields read from this and the process-wide
/// atomics.
pub const Merged = struct {
    tiers: [tier_count]struct { allocs: u64 = 0, frees: u64 = 0, bytes_allocated: u64 = 0, bytes_freed: u64 = 0, cache_hits: u64 = 0, cache_misses: u64 = 0 } = @splat(.{}),
    stashed_bytes: u64 = 0,
    stashed_regions: u64 = 0,
    stash_hits: u64 = 0,

    pub fn add(merged: *Merged, source: *const counters.Counters) void {
        for (&merged.tiers, source.tiers) |*sum, entry| {
            sum.allocs += entry.allocs.read();
            sum.frees += entry.frees.read();
            sum.bytes_allocated += entry.bytes_allocated.read();
            sum.bytes_freed += entry.bytes_freed.read();
            sum.cache_hits += entry.cache_hits.read();
            sum.cache_misses += entry.cache_misses.read();
        }
        merged.stashed_bytes += source.stashed_bytes.read();
        merged.stashed_regions += source.stashed_regions.read();
        merged.stash_hits += source.stash_hits.read();
    }

    /// Every registered thread heap's counters, merged (the list only grows and is never unlinked,
    /// so walking it while threads allocate is safe).
    pub fn ofAllHeaps() Merged {
        var merged: Merged = .{};
        var next = thread_heap.first();
        var heaps: usize = 0;
        while (next) |each| : (next = each.registry_next) {
            merged.add(&each.counters);
            heaps += 1;
        }
        assert(heaps <= counters.global.thread_heaps.load(.monotonic));
        return merged;
    }

    pub fn liveBytes(merged: *const Merged, tier: Tier) u64 {
        const entry = merged.tiers[@backingInt(tier)];
        return entry.bytes_allocated -| entry.bytes_freed;
    }
};

/// Peaks are sampled at each read for every tier: an exact peak needs a process-wide atomic on
/// every alloc and free, which made two threads contend on one cache line.
var sampled_peak_bytes: [tier_count]std.atomic.Value(u64) = @splat(.init(0));

fn load(value: *const std.atomic.Value(u64)) u64 {
    return value.load(.monotonic);
}

fn readTier(field: TierField, merged: *const Merged, tier: Tier) u64 {
    const entry = merged.tiers[@backingInt(tier)];
    const is_region = tier == .mapped or tier == .huge;
    return switch (field) {
        .allocs => entry.allocs,
        .frees => entry.frees,
        .liveBytes => merged.liveBytes(tier),
        .bytesAllocated => entry.bytes_allocated,
        .bytesFreed => entry.bytes_freed,
        .peakBytes => blk: {
            const live = merged.liveBytes(tier);
            break :blk @max(live, sampled_peak_bytes[@backingInt(tier)].fetchMax(live, .monotonic));
        },
        // Small and medium share the segments, so both report the segment bytes mapped.
        .mappedBytes => if (is_region) load(&counters.region_tiers[@backingInt(tier)].mapped_bytes) else load(&counters.global.segment_bytes_mapped),
        .cacheHits => entry.cache_hits,
        .cacheMisses => entry.cache_misses,
        .bytesPurged => if (tier == .mapped) load(&region_cache.bytes_purged) else 0,
        .hugetlbPages => if (tier == .huge) load(&huge.pages_2m_in_use) + load(&huge.pages_1g_in_use) else 0,
        .thpAdvisedBytes => if (tier == .huge) load(&huge.thp_advised_bytes) else 0,
    };
}

fn readGlobal(field: GlobalField, merged: *const Merged) u64 {
    return switch (field) {
        .segmentsMapped => load(&counters.global.segments_mapped),
        .segmentBytesMapped => load(&counters.global.segment_bytes_mapped),
        .regionBytesMapped => load(&counters.global.region_bytes_mapped),
        .threadHeaps => load(&counters.global.thread_heaps),
        // The global cache only; the per-thread stashes are the stash fields.
        .cachedBytes => load(&region_cache.cached_bytes),
        .cachedRegions => load(&region_cache.cached_regions),
        .osMapCalls => load(&os.map_calls),
        .osUnmapCalls => load(&os.unmap_calls),
        .hugetlbPages2m => load(&huge.pages_2m_in_use),
        .hugetlbPages1g => load(&huge.pages_1g_in_use),
        .numaNodes => numa.nodeCount(),
        .interleavedBytes => load(&counters.interleaved_bytes),
        .stashedBytes => merged.stashed_bytes,
        .stashedRegions => merged.stashed_regions,
        .stashHits => merged.stash_hits,
    };
}

/// Writes every field of `merged` and the process-wide counters into the flat layout.
pub fn snapshot(merged: *const Merged, out: *[field_count]f64) void {
    var at: usize = 0;
    for (std.enums.values(Tier)) |tier| {
        for (std.enums.values(TierField)) |field| {
            out[at] = @floatFromInt(readTier(field, merged, tier));
            at += 1;
        }
    }
    for (std.enums.values(GlobalField)) |field| {
        out[at] = @floatFromInt(readGlobal(field, merged));
        at += 1;
    }
    for (&counters.node_bytes) |*bytes| {
        out[at] = @floatFromInt(load(bytes));
        at += 1;
    }
    assert(at == field_count);
}

/// The names of the layout, in order, as a JSON array of strings.
pub const names_json: []const u8 = blk: {
    @setEvalBranchQuota(10_000);
    var text: []const u8 = "[";
    for (std.enums.values(Tier)) |tier| {
        for (std.enums.values(TierField)) |field| text = text ++ "\"tiers." ++ @tagName(tier) ++ "." ++ @tagName(field) ++ "\",";
    }
    for (std.enums.values(GlobalField)) |field| text = text ++ "\"" ++ @tagName(field) ++ "\",";
    for (0..node_stats_max) |node| text = text ++ std.fmt.comptimePrint("\"bytesByNode.{d}\",", .{node});
    break :blk text[0 .. text.len - 1] ++ "]";
};

/// The index of a field in the layout, for tests.
pub fn indexOfTier(tier: Tier, field: TierField) usize {
    return @as(usize, @backingInt(tier)) * tier_field_count + @intFromEnum(field);
}

pub fn indexOfGlobal(field: GlobalField) usize {
    return tier_count * tier_field_count + @intFromEnum(field);
}

test "the layout names every field once, in the order snapshot writes them" {
    var count: usize = 1;
    for (names_json) |char| count += @intFromBool(char == ',');
    try std.testing.expectEqual(field_count, count);
    try std.testing.expect(std.mem.startsWith(u8, names_json, "[\"tiers.small.allocs\",\"tiers.small.frees\""));
    try std.testing.expect(std.mem.endsWith(u8, names_json, "\"bytesByNode.7\"]"));
}

test "snapshot merges heaps and derives live bytes" {
    var a: counters.Counters = .{};
    var b: counters.Counters = .{};
    a.countAlloc(.small, 32);
    a.countAlloc(.small, 32);
    b.countFree(.small, 32);
    b.countAlloc(.medium, 2048);
    a.stashed_bytes.set(64 << 10);
    b.stashed_bytes.set(32 << 10);
    b.stash_hits.add(3);
    var merged: Merged = .{};
    merged.add(&a);
    merged.add(&b);
    var out: [field_count]f64 = undefined;
    snapshot(&merged, &out);
    try std.testing.expectEqual(@as(f64, 2), out[indexOfTier(.small, .allocs)]);
    try std.testing.expectEqual(@as(f64, 1), out[indexOfTier(.small, .frees)]);
    try std.testing.expectEqual(@as(f64, 32), out[indexOfTier(.small, .liveBytes)]);
    try std.testing.expectEqual(@as(f64, 2048), out[indexOfTier(.medium, .liveBytes)]);
    try std.testing.expect(out[indexOfTier(.medium, .peakBytes)] >= 2048);
    try std.testing.expectEqual(@as(f64, 96 << 10), out[indexOfGlobal(.stashedBytes)]);
    try std.testing.expectEqual(@as(f64, 3), out[indexOfGlobal(.stashHits)]);
}
