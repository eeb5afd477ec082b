//! The adaptive policy's frequency sketch (TinyLFU): a count-min sketch of four rows of 4-bit
//! counters (one byte each here, for clarity), halved every 10 × width increments so that old
//! popularity fades. It answers "how often was this key seen lately" in O(1) with a few KiB to MiB.
//!
//! The sketch is blocked, as Caffeine's is: a key's four counters lie in one 64-byte block (16
//! counters per row), so counting or estimating a key costs one cache miss instead of four, which
//! matters on a sketch of megabytes. The block comes from the key hash's low bits; each row's counter
//! within it from one byte of a second mix of the hash.
const std = @import("std");
const assert = std.debug.assert;
const heap = @import("../alloc/heap.zig");
const hash = @import("hash.zig");
const Error = @import("../support/status.zig").Error;
const MemoryOptions = @import("slabs.zig").Options;

pub const rows = 4;
pub const width_max: usize = 1 << 20;
const counter_max: u8 = 15;
const block_bytes = 64;
const counters_per_row_in_block = block_bytes / rows;

comptime {
    // The smallest sketch (width 16) is exactly one block.
    assert(16 * rows == block_bytes);
    assert(counters_per_row_in_block == 16);
}

pub const Sketch = struct {
    counters: []u8 = &.{},
    width: usize = 0,
    additions: u64 = 0,

    /// A sketch for about `expected_entries` keys: width = next power of two >= max(16, 2 × expected).
    pub fn init(expected_entries: u64, memory: MemoryOptions) Error!Sketch {
        const wanted: usize = @intCast(@min(@max(16, 2 * expected_entries), width_max));
        const width = std.math.ceilPowerOfTwoAssert(usize, wanted);
        const address = try heap.alloc(memory.tableRequest(rows * width));
        return .{ .counters = @as([*]u8, @ptrFromInt(address))[0 .. rows * width], .width = width };
    }

    pub fn deinit(sketch: *Sketch) void {
        if (sketch.counters.len > 0) _ = heap.free(@intFromPtr(sketch.counters.ptr)) catch unreachable;
        sketch.* = .{};
    }

    fn blockCount(sketch: *const Sketch) usize {
        return sketch.width * rows / block_bytes;
    }

    fn position(sketch: *const Sketch, key_hash: u32, row: u32) usize {
        assert(row < rows);
        const block = @as(usize, key_hash) & (sketch.blockCount() - 1);
        const spread = hash.fmix32(key_hash ^ 0x9e3779b9);
        const within: usize = (spread >> @intCast(8 * row)) & (counters_per_row_in_block - 1);
        const at = block * block_bytes + row * counters_per_row_in_block + within;
        assert(at < sketch.counters.len);
        return at;
    }

    /// The start of `key_hash`'s block, for a prefetch before the counting.
    pub fn blockOf(sketch: *const Sketch, key_hash: u32) [*]const u8 {
        return sketch.counters.ptr + (@as(usize, key_hash) & (sketch.blockCount() - 1)) * block_bytes;
    }

    pub fn increment(sketch: *Sketch, key_hash: u32) void {
        assert(sketch.width > 0);
        for (0..rows) |row| {
            const counter = &sketch.counters[sketch.position(key_hash, @intCast(row))];
            if (counter.* < counter_max) counter.* += 1;
        }
        sketch.additions += 1;
        if (sketch.additions >= 10 * @as(u64, sketch.width)) sketch.halve();
    }

    pub fn estimate(sketch: *const Sketch, key_hash: u32) u8 {
        var lowest: u8 = counter_max;
        for (0..rows) |row| lowest = @min(lowest, sketch.counters[sketch.position(key_hash, @intCast(row))]);
        return lowest;
    }

    fn halve(sketch: *Sketch) void {
        for (sketch.counters) |*counter| counter.* >>= 1;
        sketch.additions >>= 1;
    }
};

test "the sketch counts, saturates at 15, and halves" {
    var sketch = try Sketch.init(100, .{ .bytes_max = 1 << 20 });
    defer sketch.deinit();
    try std.testing.expectEqual(@as(usize, 256), sketch.width);
    for (0..20) |_| sketch.increment(42);
    try std.testing.expectEqual(@as(u8, 15), sketch.estimate(42));
    try std.testing.expect(sketch.estimate(43) <= 15);
    sketch.halve();
    try std.testing.expectEqual(@as(u8, 7), sketch.estimate(42));
}
