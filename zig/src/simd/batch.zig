//! Many-to-many scoring: a batch of queries against a matrix of rows, writing a query_count ×
//! row_count matrix of scores (row-major by query). The rows are taken a block at a time, sized to
//! sit in L2, and every query runs over the block before the next block is read, so each row comes
//! from memory once per batch instead of once per query. The queries themselves are small and stay
//! in L1/L2 throughout.
const std = @import("std");
const dispatch = @import("dispatch.zig");

/// Bytes of rows per block: half of a typical 1 MiB L2, leaving room for queries and outputs.
const block_bytes: usize = 512 << 10;

/// The arguments of one batch; the C ABI has validated them (sizes fit, stride ≥ dim).
pub const Batch = struct {
    many: dispatch.ManyFn,
    queries: [*]const u8,
    query_count: u32,
    rows: [*]const u8,
    row_count: u32,
    dim: u32,
    stride_elements: u32,
    element_bytes: u32,
};

/// Writes score(query q, row r) to out[q · row_count + r].
pub fn score(batch: Batch, out: [*]f32) void {
    std.debug.assert(batch.stride_elements >= batch.dim);
    std.debug.assert(batch.element_bytes >= 1);
    const row_bytes = @as(usize, batch.stride_elements) * batch.element_bytes;
    const query_bytes = @as(usize, batch.dim) * batch.element_bytes;
    const rows_per_block: u32 = @intCast(std.math.clamp(block_bytes / row_bytes, 1, std.math.maxInt(u32)));
    var first: u32 = 0;
    while (first < batch.row_count) {
        const count = @min(rows_per_block, batch.row_count - first);
        const block = batch.rows + first * row_bytes;
        for (0..batch.query_count) |query| {
            const target = out + query * @as(usize, batch.row_count) + first;
            batch.many(batch.queries + query * query_bytes, block, count, batch.dim, batch.stride_elements, target);
        }
        first += count;
    }
}

test "many-to-many equals one-to-many per query, across block boundaries" {
    const reference = @import("reference.zig");
    const row_count = 300;
    const dim = 200;
    const stride = 1000; // 4000-byte f32 rows: 131 rows per block, so three blocks.
    const query_count = 3;
    const rows = try std.testing.allocator.alloc(u8, 4 * row_count * stride);
    defer std.testing.allocator.free(rows);
    var queries: [4 * query_count * dim]u8 = undefined;
    var prng: std.Random.DefaultPrng = .init(5);
    reference.fill(prng.random(), .f32, rows, row_count * stride, 1);
    reference.fill(prng.random(), .f32, &queries, query_count * dim, 1);
    const many = dispatch.kernels().manyOf(.f32, .l2sq).?;
    var got: [query_count * row_count]f32 = undefined;
    score(.{ .many = many, .queries = &queries, .query_count = query_count, .rows = rows.ptr, .row_count = row_count, .dim = dim, .stride_elements = stride, .element_bytes = 4 }, &got);
    var expected: [row_count]f32 = undefined;
    for (0..query_count) |query| {
        many(queries[query * dim * 4 ..].ptr, rows.ptr, row_count, dim, stride, &expected);
        try std.testing.expectEqualSlices(f32, &expected, got[query * row_count ..][0..row_count]);
    }
}
