//! Tests only: runs a property under Zig's coverage-guided fuzzer (`zig build test --fuzz`), and
//! under a plain `zig build test` over its corpus plus a fixed set of seeded random inputs, so the
//! same property checks run in `npm test` and, for longer, by command (`npm run fuzz:zig`).
//!
//! Fuzz tests draw raw integers (`smith.value(u64)`) and reduce them with `%`: a corpus entry is
//! then just a list of values (`values`), and random bytes exercise every branch, where Smith's
//! ranged draws would turn most random inputs into the range's minimum.
const std = @import("std");
const builtin = @import("builtin");

comptime {
    std.debug.assert(builtin.is_test);
}

pub const Smith = std.testing.Smith;

/// Seeded inputs a plain test run adds to the corpus, and their length (each value takes 8 bytes).
const seeded_input_count = 512;
const seeded_input_bytes = 1024;
const seed: u64 = 0x0FF_EA7_F022;

/// A corpus entry: `list` as the little-endian u64s `Smith.value(u64)` reads.
pub fn values(comptime list: []const u64) []const u8 {
    comptime var text: []const u8 = "";
    inline for (list) |value| {
        comptime var bytes: [8]u8 = undefined;
        comptime std.mem.writeInt(u64, &bytes, value, .little);
        text = text ++ bytes;
    }
    return text;
}

/// Fuzzes `testOne` (see the file comment).
pub fn run(
    context: anytype,
    comptime testOne: fn (@TypeOf(context), *Smith) anyerror!void,
    corpus: []const []const u8,
) !void {
    try std.testing.fuzz(context, testOne, .{ .corpus = corpus });
    if (builtin.fuzz) return;
    var prng: std.Random.DefaultPrng = .init(seed);
    var input: [seeded_input_bytes]u8 = undefined;
    for (0..seeded_input_count) |_| {
        prng.random().bytes(&input);
        var smith: Smith = .{ .in = &input };
        try testOne(context, &smith);
    }
}

/// At most this many operations per input, so every input's run is bounded.
pub const operations_max = 256;
