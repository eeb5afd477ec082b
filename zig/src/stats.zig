//! Allocation counters. Each thread heap owns one `Counters` and is its only writer, so counting
//! costs a plain load and store on the hot path (no lock, no atomic read-modify-write); readers
//! merge every heap's counters on demand. Counters only grow, so a merged read taken while other
//! threads allocate is a consistent-enough snapshot: each counter is exact, their sum is momentary.
const std = @import("std");

pub const Tier = enum(u8) { small = 0, medium = 1, mapped = 2, huge = 3 };
pub const tier_count = 4;

/// A counter written by one thread and read by any.
pub const Counter = struct {
    value: std.atomic.Value(u64) = .init(0),

    pub inline fn add(counter: *Counter, amount: u64) void {
        counter.value.store(counter.value.load(.monotonic) + amount, .monotonic);
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
};

pub const Counters = struct {
    tiers: [tier_count]TierCounters = @splat(.{}),

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
};

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
pub const field_count = tier_count * tier_fields.len + global_fields.len;

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
}
