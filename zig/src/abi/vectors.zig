//! The C ABI of the vector kernels: argument checks at the boundary (args.zig), then a call through
//! the kernel set that simd/dispatch.zig chose for this CPU. Like every file of abi/, no export here can panic: every
//! argument is validated before it reaches code with assertions, and failures return a status.
//!
//! Codes. Element types (the `<t>` in the names below, and the typed array each takes):
//!   f32 (0) Float32Array   f16 (1) Uint16Array of IEEE half bits   i8 (2) Int8Array
//!   binary (3) Uint8Array of packed bits; its `dim` and `stride` count BYTES (8 bits each)
//! Metrics (the `metric: u32` argument):
//!   0 dot              larger is better          f32, f16, i8
//!   1 l2sq             squared L2, smaller better f32, f16, i8
//!   2 cosine           similarity in [−1, 1], larger better; 0 when either vector is zero
//!   3 hamming          differing bits, smaller better; binary only (and binary has only this)
//!   4 cosine_distance  1 − cosine, in [0, 2], smaller better; 1 when either vector is zero
//! i8 sums are exact integers (then rounded to f32); f32 and f16 accumulate in f32 lanes.
//!
//! Arguments. `dim` is 1..65536 elements. `stride` (elements from one row's start to the next)
//! is at least `dim`. Rows come either as a typed array (`rows`) or, in the `_at` variants, as the
//! f64 address of off-heap memory (`rows_address`). An address is checked (args.range): the rows,
//! from the first row's start to the last row's end, must lie inside ONE live offheap block or
//! region, starting at any byte of it. Pointers need no alignment. The library cannot see
//! typed-array lengths: the caller guarantees a query holds `dim` elements, a typed-array matrix
//! `(row_count − 1) · stride + dim`, `out` `row_count` (or `query_count · row_count`) f32, and
//! `out_ids`/`out_scores` k entries.
//! Failures return status.zig codes; every argument error is `invalid_argument` (−7), and an
//! address whose rows are not inside live offheap memory is `not_owned` (−4: never mapped by
//! offheap, or freed and unmapped), `use_after_free` (−12: freed, still mapped) or `out_of_bounds`
//! (−11: starts inside a live block or region, runs past its end).
//!
//! Exports (T is the element type of `<t>`):
//!   offheap_simd_level() i32                       0 baseline, 1 avx2, 2 avx512, 3 neon
//!   offheap_dot_f32(a: [*]f32, b: [*]f32, len: u32) f32
//!       dot product; NaN for a null pointer or a len outside 1..65536
//!   offheap_score_<t>(a: [*]T, b: [*]T, dim: u32, metric: u32) f32
//!       one pair; NaN for any invalid argument
//!   offheap_many_<t>(query: [*]T, rows: [*]T, row_count: u32, dim: u32, stride: u32, metric: u32,
//!                    out: [*]f32) i32
//!   offheap_many_<t>_at(query: [*]T, rows_address: f64, row_count, dim, stride, metric, out) i32
//!       out[r] = score(query, row r) for r < row_count (0 rows is allowed); 0 or status
//!   offheap_cross_<t>(queries: [*]T, query_count: u32, rows: [*]T, row_count: u32, dim: u32,
//!                     stride: u32, metric: u32, out: [*]f32) i32
//!   offheap_cross_<t>_at(queries: [*]T, query_count, rows_address: f64, row_count, dim, stride,
//!                        metric, out) i32
//!       queries are packed (query q starts at q · dim); out[q · row_count + r] = score(q, r);
//!       rows are read once per batch, not once per query; 0 or status
//!   offheap_topk_<t>(query: [*]T, rows: [*]T, row_count: u32, dim: u32, stride: u32, metric: u32,
//!                    k: u32, out_ids: [*]u32, out_scores: [*]f32) i32
//!   offheap_topk_<t>_at(query: [*]T, rows_address: f64, row_count, dim, stride, metric, k,
//!                       out_ids, out_scores) i32
//!       the k best rows, best first (see simd/topk.zig: ties go to the lower id, NaN ranks last, −0 is
//!       reported as +0); 1 ≤ k ≤ min(1024, row_count); returns k, or status. Ids are row indices
//!       within the given matrix: a caller scanning a slice adds the slice's first id.
//!   offheap_stream_sum_f32(data: [*]f32, count: u32) f32
//!       sum of count f32 values, read as fast as one core can; for measuring read bandwidth.
//!       NaN for a null pointer.
//!   offheap_stream_sum_f32_at(address: f64, count: u32, out_sum: *f32) i32
//!       the same over checked off-heap memory (count · 4 bytes); writes the sum, returns 0 or status
const std = @import("std");
const args = @import("args.zig");
const dispatch = @import("../simd/dispatch.zig");
const metric = @import("../simd/metric.zig");
const batch = @import("../simd/batch.zig");
const topk = @import("../simd/topk.zig");
const status = @import("../support/status.zig");
const heap = @import("../alloc/heap.zig");
const Error = status.Error;
const ElementType = metric.ElementType;
const Metric = metric.Metric;

/// Where the rows come from: a typed array, or an off-heap address.
const Rows = union(enum) {
    pointer: ?[*]const u8,
    address: f64,

    fn resolve(rows: Rows, extent_bytes: u64) Error![*]const u8 {
        return switch (rows) {
            .pointer => |pointer| pointer orelse error.InvalidArgument,
            .address => |address| args.range(address, extent_bytes),
        };
    }
};

/// The exports of one element type; `comptime` below gives them their C names.
fn Exports(comptime t: ElementType) type {
    const T = metric.Element(t);
    const size = metric.sizeBytes(t);
    return struct {
        fn score(a: ?[*]const T, b: ?[*]const T, dim: u32, metric_code: u32) callconv(.c) f32 {
            const left = a orelse return std.math.nan(f32);
            const right = b orelse return std.math.nan(f32);
            _ = args.dim(dim) catch return std.math.nan(f32);
            const m = args.metricOf(t, metric_code) catch return std.math.nan(f32);
            const kernel = dispatch.kernels().pairOf(t, m) orelse return std.math.nan(f32);
            return kernel(@ptrCast(left), @ptrCast(right), dim);
        }

        fn many(query: ?[*]const T, rows: ?[*]const T, row_count: u32, dim: u32, stride: u32, metric_code: u32, out: ?[*]f32) callconv(.c) i32 {
            return args.statusOf(manyChecked(query, .{ .pointer = @ptrCast(rows) }, row_count, dim, stride, metric_code, out));
        }

        fn manyAt(query: ?[*]const T, rows_address: f64, row_count: u32, dim: u32, stride: u32, metric_code: u32, out: ?[*]f32) callconv(.c) i32 {
            return args.statusOf(manyChecked(query, .{ .address = rows_address }, row_count, dim, stride, metric_code, out));
        }

        fn manyChecked(query: ?[*]const T, rows: Rows, row_count: u32, dim: u32, stride: u32, metric_code: u32, out: ?[*]f32) Error!u32 {
            const query_pointer = query orelse return error.InvalidArgument;
            const target = out orelse return error.InvalidArgument;
            const m = try args.metricOf(t, metric_code);
            const rows_pointer = try rows.resolve(try args.extentBytes(row_count, try args.dim(dim), stride, size));
            const kernel = dispatch.kernels().manyOf(t, m) orelse return error.InvalidArgument;
            if (row_count > 0) kernel(@ptrCast(query_pointer), rows_pointer, row_count, dim, stride, target);
            return 0;
        }

        fn cross(queries: ?[*]const T, query_count: u32, rows: ?[*]const T, row_count: u32, dim: u32, stride: u32, metric_code: u32, out: ?[*]f32) callconv(.c) i32 {
            return args.statusOf(crossChecked(queries, query_count, .{ .pointer = @ptrCast(rows) }, row_count, dim, stride, metric_code, out));
        }

        fn crossAt(queries: ?[*]const T, query_count: u32, rows_address: f64, row_count: u32, dim: u32, stride: u32, metric_code: u32, out: ?[*]f32) callconv(.c) i32 {
            return args.statusOf(crossChecked(queries, query_count, .{ .address = rows_address }, row_count, dim, stride, metric_code, out));
        }

        fn crossChecked(queries: ?[*]const T, query_count: u32, rows: Rows, row_count: u32, dim: u32, stride: u32, metric_code: u32, out: ?[*]f32) Error!u32 {
            const queries_pointer = queries orelse return error.InvalidArgument;
            const target = out orelse return error.InvalidArgument;
            const m = try args.metricOf(t, metric_code);
            const rows_pointer = try rows.resolve(try args.extentBytes(row_count, try args.dim(dim), stride, size));
            _ = try args.extentBytes(query_count, dim, dim, size);
            const kernel = dispatch.kernels().manyOf(t, m) orelse return error.InvalidArgument;
            batch.score(.{
                .many = kernel,
                .queries = @ptrCast(queries_pointer),
                .query_count = query_count,
                .rows = rows_pointer,
                .row_count = row_count,
                .dim = dim,
                .stride_elements = stride,
                .element_bytes = size,
            }, target);
            return 0;
        }

        fn topK(query: ?[*]const T, rows: ?[*]const T, row_count: u32, dim: u32, stride: u32, metric_code: u32, k: u32, out_ids: ?[*]u32, out_scores: ?[*]f32) callconv(.c) i32 {
            return args.statusOf(topKChecked(query, .{ .pointer = @ptrCast(rows) }, row_count, dim, stride, metric_code, k, out_ids, out_scores));
        }

        fn topKAt(query: ?[*]const T, rows_address: f64, row_count: u32, dim: u32, stride: u32, metric_code: u32, k: u32, out_ids: ?[*]u32, out_scores: ?[*]f32) callconv(.c) i32 {
            return args.statusOf(topKChecked(query, .{ .address = rows_address }, row_count, dim, stride, metric_code, k, out_ids, out_scores));
        }

        fn topKChecked(query: ?[*]const T, rows: Rows, row_count: u32, dim: u32, stride: u32, metric_code: u32, k: u32, out_ids: ?[*]u32, out_scores: ?[*]f32) Error!u32 {
            const query_pointer = query orelse return error.InvalidArgument;
            const ids = out_ids orelse return error.InvalidArgument;
            const scores = out_scores orelse return error.InvalidArgument;
            if (k < 1 or k > topk.k_max or k > row_count) return error.InvalidArgument;
            const m = try args.metricOf(t, metric_code);
            const rows_pointer = try rows.resolve(try args.extentBytes(row_count, try args.dim(dim), stride, size));
            const kernel = dispatch.kernels().manyOf(t, m) orelse return error.InvalidArgument;
            return topk.select(.{
                .many = kernel,
                .metric = m,
                .query = @ptrCast(query_pointer),
                .rows = rows_pointer,
                .row_count = row_count,
                .dim = dim,
                .stride_elements = stride,
                .element_bytes = size,
            }, k, ids[0..k], scores[0..k]);
        }
    };
}

comptime {
    for (metric.element_types) |t| {
        const E = Exports(t);
        const suffix = "_" ++ @tagName(t);
        @export(&E.score, .{ .name = "offheap_score" ++ suffix });
        @export(&E.many, .{ .name = "offheap_many" ++ suffix });
        @export(&E.manyAt, .{ .name = "offheap_many" ++ suffix ++ "_at" });
        @export(&E.cross, .{ .name = "offheap_cross" ++ suffix });
        @export(&E.crossAt, .{ .name = "offheap_cross" ++ suffix ++ "_at" });
        @export(&E.topK, .{ .name = "offheap_topk" ++ suffix });
        @export(&E.topKAt, .{ .name = "offheap_topk" ++ suffix ++ "_at" });
    }
}

pub export fn offheap_simd_level() i32 {
    return dispatch.levelCode();
}

pub export fn offheap_dot_f32(a: ?[*]const f32, b: ?[*]const f32, len: u32) f32 {
    const left = a orelse return std.math.nan(f32);
    const right = b orelse return std.math.nan(f32);
    _ = args.dim(len) catch return std.math.nan(f32);
    const kernel = dispatch.kernels().pairOf(.f32, .dot) orelse return std.math.nan(f32);
    return kernel(@ptrCast(left), @ptrCast(right), len);
}

pub export fn offheap_stream_sum_f32(data: ?[*]const f32, count: u32) f32 {
    const pointer = data orelse return std.math.nan(f32);
    return dispatch.kernels().stream_sum_f32(@ptrCast(pointer), count);
}

pub export fn offheap_stream_sum_f32_at(address: f64, count: u32, out_sum: ?*f32) i32 {
    const target = args.pointer(*f32, out_sum) catch |err| return status.code(err);
    const pointer = args.range(address, @as(u64, count) * 4) catch |err| return status.code(err);
    target.* = dispatch.kernels().stream_sum_f32(pointer, count);
    return 0;
}

const invalid = status.code(error.InvalidArgument);

fn expectNan(value: f32) !void {
    try std.testing.expect(std.math.isNan(value));
}

test "pair exports compute through the chosen kernels and return NaN for every bad argument" {
    const a = [_]f32{ 1, 2, 3 };
    const b = [_]f32{ 4, 5, 6 };
    try std.testing.expectEqual(@as(f32, 32), offheap_dot_f32(&a, &b, 3));
    try std.testing.expectEqual(@as(f32, 27), Exports(.f32).score(&a, &b, 3, 1));
    try expectNan(offheap_dot_f32(null, &b, 3));
    try expectNan(offheap_dot_f32(&a, null, 3));
    try expectNan(offheap_dot_f32(&a, &b, 0));
    try expectNan(offheap_dot_f32(&a, &b, metric.dim_max + 1));
    try expectNan(Exports(.f32).score(null, &b, 3, 0));
    try expectNan(Exports(.f32).score(&a, null, 3, 0));
    try expectNan(Exports(.f32).score(&a, &b, 0, 0));
    try expectNan(Exports(.f32).score(&a, &b, metric.dim_max + 1, 0));
    try expectNan(Exports(.f32).score(&a, &b, 3, 3));
    try expectNan(Exports(.f32).score(&a, &b, 3, 5));
    const bits = [_]u8{ 0xf0, 0x0f };
    try std.testing.expectEqual(@as(f32, 8), Exports(.binary).score(&bits, bits[1..], 1, 3));
    try expectNan(Exports(.binary).score(&bits, &bits, 1, 0));
    const level = offheap_simd_level();
    try std.testing.expect(level >= 0 and level <= 3);
}

test "many, cross and top-k reject every bad argument with invalid_argument" {
    const E = Exports(.f32);
    const rows = [_]f32{ 1, 2, 3, 4, 5, 6 };
    const query = [_]f32{ 1, 1 };
    var out: [6]f32 = undefined;
    var ids: [3]u32 = undefined;
    const address: f64 = @floatFromInt(@intFromPtr(&rows));
    try std.testing.expectEqual(@as(i32, 0), E.many(&query, &rows, 3, 2, 2, 0, &out));
    try std.testing.expectEqualSlices(f32, &.{ 3, 7, 11 }, out[0..3]);
    try std.testing.expectEqual(@as(i32, 0), E.many(&query, &rows, 0, 2, 2, 0, &out));
    for ([_]i32{
        E.many(null, &rows, 3, 2, 2, 0, &out),                               E.many(&query, null, 3, 2, 2, 0, &out),
        E.many(&query, &rows, 3, 2, 2, 0, null),                             E.many(&query, &rows, 3, 0, 2, 0, &out),
        E.many(&query, &rows, 3, 65537, 65537, 0, &out),                     E.many(&query, &rows, 3, 2, 1, 0, &out),
        E.many(&query, &rows, 3, 2, 2, 3, &out),                             E.many(&query, &rows, 3, 2, 2, 99, &out),
        E.manyAt(&query, 0, 3, 2, 2, 0, &out),                               E.manyAt(&query, -64, 3, 2, 2, 0, &out),
        E.manyAt(&query, address + 0.5, 3, 2, 2, 0, &out),                   E.manyAt(&query, std.math.nan(f64), 3, 2, 2, 0, &out),
        E.manyAt(&query, address, 0xffff_ffff, 65536, 0xffff_ffff, 0, &out), E.cross(null, 1, &rows, 3, 2, 2, 0, &out),
        E.cross(&query, 1, &rows, 3, 2, 2, 0, null),                         E.cross(&query, 1, &rows, 3, 2, 1, 0, &out),
        E.crossAt(&query, 1, -1, 3, 2, 2, 0, &out),                          E.topK(&query, &rows, 3, 2, 2, 0, 0, &ids, &out),
        E.topK(&query, &rows, 3, 2, 2, 0, 4, &ids, &out),                    E.topK(&query, &rows, 2000, 2, 2, 0, 1025, &ids, &out),
        E.topK(&query, &rows, 3, 2, 2, 0, 1, null, &out),                    E.topK(&query, &rows, 3, 2, 2, 0, 1, &ids, null),
        E.topK(null, &rows, 3, 2, 2, 0, 1, &ids, &out),                      E.topK(&query, &rows, 3, 2, 2, 7, 1, &ids, &out),
        E.topKAt(&query, 1.5, 3, 2, 2, 0, 1, &ids, &out),
    }) |result| try std.testing.expectEqual(invalid, result);
    try expectNan(offheap_stream_sum_f32(null, 4));
    var sum: f32 = 0;
    try std.testing.expectEqual(invalid, offheap_stream_sum_f32_at(-1, 4, &sum));
    try std.testing.expectEqual(invalid, offheap_stream_sum_f32_at(address, 4, null));
}

test "the _at variants refuse rows outside one live offheap block or region" {
    const E = Exports(.f32);
    const query = [_]f32{ 1, 1 };
    var out: [4]f32 = undefined;
    var ids: [1]u32 = undefined;
    var sum: f32 = 0;
    const on_stack = [_]f32{ 1, 2, 3, 4 };
    const not_owned = status.code(error.NotOwned);
    for ([_]f64{ @floatFromInt(@intFromPtr(&on_stack)), 0x1p47, 0x1p47 - 8, 0x1p50 }) |foreign| {
        try std.testing.expectEqual(not_owned, E.manyAt(&query, foreign, 2, 2, 2, 0, &out));
        try std.testing.expectEqual(not_owned, E.crossAt(&query, 1, foreign, 2, 2, 2, 0, &out));
        try std.testing.expectEqual(not_owned, E.topKAt(&query, foreign, 2, 2, 2, 0, 1, &ids, &out));
        try std.testing.expectEqual(not_owned, offheap_stream_sum_f32_at(foreign, 4, &sum));
    }
    const block = try heap.alloc(.{ .size_bytes = 64, .alignment_bytes = 16 });
    defer _ = heap.free(block) catch unreachable;
    const usable = try heap.usableSize(block);
    const floats: [*]f32 = @ptrFromInt(block);
    @memset(floats[0 .. usable / 4], 1);
    // The last two rows of the block fit; one byte further runs past its end.
    const rows_bytes = 2 * 2 * 4;
    const last: f64 = @floatFromInt(block + usable - rows_bytes);
    try std.testing.expectEqual(@as(i32, 0), E.manyAt(&query, last, 2, 2, 2, 0, &out));
    try std.testing.expectEqualSlices(f32, &.{ 2, 2 }, out[0..2]);
    try std.testing.expectEqual(@as(i32, 1), E.topKAt(&query, last, 2, 2, 2, 0, 1, &ids, &out));
    try std.testing.expectEqual(@as(i32, 0), offheap_stream_sum_f32_at(last, 4, &sum));
    try std.testing.expectEqual(@as(f32, 4), sum);
    const out_of_bounds = status.code(error.OutOfBounds);
    try std.testing.expectEqual(out_of_bounds, E.manyAt(&query, last + 1, 2, 2, 2, 0, &out));
    try std.testing.expectEqual(out_of_bounds, E.crossAt(&query, 1, last + 1, 2, 2, 2, 0, &out));
    try std.testing.expectEqual(out_of_bounds, E.topKAt(&query, last + 1, 2, 2, 2, 0, 1, &ids, &out));
    try std.testing.expectEqual(out_of_bounds, offheap_stream_sum_f32_at(last + 1, 4, &sum));
}

test "the _at variants read off-heap rows and agree with the typed-array variants" {
    const E = Exports(.i8);
    const rows = [_]i8{ 1, 2, 0, -3, 4, 0, 5, -6, 0, 1, 1, 0 };
    const query = [_]i8{ 2, 1 };
    const block = try heap.alloc(.{ .size_bytes = rows.len, .alignment_bytes = 16 });
    defer _ = heap.free(block) catch unreachable;
    @memcpy(@as([*]i8, @ptrFromInt(block))[0..rows.len], &rows);
    const address: f64 = @floatFromInt(block);
    var by_pointer: [8]f32 = undefined;
    var by_address: [8]f32 = undefined;
    try std.testing.expectEqual(@as(i32, 0), E.cross(&query, 1, &rows, 4, 2, 3, 0, &by_pointer));
    try std.testing.expectEqualSlices(f32, &.{ 4, -2, 4, 3 }, by_pointer[0..4]);
    try std.testing.expectEqual(@as(i32, 0), E.manyAt(&query, address, 4, 2, 3, 0, &by_address));
    try std.testing.expectEqualSlices(f32, by_pointer[0..4], by_address[0..4]);
    var ids: [2]u32 = undefined;
    var scores: [2]f32 = undefined;
    try std.testing.expectEqual(@as(i32, 2), E.topKAt(&query, address, 4, 2, 3, 0, 2, &ids, &scores));
    try std.testing.expectEqualSlices(u32, &.{ 0, 2 }, &ids);
    try std.testing.expectEqualSlices(f32, &.{ 4, 4 }, &scores);
    try std.testing.expectEqual(@as(i32, 2), E.topK(&query, &rows, 4, 2, 3, 1, 2, &ids, &scores));
    try std.testing.expectEqualSlices(u32, &.{ 3, 0 }, &ids);
    const data: [*]f32 = @ptrFromInt(block);
    @memcpy(data[0..3], &[_]f32{ 1, 2, 3.5 });
    var sum: f32 = 0;
    try std.testing.expectEqual(@as(i32, 0), offheap_stream_sum_f32_at(@floatFromInt(block), 3, &sum));
    try std.testing.expectEqual(@as(f32, 6.5), sum);
}
