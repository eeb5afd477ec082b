//! Top-k selection inside a scan: the one-to-many kernel scores a block of rows into a small buffer
//! on the stack, and a bounded min-heap keeps the k best, so no N-sized output ever exists.
//!
//! Ordering: for dot and cosine similarity larger scores are better; for l2sq, hamming and cosine
//! distance smaller ones are. Equal scores rank the lower id first. −0 equals +0. NaN ranks below
//! every number (it comes only from NaN or infinite inputs). Each (score, id) becomes one u64 key
//! that is larger exactly when it ranks better, so the heap compares plain integers, and the result
//! is exactly a full sort's first k (the tests check it against one).
const std = @import("std");
const dispatch = @import("dispatch.zig");
const metric = @import("metric.zig");

pub const k_max: u32 = 1024;
/// Rows scored per kernel call: 4 KiB of scores, small enough to stay in L1 beside the heap's top.
const block_rows: u32 = 1024;

/// Maps a score to a u32 whose unsigned order is the ranking (larger is better); NaN maps to 0.
fn rank(score: f32, larger_is_better: bool) u32 {
    if (std.math.isNan(score)) return 0;
    const canonical = if (score == 0) 0 else score;
    const oriented = if (larger_is_better) canonical else -canonical;
    const bits: u32 = @bitCast(oriented);
    const ranked = if (bits >> 31 == 1) ~bits else bits | 0x8000_0000;
    std.debug.assert(ranked != 0);
    return ranked;
}

fn unrank(ranked: u32, larger_is_better: bool) f32 {
    if (ranked == 0) return std.math.nan(f32);
    const bits = if (ranked >> 31 == 1) ranked & 0x7fff_ffff else ~ranked;
    const oriented: f32 = @bitCast(bits);
    return if (larger_is_better) oriented else -oriented;
}

pub fn key(score: f32, id: u32, larger_is_better: bool) u64 {
    return @as(u64, rank(score, larger_is_better)) << 32 | ~id;
}

/// The k best keys seen so far, worst at the root.
pub const Selection = struct {
    keys: [k_max]u64 = undefined,
    count: u32 = 0,
    k: u32,

    pub fn init(k: u32) Selection {
        std.debug.assert(k >= 1);
        std.debug.assert(k <= k_max);
        return .{ .k = k };
    }

    pub fn offer(self: *Selection, candidate: u64) void {
        if (self.count < self.k) {
            var child = self.count;
            self.count += 1;
            while (child > 0) {
                const parent = (child - 1) / 2;
                if (self.keys[parent] <= candidate) break;
                self.keys[child] = self.keys[parent];
                child = parent;
            }
            self.keys[child] = candidate;
        } else if (candidate > self.keys[0]) {
            self.replaceRoot(candidate);
        }
    }

    fn replaceRoot(self: *Selection, candidate: u64) void {
        std.debug.assert(self.count == self.k);
        var parent: u32 = 0;
        while (true) {
            const left = 2 * parent + 1;
            if (left >= self.count) break;
            const right = left + 1;
            const smaller = if (right < self.count and self.keys[right] < self.keys[left]) right else left;
            if (self.keys[smaller] >= candidate) break;
            self.keys[parent] = self.keys[smaller];
            parent = smaller;
        }
        self.keys[parent] = candidate;
    }

    /// Writes the kept entries best first and returns how many.
    pub fn finish(self: *Selection, larger_is_better: bool, ids: []u32, scores: []f32) u32 {
        std.debug.assert(ids.len >= self.count);
        std.debug.assert(scores.len >= self.count);
        const kept = self.keys[0..self.count];
        std.mem.sort(u64, kept, {}, std.sort.desc(u64));
        for (kept, ids[0..kept.len], scores[0..kept.len]) |each, *id, *score| {
            id.* = ~@as(u32, @truncate(each));
            score.* = unrank(@intCast(each >> 32), larger_is_better);
        }
        return self.count;
    }
};

/// The arguments of one scan; the C ABI has validated them.
pub const Scan = struct {
    many: dispatch.ManyFn,
    metric: metric.Metric,
    query: [*]const u8,
    rows: [*]const u8,
    row_count: u32,
    dim: u32,
    stride_elements: u32,
    element_bytes: u32,
};

/// Scores every row of `scan` and writes the best `k` to `ids` and `scores`, best first.
pub fn select(scan: Scan, k: u32, ids: []u32, scores: []f32) u32 {
    std.debug.assert(k <= scan.row_count);
    std.debug.assert(scan.stride_elements >= scan.dim);
    const larger_is_better = metric.largerIsBetter(scan.metric);
    const row_bytes = @as(usize, scan.stride_elements) * scan.element_bytes;
    var selection: Selection = .init(k);
    var block: [block_rows]f32 = undefined;
    var first: u32 = 0;
    while (first < scan.row_count) {
        const count = @min(block_rows, scan.row_count - first);
        scan.many(scan.query, scan.rows + first * row_bytes, count, scan.dim, scan.stride_elements, &block);
        for (block[0..count], first..) |score, id| {
            const candidate = key(score, @intCast(id), larger_is_better);
            if (selection.count == k and candidate <= selection.keys[0]) continue;
            selection.offer(candidate);
        }
        first += count;
    }
    return selection.finish(larger_is_better, ids, scores);
}

/// A full sort written directly on floats, independent of `key`: the ranking top-k must reproduce.
fn rankedBefore(larger_is_better: bool, scores: []const f32, left: u32, right: u32) bool {
    const x = scores[left];
    const y = scores[right];
    if (std.math.isNan(x) or std.math.isNan(y)) {
        if (std.math.isNan(x) and std.math.isNan(y)) return left < right;
        return std.math.isNan(y);
    }
    if (x == y) return left < right;
    return if (larger_is_better) x > y else x < y;
}

fn expectFullSort(scan: Scan, scores: []const f32, k: u32) !void {
    var order: [600]u32 = undefined;
    for (order[0..scan.row_count], 0..) |*id, index| id.* = @intCast(index);
    const larger_is_better = metric.largerIsBetter(scan.metric);
    const Context = struct { larger: bool, scores: []const f32 };
    std.mem.sort(u32, order[0..scan.row_count], Context{ .larger = larger_is_better, .scores = scores }, struct {
        fn lessThan(context: Context, left: u32, right: u32) bool {
            return rankedBefore(context.larger, context.scores, left, right);
        }
    }.lessThan);
    var ids: [k_max]u32 = undefined;
    var got: [k_max]f32 = undefined;
    try std.testing.expectEqual(k, select(scan, k, ids[0..k], got[0..k]));
    for (order[0..k], ids[0..k], got[0..k]) |expected_id, id, score| {
        try std.testing.expectEqual(expected_id, id);
        const expected = scores[expected_id];
        if (std.math.isNan(expected)) try std.testing.expect(std.math.isNan(score)) else try std.testing.expectEqual(expected, score);
    }
}

test "top-k equals a full sort, with ties, signed zeros and NaN, for every metric and k" {
    const row_count = 600;
    const dim = 2;
    var rows: [row_count * dim]f32 = undefined;
    var prng: std.Random.DefaultPrng = .init(9);
    // Few distinct values, so that many rows tie; a few rows of NaN and of negative zero.
    for (&rows, 0..) |*value, index| {
        value.* = @floatFromInt(prng.random().intRangeAtMost(i32, -3, 3));
        if (index % 97 == 0) value.* = std.math.nan(f32);
        if (index % 89 == 0) value.* = -0.0;
    }
    const query = [dim]f32{ 1, -0.0 };
    for ([_]metric.Metric{ .dot, .l2sq, .cosine, .cosine_distance }) |m| {
        const many = dispatch.kernels().manyOf(.f32, m).?;
        var scores: [row_count]f32 = undefined;
        many(@ptrCast(&query), @ptrCast(&rows), row_count, dim, dim, &scores);
        const scan: Scan = .{ .many = many, .metric = m, .query = @ptrCast(&query), .rows = @ptrCast(&rows), .row_count = row_count, .dim = dim, .stride_elements = dim, .element_bytes = 4 };
        for ([_]u32{ 1, 2, 10, 99, 599, 600 }) |k| try expectFullSort(scan, &scores, k);
    }
}

test "keys order scores by metric direction, then lower id, with NaN last" {
    try std.testing.expect(key(2, 5, true) > key(1, 0, true));
    try std.testing.expect(key(1, 0, false) > key(2, 5, false));
    try std.testing.expect(key(1, 3, true) > key(1, 4, true));
    try std.testing.expectEqual(key(0.0, 1, true), key(-0.0, 1, true));
    try std.testing.expect(key(-std.math.inf(f32), 9, true) > key(std.math.nan(f32), 0, true));
    try std.testing.expect(key(std.math.inf(f32), 9, false) > key(std.math.nan(f32), 0, false));
    for ([_]f32{ -3.5, 0, 1e-45, 7, std.math.inf(f32) }) |score| {
        try std.testing.expectEqual(score, unrank(rank(score, true), true));
        try std.testing.expectEqual(score, unrank(rank(score, false), false));
    }
}
