//! Tests of the whole index: recall on a clustered synthetic set against brute force, removals and
//! updates, filters (exact among the allowed when tight), compact storage, and bad input.
const std = @import("std");
const index_zig = @import("index.zig");
const Index = index_zig.Index;
const Metric = @import("space.zig").Metric;
const ElementType = @import("space.zig").ElementType;

/// Clustered points: `clusters` Gaussian-ish blobs around random centres (seeded).
fn clustered(count: usize, width: usize, seed: u64) ![]f32 {
    const out = try std.testing.allocator.alloc(f32, count * width);
    var prng = std.Random.DefaultPrng.init(seed);
    const random = prng.random();
    var centres: [16 * 64]f32 = undefined;
    std.debug.assert(width <= 64);
    for (centres[0 .. 16 * width]) |*value| value.* = random.floatNorm(f32) * 4;
    for (0..count) |row| {
        const centre = centres[random.uintLessThan(usize, 16) * width ..][0..width];
        for (out[row * width ..][0..width], centre) |*value, c| value.* = c + random.floatNorm(f32);
    }
    return out;
}

fn bruteForce(index: *Index, rows: []const f32, live: []const bool, query: []const f32, k: usize, out: []u64) void {
    const width = index.space.dim;
    var best: [64]struct { d: f32, id: u64 } = undefined;
    var count: usize = 0;
    for (0..rows.len / width) |row| {
        if (!live[row]) continue;
        var d: f32 = 0;
        for (rows[row * width ..][0..width], query) |a, b| d += (a - b) * (a - b);
        var at = count;
        while (at > 0 and best[at - 1].d > d) : (at -= 1) {
            if (at < k) best[at] = best[at - 1];
        }
        if (at < k) best[at] = .{ .d = d, .id = row };
        if (count < k) count += 1;
    }
    for (out[0..k], best[0..k]) |*o, b| o.* = b.id;
}

fn recallOf(index: *Index, rows: []const f32, live: []const bool, queries: []const f32, k: u32, ef: u32) !f64 {
    const width = index.space.dim;
    var hits: usize = 0;
    var total: usize = 0;
    var ids: [64]f64 = undefined;
    var scores: [64]f32 = undefined;
    var truth: [64]u64 = undefined;
    for (0..queries.len / width) |q| {
        const query = queries[q * width ..][0..width];
        const found = try index.search(query, k, ef, .none, &ids, &scores);
        try std.testing.expectEqual(k, found);
        bruteForce(index, rows, live, query, k, &truth);
        for (truth[0..k]) |t| {
            for (ids[0..found]) |got| {
                if (@as(u64, @intFromFloat(got)) == t) hits += 1;
            }
        }
        total += k;
    }
    return @as(f64, @floatFromInt(hits)) / @as(f64, @floatFromInt(total));
}

const n = 3000;
const dim = 16;

test "recall@10 on a clustered set is at least 0.95, and stays so through removals and updates" {
    const rows = try clustered(n, dim, 42);
    defer std.testing.allocator.free(rows);
    const queries = try clustered(100, dim, 43);
    defer std.testing.allocator.free(queries);
    const index = try Index.create(.{ .space = .{ .dim = dim, .metric = .l2sq }, .capacity = 100 });
    defer index.destroy();
    var ids: [n]u64 = undefined;
    for (&ids, 0..) |*id, i| id.* = i;
    var failed: usize = 0;
    try index.add(&ids, null, rows, 1, &failed);
    try std.testing.expectEqual(@as(u32, n), index.size());
    var live: [n]bool = @splat(true);
    try std.testing.expect(try recallOf(index, rows, &live, queries, 10, 0) >= 0.95);
    // Duplicates are refused and change nothing.
    try std.testing.expectError(error.AlreadyExists, index.add(ids[5..7], null, rows[5 * dim .. 7 * dim], 1, &failed));
    try std.testing.expectEqual(@as(usize, 0), failed);
    const twice = [_]u64{ 5000, 5000 };
    try std.testing.expectError(error.AlreadyExists, index.add(&twice, null, rows[0 .. 2 * dim], 1, &failed));
    try std.testing.expectEqual(@as(usize, 1), failed);
    try std.testing.expect(!index.contains(5000));
    // Remove two thirds (a rebuild happens on the way, once tombstones are half of the nodes),
    // then update some of the rest: recall over the live rows holds.
    for (0..n) |i| {
        if (i % 3 != 1) {
            try index.remove(i);
            live[i] = false;
        }
    }
    try std.testing.expect(index.graph.removed < n / 2); // rebuilt
    try std.testing.expectEqual(@as(u32, n / 3), index.size());
    try std.testing.expectError(error.NotFound, index.remove(0));
    const moved = try std.testing.allocator.dupe(f32, rows);
    defer std.testing.allocator.free(moved);
    for (1..600) |i| {
        if (i % 3 != 1) continue;
        for (moved[i * dim ..][0..dim]) |*value| value.* += 0.5;
        try index.update(i, moved[i * dim ..][0..dim]);
    }
    try std.testing.expectEqual(@as(u32, n / 3), index.size());
    try std.testing.expect(try recallOf(index, moved, &live, queries, 10, 0) >= 0.95);
}

test "a parallel build (several native threads) reaches the recall of a serial one" {
    const rows = try clustered(n, dim, 48);
    defer std.testing.allocator.free(rows);
    const queries = try clustered(100, dim, 49);
    defer std.testing.allocator.free(queries);
    const index = try Index.create(.{ .space = .{ .dim = dim, .metric = .l2sq } });
    defer index.destroy();
    var ids: [n]u64 = undefined;
    for (&ids, 0..) |*id, i| id.* = i;
    var failed: usize = 0;
    // Two batches, so the second links into a graph the first built.
    try index.add(ids[0..1000], null, rows[0 .. 1000 * dim], 4, &failed);
    try index.add(ids[1000..], null, rows[1000 * dim ..], 4, &failed);
    try std.testing.expectEqual(@as(u32, n), index.size());
    var live: [n]bool = @splat(true);
    try std.testing.expect(try recallOf(index, rows, &live, queries, 10, 0) >= 0.95);
}

test "a tight filter returns the exact top-k among the allowed ids" {
    const rows = try clustered(n, dim, 44);
    defer std.testing.allocator.free(rows);
    const index = try Index.create(.{ .space = .{ .dim = dim, .metric = .l2sq } });
    defer index.destroy();
    var ids: [n]u64 = undefined;
    for (&ids, 0..) |*id, i| id.* = i * 2;
    var failed: usize = 0;
    try index.add(&ids, null, rows, 1, &failed);
    var allowed: [40]f64 = undefined;
    var live: [n]bool = @splat(false);
    for (&allowed, 0..) |*a, i| {
        a.* = @floatFromInt(i * 150);
        live[i * 75] = true;
    }
    var out_ids: [10]f64 = undefined;
    var out_scores: [10]f32 = undefined;
    const query = rows[7 * dim ..][0..dim];
    const found = try index.search(query, 10, 0, .{ .id_list = &allowed }, &out_ids, &out_scores);
    try std.testing.expectEqual(@as(u32, 10), found);
    var truth: [10]u64 = undefined;
    bruteForce(index, rows, &live, query, 10, &truth);
    for (truth, out_ids) |t, got| try std.testing.expectEqual(@as(f64, @floatFromInt(t * 2)), got);
    // A loose bitset filter (every id divisible by 4) returns only allowed ids.
    var bits: [n * 2 / 8 + 1]u8 = @splat(0);
    for (0..n * 2) |id| {
        if (id % 4 == 0) bits[id / 8] |= @as(u8, 1) << @intCast(id % 8);
    }
    const loose = try index.search(query, 10, 0, .{ .id_bits = &bits }, &out_ids, &out_scores);
    try std.testing.expectEqual(@as(u32, 10), loose);
    for (out_ids) |id| try std.testing.expectEqual(@as(f64, 0), @mod(id, 4));
}

test "a label filter returns only those labels; a tight one the exact top-k among them" {
    const rows = try clustered(n, dim, 50);
    defer std.testing.allocator.free(rows);
    const index = try Index.create(.{ .space = .{ .dim = dim, .metric = .l2sq } });
    defer index.destroy();
    var ids: [n]u64 = undefined;
    var labels: [n]u32 = undefined;
    for (&ids, &labels, 0..) |*id, *label, i| {
        id.* = i;
        label.* = @intCast(i % 10);
    }
    var failed: usize = 0;
    try index.add(&ids, &labels, rows, 2, &failed);
    var out_ids: [10]f64 = undefined;
    var out_scores: [10]f32 = undefined;
    const query = rows[11 * dim ..][0..dim];
    try std.testing.expectEqual(@as(u32, 10), try index.search(query, 10, 0, .{ .labels = &.{3} }, &out_ids, &out_scores));
    var live: [n]bool = undefined;
    for (&live, 0..) |*l, i| l.* = i % 10 == 3;
    var truth: [10]u64 = undefined;
    bruteForce(index, rows, &live, query, 10, &truth);
    for (truth, out_ids) |t, got| try std.testing.expectEqual(@as(f64, @floatFromInt(t)), got);
    try std.testing.expectEqual(@as(u32, 10), try index.search(query, 10, 0, .{ .labels = &.{ 0, 1, 2, 4, 5, 6, 7, 8 } }, &out_ids, &out_scores));
    for (out_ids) |id| {
        const label = @mod(id, 10);
        try std.testing.expect(label != 3 and label != 9);
    }
    // An update keeps the label.
    try index.update(13, rows[0..dim]);
    try std.testing.expectEqual(@as(u32, 3), index.graph.labels[index.ids.get(13).?]);
}

test "compact storage keeps recall with f32 re-ranking" {
    const rows = try clustered(n, dim, 45);
    defer std.testing.allocator.free(rows);
    const queries = try clustered(50, dim, 46);
    defer std.testing.allocator.free(queries);
    const storages = [_]ElementType{ .f16, .i8, .binary };
    for (storages) |storage| {
        const index = try Index.create(.{ .space = .{ .dim = dim, .metric = .l2sq, .storage = storage, .keep_rows = true } });
        defer index.destroy();
        var ids: [n]u64 = undefined;
        for (&ids, 0..) |*id, i| id.* = i;
        var failed: usize = 0;
        try index.add(&ids, null, rows, 1, &failed);
        var live: [n]bool = @splat(true);
        // Sign bits of clustered data say little within a cluster: binary walks a wider beam and
        // lets the f32 re-ranking sort it out.
        const ef: u32 = if (storage == .binary) 800 else 0;
        const recall = try recallOf(index, rows, &live, queries, 10, ef);
        // 16 sign bits cannot tell the points of a cluster apart (many codes tie, 0.36 here): binary
        // storage is for wide embeddings; here it must still find a third of the true neighbours.
        const floor: f64 = if (storage == .binary) 0.3 else 0.95;
        try std.testing.expect(recall >= floor);
    }
}

test "options out of range are refused" {
    try std.testing.expectError(error.InvalidArgument, Index.create(.{ .space = .{ .dim = 4, .metric = .dot }, .m = 1 }));
    try std.testing.expectError(error.InvalidArgument, Index.create(.{ .space = .{ .dim = 4, .metric = .dot }, .ef_search = 0 }));
    try std.testing.expectError(error.InvalidArgument, Index.create(.{ .space = .{ .dim = 4, .metric = .hamming } }));
}

const persist = @import("persist.zig");
const os = @import("../os/os.zig");

test "save, then open loaded and viewed: identical results; truncated and foreign files are refused" {
    const rows = try clustered(500, dim, 47);
    defer std.testing.allocator.free(rows);
    const index = try Index.create(.{ .space = .{ .dim = dim, .metric = .cosine, .storage = .i8, .keep_rows = true } });
    defer index.destroy();
    var ids: [500]u64 = undefined;
    for (&ids, 0..) |*id, i| id.* = i + 1_000_000;
    var failed: usize = 0;
    try index.add(&ids, null, rows, 1, &failed);
    try index.remove(1_000_003);
    const path = "/tmp/offheap-index-test.hnsw";
    const written = try persist.save(index, path);
    try std.testing.expect(written > 500 * dim);
    const loaded = try persist.open(path, .load);
    defer loaded.destroy();
    const viewed = try persist.open(path, .view);
    defer viewed.destroy();
    try std.testing.expectError(error.ReadOnly, viewed.remove(1_000_004));
    for (0..20) |q| {
        const query = rows[q * 7 * dim ..][0..dim];
        var expected_ids: [10]f64 = undefined;
        var expected_scores: [10]f32 = undefined;
        const expected = try index.search(query, 10, 0, .none, &expected_ids, &expected_scores);
        for ([_]*Index{ loaded, viewed }) |other| {
            var got_ids: [10]f64 = undefined;
            var got_scores: [10]f32 = undefined;
            try std.testing.expectEqual(expected, try other.search(query, 10, 0, .none, &got_ids, &got_scores));
            try std.testing.expectEqualSlices(f64, &expected_ids, &got_ids);
            try std.testing.expectEqualSlices(f32, &expected_scores, &got_scores);
        }
    }
    // The loaded copy keeps growing; the view does not.
    try loaded.add(&.{5}, null, rows[0..dim], 1, &failed);
    try std.testing.expect(loaded.contains(5));
    // A truncated copy, a corrupted byte and a foreign file are each InvalidFile.
    const bytes = try os.mapFile(path);
    defer os.unmapFile(bytes);
    try os.writeFile(path ++ ".cut", &.{bytes[0 .. bytes.len - 64]});
    try std.testing.expectError(error.InvalidFile, persist.open(path ++ ".cut", .view));
    var corrupt = try std.testing.allocator.dupe(u8, bytes);
    defer std.testing.allocator.free(corrupt);
    corrupt[corrupt.len / 2] ^= 0x40;
    try os.writeFile(path ++ ".bad", &.{corrupt});
    try std.testing.expectError(error.InvalidFile, persist.open(path ++ ".bad", .load));
    try os.writeFile(path ++ ".foreign", &.{"just some text, not an index"});
    try std.testing.expectError(error.InvalidFile, persist.open(path ++ ".foreign", .view));
    try std.testing.expectError(error.NotFound, persist.open("/tmp/offheap-no-such-index.hnsw", .load));
}

const Searcher = struct {
    index: *Index,
    queries: []const f32,
    stop: *std.atomic.Value(bool),
    searches: std.atomic.Value(u32) = .init(0),
    bad: u32 = 0,

    fn run(searcher: *Searcher) void {
        var ids: [10]f64 = undefined;
        var scores: [10]f32 = undefined;
        // Bounded: the adder stops it, and at most a million rounds run regardless.
        for (0..1_000_000) |round| {
            if (searcher.stop.load(.acquire)) break;
            const q = round % (searcher.queries.len / dim);
            const found = searcher.index.search(searcher.queries[q * dim ..][0..dim], 10, 0, .none, &ids, &scores) catch {
                searcher.bad += 1;
                continue;
            };
            for (ids[0..found]) |id| {
                if (id < 0 or id >= n) searcher.bad += 1;
            }
            _ = searcher.searches.fetchAdd(1, .monotonic);
        }
    }
};

test "searches from other threads run safely while batches are added (serial and parallel builders)" {
    const rows = try clustered(n, dim, 51);
    defer std.testing.allocator.free(rows);
    const queries = try clustered(50, dim, 52);
    defer std.testing.allocator.free(queries);
    const index = try Index.create(.{ .space = .{ .dim = dim, .metric = .l2sq } });
    defer index.destroy();
    var stop: std.atomic.Value(bool) = .init(false);
    var searchers = [_]Searcher{
        .{ .index = index, .queries = queries, .stop = &stop },
        .{ .index = index, .queries = queries, .stop = &stop },
    };
    var ids: [n]u64 = undefined;
    for (&ids, 0..) |*id, i| id.* = i;
    var failed: usize = 0;
    try index.add(ids[0..10], null, rows[0 .. 10 * dim], 1, &failed);
    var threads: [searchers.len]std.Thread = undefined;
    for (&threads, &searchers) |*thread, *searcher| thread.* = try std.Thread.spawn(.{}, Searcher.run, .{searcher});
    var start: usize = 10;
    while (start < n) : (start += 300) {
        const end: usize = @min(start + 300, n);
        try index.add(ids[start..end], null, rows[start * dim .. end * dim], if (start % 600 == 10) 2 else 1, &failed);
    }
    // Every searcher must have searched (most of them while batches were going in) before it stops.
    for (&searchers) |*searcher| {
        for (0..100_000) |_| {
            if (searcher.searches.load(.monotonic) > 0) break;
            os.yieldCpu();
        }
    }
    stop.store(true, .release);
    for (threads) |thread| thread.join();
    for (searchers) |searcher| {
        try std.testing.expectEqual(@as(u32, 0), searcher.bad);
        try std.testing.expect(searcher.searches.load(.monotonic) > 0);
    }
    try std.testing.expectEqual(@as(u32, n), index.size());
    var live: [n]bool = @splat(true);
    try std.testing.expect(try recallOf(index, rows, &live, queries, 10, 0) >= 0.95);
}
