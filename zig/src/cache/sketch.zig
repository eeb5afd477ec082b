//! The adaptive policy's frequency sketch (TinyLFU): a count-min sketch of four rows of 4-bit
//! counters (one byte each here, for clarity), halved every 10 × width increments so that old
//! popularity fades. It answers "how often was this key seen lately" in O(1) with a few KiB to MiB.
const std = @import("std");
const assert = std.debug.assert;
const heap = @import("../alloc/heap.zig");
const hash = @import("hash.zig");
const Error = @import("../support/status.zig").Error;

pub const rows = 4;
pub const width_max: usize = 1 << 20;
const counter_max: u8 = 15;

pub const Sketch = struct {
    counters: []u8 = &.{},
    width: usize = 0,
    additions: u64 = 0,

    /// A sketch for about `expected_entries` keys: width = next power of two >= max(16, 2 × expected).
    pub fn init(expected_entries: u64) Error!Sketch {
        const wanted: usize = @intCast(@min(@max(16, 2 * expected_entries), width_max));
        const width = std.math.ceilPowerOfTwoAssert(usize, wanted);
        const address = try heap.alloc(.{ .size_bytes = rows * width, .alignment_bytes = 64, .zero = true });
        return .{ .counters = @as([*]u8, @ptrFromInt(address))[0 .. rows * width], .width = width };
    }

    pub fn deinit(sketch: *Sketch) void {
        if (sketch.counters.len > 0) _ = heap.free(@intFromPtr(sketch.counters.ptr)) catch unreachable;
        sketch.* = .{};
    }

    fn position(sketch: *const Sketch, key_hash: u32, row: u32) usize {
        const mixed = hash.fmix32(key_hash +% row *% 0x9e3779b9);
        return row * sketch.width + (@as(usize, mixed) & (sketch.width - 1));
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
    var sketch = try Sketch.init(100);
    defer sketch.deinit();
    try std.testing.expectEqual(@as(usize, 256), sketch.width);
    for (0..20) |_| sketch.increment(42);
    try std.testing.expectEqual(@as(u8, 15), sketch.estimate(42));
    try std.testing.expect(sketch.estimate(43) <= 15);
    sketch.halve();
    try std.testing.expectEqual(@as(u8, 7), sketch.estimate(42));
}
