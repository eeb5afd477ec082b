//! Allocation counters; stats/fields.zig names them for the ABI. Each thread heap owns one
//! `Counters` and is its only writer, so counting costs a plain load and store on the hot path (no lock, no atomic read-modify-write); readers
//! merge every heap's counters on demand. Counters only grow, so a merged read taken while other
//! threads allocate is a consistent-enough snapshot: each counter is exact, their sum is momentary.
//!
//! The mapped and huge tiers also keep process-wide atomics (mapped, live and peak bytes, bytes per
//! NUMA node): their paths already take a lock or make a syscall, so an atomic costs nothing there,
//! and it makes their peaks exact. The small and medium peaks are high-water marks of the merged
//! live bytes seen at each read: an exact peak would need a shared atomic on the 3 ns hot path.
const std = @import("std");

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
