//! Tests of every kernel of every CPU level this machine supports against the f64 reference: all
//! element types and metrics, the required dims (aligned and unaligned), zero vectors, extreme
//! magnitudes, denormals, and the one-to-many kernels against the pair kernels. They call each
//! level's table directly, so one run covers all levels whatever OFFHEAP_SIMD says.
const std = @import("std");
const dispatch = @import("dispatch.zig");
const metric = @import("metric.zig");
const reference = @import("reference.zig");
const ElementType = metric.ElementType;
const Metric = metric.Metric;

const dims = [_]u32{ 1, 3, 15, 16, 17, 127, 768, 1536, 4095, 65536 };
const buffer_bytes = 4 * 65536 + 64;

fn levels() [3]?*const dispatch.Kernels {
    return .{ dispatch.kernelsOfLevel(.baseline), dispatch.kernelsOfLevel(.avx2), dispatch.kernelsOfLevel(.avx512) };
}

/// Checks one pair at every level, with the reference's tolerance.
fn expectPair(t: ElementType, m: Metric, a: []const u8, b: []const u8, dim: u32, relative: f64) !void {
    const expected = reference.score(t, m, a, b, dim);
    const allowed = reference.tolerance(t, m, a, b, dim, relative);
    for (levels(), 0..) |maybe_set, rank| {
        const set = maybe_set orelse continue;
        const got = set.pairOf(t, m).?(a.ptr, b.ptr, dim);
        if (!reference.close(expected, got, allowed)) {
            std.debug.print("level {d} {t} {t} dim {d}: expected {e}, got {e} (allowed {e})\n", .{ rank, t, m, dim, expected, got, allowed });
            return error.TestUnexpectedResult;
        }
    }
}

test "every kernel matches the f64 reference at every dim, aligned and not" {
    const a_buffer = try std.testing.allocator.alignedAlloc(u8, .@"64", buffer_bytes);
    defer std.testing.allocator.free(a_buffer);
    const b_buffer = try std.testing.allocator.alignedAlloc(u8, .@"64", buffer_bytes);
    defer std.testing.allocator.free(b_buffer);
    var prng: std.Random.DefaultPrng = .init(0x5eed);
    for (metric.element_types) |t| {
        for (dims, 0..) |dim, index| {
            const offset = index % 2;
            const a = a_buffer[offset..];
            const b = b_buffer[offset + index % 3 ..];
            reference.fill(prng.random(), t, a, dim, 1);
            reference.fill(prng.random(), t, b, dim, 1);
            const relative: f64 = if (dim <= 4096) 1e-5 else 1e-4;
            for (metric.metrics) |m| {
                if (metric.supports(t, m)) try expectPair(t, m, a, b, dim, relative);
            }
        }
    }
}

test "the f32-summing kernels, one pair and gathered rows, stay within f32's bound at every level" {
    // Rows of every dim around the vector widths (tails of every length, and rows shorter than one
    // vector), gathered in a shuffled order from a packed block of 6 rows.
    const fast_dims = [_]u32{ 1, 3, 7, 8, 15, 16, 17, 31, 33, 50, 64, 127, 768 };
    const row_count = 6;
    var rows: [row_count * 4 * 768 + 4]u8 align(64) = undefined;
    var query: [4 * 768 + 4]u8 align(64) = undefined;
    const nodes = [_]u32{ 4, 0, 5, 2, 1, 3 };
    var prng: std.Random.DefaultPrng = .init(0xfa57);
    for (fast_dims, 0..) |dim, index| {
        const row_bytes = 4 * @as(usize, dim);
        const offset = index % 2 * 4;
        reference.fill(prng.random(), .f32, query[offset..], dim, 1);
        for (0..row_count) |row| reference.fill(prng.random(), .f32, rows[offset + row * row_bytes ..], dim, 1);
        for (metric.metrics) |m| {
            if (!metric.supports(.f32, m)) continue;
            for (levels(), 0..) |maybe_set, rank| {
                const set = maybe_set orelse continue;
                var gathered: [row_count]f32 = undefined;
                set.fastGatherOfF32(m).?(query[offset..].ptr, rows[offset..].ptr, row_bytes, &nodes, row_count, dim, &gathered);
                for (nodes, gathered) |node, got| {
                    const row = rows[offset + node * row_bytes ..][0..row_bytes];
                    const pair = set.fastPairOfF32(m).?(query[offset..].ptr, row.ptr, dim);
                    try std.testing.expectEqual(pair, got);
                    const expected = reference.score(.f32, m, query[offset..][0..row_bytes], row, dim);
                    const allowed = reference.tolerance(.f32, m, query[offset..][0..row_bytes], row, dim, 0x1p-24 * @as(f64, @floatFromInt(dim + 16)));
                    if (!reference.close(expected, got, allowed)) {
                        std.debug.print("level {d} {t} dim {d}: expected {e}, got {e} (allowed {e})\n", .{ rank, m, dim, expected, got, allowed });
                        return error.TestUnexpectedResult;
                    }
                }
            }
        }
    }
}

test "a zero vector has cosine similarity 0 and distance 1, and the other metrics are exact" {
    var zero: [4 * 768]u8 = @splat(0);
    var other: [4 * 768]u8 = undefined;
    var prng: std.Random.DefaultPrng = .init(7);
    for (metric.element_types) |t| {
        reference.fill(prng.random(), t, &other, 768, 1);
        for (levels()) |maybe_set| {
            const set = maybe_set orelse continue;
            for (metric.metrics) |m| {
                const kernel = set.pairOf(t, m) orelse continue;
                for ([_][]const u8{ &zero, &other }) |b| {
                    const expected = reference.score(t, m, &zero, b, 768);
                    const got = kernel(&zero, b.ptr, 768);
                    try std.testing.expect(reference.close(expected, got, reference.tolerance(t, m, &zero, b, 768, 1e-6)));
                }
            }
            if (t != .binary) {
                try std.testing.expectEqual(@as(f32, 0), set.pairOf(t, .cosine).?(&zero, &other, 768));
                try std.testing.expectEqual(@as(f32, 1), set.pairOf(t, .cosine_distance).?(&other, &zero, 768));
            }
        }
    }
}

fn fillConstantF32(bytes: []u8, dim: usize, value: f32, alternate: bool) void {
    for (0..dim) |index| {
        const signed = if (alternate and index % 2 == 1) -value else value;
        std.mem.writeInt(u32, bytes[index * 4 ..][0..4], @bitCast(signed), .little);
    }
}

test "f32 kernels handle huge, tiny and denormal magnitudes" {
    var a: [4 * 1536]u8 = undefined;
    var b: [4 * 1536]u8 = undefined;
    var prng: std.Random.DefaultPrng = .init(11);
    const magnitudes = [_]f32{ 1e30, 3e38, 1e-20, 1e-30, 1e-40, 1.4e-45 };
    for (magnitudes) |magnitude| {
        for ([_]u32{ 17, 768, 1536 }) |dim| {
            reference.fill(prng.random(), .f32, &a, dim, magnitude);
            reference.fill(prng.random(), .f32, &b, dim, magnitude);
            for ([_]Metric{ .dot, .l2sq, .cosine, .cosine_distance }) |m| try expectPair(.f32, m, &a, &b, dim, 1e-5);
            // Parallel and opposite vectors: the f32 squares overflow or vanish, the cosine must not.
            fillConstantF32(&a, dim, magnitude, true);
            fillConstantF32(&b, dim, magnitude, true);
            try expectPair(.f32, .cosine, &a, &b, dim, 1e-5);
            fillConstantF32(&b, dim, -magnitude, true);
            try expectPair(.f32, .cosine, &a, &b, dim, 1e-5);
            try expectPair(.f32, .l2sq, &a, &b, dim, 1e-5);
        }
    }
}

test "f16 kernels handle the whole binary16 range: denormals, the largest value, infinities and NaN" {
    var a: [2 * 1024]u8 = undefined;
    var b: [2 * 1024]u8 = undefined;
    const specials = [_]u16{ 0x0001, 0x03ff, 0x8200, 0x0400, 0x7bff, 0xfbff, 0x3c00, 0xc000 };
    for (0..1024) |index| {
        std.mem.writeInt(u16, a[index * 2 ..][0..2], specials[index % specials.len], .little);
        std.mem.writeInt(u16, b[index * 2 ..][0..2], specials[(index * 5 + 3) % specials.len], .little);
    }
    for ([_]u32{ 1, 7, 64, 1000, 1024 }) |dim| {
        for ([_]Metric{ .dot, .l2sq, .cosine, .cosine_distance }) |m| try expectPair(.f16, m, &a, &b, dim, 1e-5);
    }
    std.mem.writeInt(u16, a[6..8], 0x7c00, .little);
    try expectPair(.f16, .dot, &a, &b, 8, 1e-5);
    std.mem.writeInt(u16, a[6..8], 0x7e00, .little);
    try expectPair(.f16, .l2sq, &a, &b, 8, 1e-5);
    try expectPair(.f16, .cosine, &a, &b, 8, 1e-5);
}

test "i8 sums are exact at the extremes of the type and of dim" {
    const a = try std.testing.allocator.alloc(u8, 65536);
    defer std.testing.allocator.free(a);
    const b = try std.testing.allocator.alloc(u8, 65536);
    defer std.testing.allocator.free(b);
    for ([_][2]i8{ .{ -128, -128 }, .{ 127, -128 }, .{ -128, 127 }, .{ 127, 127 } }) |pair| {
        @memset(a, @bitCast(pair[0]));
        @memset(b, @bitCast(pair[1]));
        for ([_]u32{ 65536, 65535, 4095 }) |dim| {
            for ([_]Metric{ .dot, .l2sq, .cosine, .cosine_distance }) |m| try expectPair(.i8, m, a, b, dim, 0);
        }
    }
}

test "hamming is exact for all-different, all-same and odd lengths" {
    const a = try std.testing.allocator.alloc(u8, 65536 + 1);
    defer std.testing.allocator.free(a);
    const b = try std.testing.allocator.alloc(u8, 65536 + 1);
    defer std.testing.allocator.free(b);
    @memset(a, 0x00);
    @memset(b, 0xff);
    for (levels()) |maybe_set| {
        const set = maybe_set orelse continue;
        const hamming = set.pairOf(.binary, .hamming).?;
        for ([_]u32{ 1, 7, 8, 9, 63, 64, 65, 96, 127, 128, 129, 65536 }) |dim| {
            try std.testing.expectEqual(@as(f32, @floatFromInt(dim * 8)), hamming(a.ptr + 1, b.ptr, dim));
            try std.testing.expectEqual(@as(f32, 0), hamming(a.ptr, a.ptr + 1, dim));
        }
    }
}

test "one-to-many with a stride beyond dim equals the pair kernel on each row" {
    const row_count = 37;
    const dim = 100;
    const stride = 131;
    var rows: [4 * (row_count * stride)]u8 = undefined;
    var query: [4 * dim + 1]u8 = undefined;
    var out: [row_count + 1]f32 = undefined;
    var prng: std.Random.DefaultPrng = .init(3);
    for (metric.element_types) |t| {
        const size = metric.sizeBytes(t);
        reference.fill(prng.random(), t, &rows, row_count * stride, 1);
        reference.fill(prng.random(), t, query[1..], dim, 1);
        for (levels()) |maybe_set| {
            const set = maybe_set orelse continue;
            for (metric.metrics) |m| {
                const many = set.manyOf(t, m) orelse continue;
                out[row_count] = -7;
                many(query[1..].ptr, &rows, row_count, dim, stride, &out);
                for (0..row_count) |row| {
                    const expected = set.pairOf(t, m).?(query[1..].ptr, rows[row * stride * size ..].ptr, dim);
                    try std.testing.expectEqual(@as(u32, @bitCast(expected)), @as(u32, @bitCast(out[row])));
                }
                try std.testing.expectEqual(@as(f32, -7), out[row_count]);
            }
        }
    }
}

test "the streaming-read kernel sums every element at every level" {
    var data: [1000]f32 = undefined;
    for (&data, 0..) |*value, index| value.* = @floatFromInt(index % 10);
    for (levels()) |maybe_set| {
        const set = maybe_set orelse continue;
        for ([_]usize{ 0, 1, 127, 128, 999, 1000 }) |count| {
            var expected: f32 = 0;
            for (data[0..count]) |value| expected += value;
            try std.testing.expectEqual(expected, set.stream_sum_f32(@ptrCast(&data), count));
        }
    }
}
