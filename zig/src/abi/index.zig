//! The C ABI of the approximate VectorIndex (zig/src/index/). An index is named by a u32 handle
//! (support/handles.zig); every Worker that opens it through `retain` owns a reference, and the
//! last `release` frees it. Searches from any number of threads run at once; adds, removes and
//! updates take the index's writer lock one call at a time.
//!
//! Ids are f64 integers 0..2^53. Vectors are always f32 input (`dim` values each); the index stores
//! them as its storage type. The library cannot see typed-array lengths: the caller guarantees
//! `ids` holds `count` f64, `rows` `count · dim` f32, `queries` `query_count · dim` f32, `out_ids`
//! and `out_scores` `query_count · k` entries, `out_counts` `query_count` u32.
//!
//!   offheap_index_create(dim: u32, metric: u32, storage: u32, m: u32, ef_construction: u32,
//!                        ef_search: u32, capacity: u32, flags: u32, node: i32, scale: f64) f64
//!       handle, or status. metric and storage use simd/metric.zig's codes; flags bit 0: keep f32
//!       rows for re-ranking, bits 1-2: huge 0 configured default, 1 auto, 2 always, 3 never;
//!       node -1 = none; scale 0 = from the first nonzero rows (i8 only)
//!   offheap_index_retain(handle: u32) i32                      status; one more owner
//!   offheap_index_release(handle: u32) i32                     status; the last owner frees it
//!   offheap_index_add(handle: u32, ids: [*]f64, count: u32, labels: [*]u32 or null (all 0),
//!                     rows: [*]f32, threads: u32, failed: *f64) i32
//!       count added (all of them), or status (none added); for ALREADY_EXISTS and a bad id or
//!       row, `failed` gets the item's position. `threads` native builders link the batch
//!       (0: one per CPU, at most 16; batches under 256 use one)
//!   offheap_index_remove(handle: u32, id: f64) i32             status (NOT_FOUND for an unknown id)
//!   offheap_index_update(handle: u32, id: f64, row: [*]f32) i32   status (NOT_FOUND likewise)
//!   offheap_index_has(handle: u32, id: f64) i32                1, 0, or status
//!   offheap_index_size(handle: u32) f64                        live vectors, or status
//!   offheap_index_search(handle: u32, queries: [*]f32, query_count: u32, k: u32, ef: u32,
//!                        filter_kind: u32, filter: [*]u8, filter_length: u32,
//!                        out_ids: [*]f64, out_scores: [*]f32, out_counts: [*]u32) i32
//!       0 or status; query q's results at q · k, closest first, out_counts[q] of them. ef 0 = the
//!       index's efSearch (raised to k). filter_kind 0 none, 1 an id list (filter is f64 ids,
//!       filter_length of them), 2 an id bitset (filter_length bytes), 3 a label list (u32
//!       labels, strictly ascending, filter_length of them)
//!   offheap_index_stats(handle: u32, out: [*]f64, capacity: u32) i32   fields written (index.Stat)
//!   offheap_index_save(handle: u32, path: [*]u8, path_length: u32) f64  bytes written, or status
//!   offheap_index_open_file(path: [*]u8, path_length: u32, mode: u32) f64
//!       handle, or status; mode 0 load (a copy in memory), 1 view (the file mapped read-only)
const std = @import("std");
const args = @import("args.zig");
const status = @import("../support/status.zig");
const handles = @import("../support/handles.zig");
const metric = @import("../simd/metric.zig");
const index_zig = @import("../index/index.zig");
const persist = @import("../index/persist.zig");
const filter_zig = @import("../index/filter.zig");
const memory = @import("../index/memory.zig");
const Space = @import("../index/space.zig").Space;
const Error = status.Error;
const Index = index_zig.Index;

var registry: handles.Registry(Index) = .{};

const path_length_max: u32 = 4096;

pub export fn offheap_index_create(dim: u32, metric_code: u32, storage: u32, m: u32, ef_construction: u32, ef_search: u32, capacity: u32, flags: u32, node: i32, scale: f64) f64 {
    const handle = create(dim, metric_code, storage, m, ef_construction, ef_search, capacity, flags, node, scale) catch |err| return args.failure(err);
    return @floatFromInt(handle);
}

fn create(dim: u32, metric_code: u32, storage: u32, m: u32, ef_construction: u32, ef_search: u32, capacity: u32, flags: u32, node: i32, scale: f64) Error!u32 {
    if (flags & ~@as(u32, 0b111) != 0) return error.InvalidArgument;
    const storage_type = std.enums.fromInt(metric.ElementType, storage) orelse return error.InvalidArgument;
    const metric_value = metric.metricFromCode(metric_code) orelse return error.InvalidArgument;
    if (!(scale >= 0 and scale < std.math.floatMax(f32))) return error.InvalidArgument;
    const huge_mode: ?@import("../alloc/huge.zig").Mode = switch ((flags >> 1) & 0b11) {
        0 => null,
        1 => .auto,
        2 => .always,
        else => .never,
    };
    const index = try Index.create(.{
        .space = .{ .dim = try args.dim(dim), .metric = metric_value, .storage = storage_type, .keep_rows = flags & 1 != 0, .scale = @floatCast(scale) },
        .m = m,
        .ef_construction = ef_construction,
        .ef_search = ef_search,
        .capacity = capacity,
        .placement = .{ .huge_mode = huge_mode, .numa = try args.boundPlacement(node) },
    });
    return register(index);
}

fn register(index: *Index) Error!u32 {
    return registry.register(index) catch |err| {
        index.owners.store(0, .monotonic);
        index.destroy();
        return err;
    };
}

pub export fn offheap_index_retain(handle: u32) i32 {
    _ = registry.retain(handle) catch |err| return status.code(err);
    return 0;
}

pub export fn offheap_index_release(handle: u32) i32 {
    const last = registry.release(handle) catch |err| return status.code(err);
    if (last) |index| index.destroy();
    return 0;
}

/// An id argument: an integer 0..2^53.
fn idArgument(value: f64) Error!u64 {
    return filter_zig.idOf(value) orelse error.InvalidArgument;
}

pub export fn offheap_index_add(handle: u32, ids: ?[*]f64, count: u32, labels: ?[*]const u32, rows: ?[*]const f32, threads: u32, failed: ?*f64) i32 {
    return args.statusOf(add(handle, ids, count, labels, rows, threads, failed));
}

fn add(handle: u32, ids_pointer: ?[*]f64, count: u32, labels_pointer: ?[*]const u32, rows_pointer: ?[*]const f32, threads: u32, failed_pointer: ?*f64) Error!u32 {
    const index = try registry.resolve(handle);
    const failed = try args.pointer(*f64, failed_pointer);
    const ids = try args.batch(f64, ids_pointer, count);
    if (count == 0) return 0;
    const dim = index.space.dim;
    const rows = (try args.pointer([*]const f32, rows_pointer))[0 .. @as(usize, count) * dim];
    // Decode every id and check every row before anything changes: a refused batch adds nothing.
    const decoded = try memory.alloc(u64, count, .{});
    defer memory.free(u64, decoded);
    for (ids, decoded, 0..) |value, *id, position| {
        failed.* = @floatFromInt(position);
        id.* = try idArgument(value);
        if (!Space.finite(rows[position * dim ..][0..dim])) return error.InvalidArgument;
    }
    var failed_position: usize = 0;
    if (threads > 64) return error.InvalidArgument;
    const labels: ?[]const u32 = if (labels_pointer) |given| given[0..count] else null;
    index.add(decoded, labels, rows, threads, &failed_position) catch |err| {
        failed.* = @floatFromInt(failed_position);
        return err;
    };
    return count;
}

pub export fn offheap_index_remove(handle: u32, id: f64) i32 {
    const index = registry.resolve(handle) catch |err| return status.code(err);
    const decoded = idArgument(id) catch |err| return status.code(err);
    index.remove(decoded) catch |err| return status.code(err);
    return 0;
}

pub export fn offheap_index_update(handle: u32, id: f64, row: ?[*]const f32) i32 {
    return args.statusOf(update(handle, id, row));
}

fn update(handle: u32, id: f64, row_pointer: ?[*]const f32) Error!u32 {
    const index = try registry.resolve(handle);
    const decoded = try idArgument(id);
    const row = (try args.pointer([*]const f32, row_pointer))[0..index.space.dim];
    if (!Space.finite(row)) return error.InvalidArgument;
    try index.update(decoded, row);
    return 0;
}

pub export fn offheap_index_has(handle: u32, id: f64) i32 {
    const index = registry.resolve(handle) catch |err| return status.code(err);
    const decoded = filter_zig.idOf(id) orelse return 0;
    return @intFromBool(index.contains(decoded));
}

pub export fn offheap_index_get(handle: u32, id: f64, out: ?[*]f32) i32 {
    return args.statusOf(get(handle, id, out));
}

/// 1 and the vector in `out` (dim f32), or 0 when the id is not in the index.
fn get(handle: u32, id: f64, out_pointer: ?[*]f32) Error!u32 {
    const index = try registry.resolve(handle);
    const decoded = try idArgument(id);
    const out = (try args.pointer([*]f32, out_pointer))[0..index.space.dim];
    return @intFromBool(index.get(decoded, out));
}

pub export fn offheap_index_size(handle: u32) f64 {
    const index = registry.resolve(handle) catch |err| return args.failure(err);
    return @floatFromInt(index.size());
}

pub export fn offheap_index_search(handle: u32, queries: ?[*]const f32, query_count: u32, k: u32, ef: u32, filter_kind: u32, filter: ?[*]const u8, filter_length: u32, out_ids: ?[*]f64, out_scores: ?[*]f32, out_counts: ?[*]u32) i32 {
    return args.statusOf(search(handle, queries, query_count, k, ef, filter_kind, filter, filter_length, out_ids, out_scores, out_counts));
}

fn search(handle: u32, queries_pointer: ?[*]const f32, query_count: u32, k: u32, ef: u32, filter_kind: u32, filter_pointer: ?[*]const u8, filter_length: u32, out_ids: ?[*]f64, out_scores: ?[*]f32, out_counts: ?[*]u32) Error!u32 {
    const index = try registry.resolve(handle);
    if (k < 1 or k > index_zig.k_max) return error.InvalidArgument;
    if (ef > index_zig.ef_max) return error.InvalidArgument;
    if (query_count == 0) return 0;
    const dim = index.space.dim;
    const queries = (try args.pointer([*]const f32, queries_pointer))[0 .. @as(usize, query_count) * dim];
    const ids = (try args.pointer([*]f64, out_ids))[0 .. @as(usize, query_count) * k];
    const scores = (try args.pointer([*]f32, out_scores))[0 .. @as(usize, query_count) * k];
    const counts = (try args.pointer([*]u32, out_counts))[0..query_count];
    const filter: index_zig.FilterSpec = switch (filter_kind) {
        0 => .none,
        1 => .{ .id_list = try idList(filter_pointer, filter_length) },
        2 => .{ .id_bits = if (filter_length == 0) &.{} else (try args.pointer([*]const u8, filter_pointer))[0..filter_length] },
        3 => .{ .labels = try labelList(filter_pointer, filter_length) },
        else => return error.InvalidArgument,
    };
    for (0..query_count) |q| {
        const query = queries[q * dim ..][0..dim];
        if (!Space.finite(query)) return error.InvalidArgument;
        counts[q] = try index.search(query, k, ef, filter, ids[q * k ..][0..k], scores[q * k ..][0..k]);
    }
    return 0;
}

/// An id-list filter: f64s, which must be 8-byte aligned (a Float64Array always is).
fn idList(pointer: ?[*]const u8, length: u32) Error![]const f64 {
    if (length == 0) return &.{};
    const bytes = try args.pointer([*]const u8, pointer);
    if (@intFromPtr(bytes) % @alignOf(f64) != 0) return error.InvalidArgument;
    const values: [*]const f64 = @ptrCast(@alignCast(bytes));
    return values[0..length];
}

/// A label filter: u32s, 4-byte aligned, strictly ascending (so a search can bisect it).
fn labelList(pointer: ?[*]const u8, length: u32) Error![]const u32 {
    if (length == 0) return &.{};
    const bytes = try args.pointer([*]const u8, pointer);
    if (@intFromPtr(bytes) % @alignOf(u32) != 0) return error.InvalidArgument;
    const values: [*]const u32 = @ptrCast(@alignCast(bytes));
    for (1..length) |index| {
        if (values[index - 1] >= values[index]) return error.InvalidArgument;
    }
    return values[0..length];
}

pub export fn offheap_index_stats(handle: u32, out: ?[*]f64, capacity: u32) i32 {
    const index = registry.resolve(handle) catch |err| return status.code(err);
    const target = args.pointer([*]f64, out) catch |err| return status.code(err);
    if (capacity < index_zig.stat_count) return status.code(error.InvalidArgument);
    index.stats(target[0..index_zig.stat_count]);
    return index_zig.stat_count;
}

/// A path argument: 1..4096 bytes, no NUL (the OS layer adds the terminator).
fn pathArgument(path: ?[*]const u8, length: u32) Error![]const u8 {
    if (length < 1 or length > path_length_max) return error.InvalidArgument;
    const bytes = (try args.pointer([*]const u8, path))[0..length];
    if (std.mem.indexOfScalar(u8, bytes, 0) != null) return error.InvalidArgument;
    return bytes;
}

pub export fn offheap_index_save(handle: u32, path: ?[*]const u8, path_length: u32) f64 {
    const index = registry.resolve(handle) catch |err| return args.failure(err);
    const bytes = pathArgument(path, path_length) catch |err| return args.failure(err);
    return args.addressResult(persist.save(index, bytes));
}

pub export fn offheap_index_open_file(path: ?[*]const u8, path_length: u32, mode: u32) f64 {
    const bytes = pathArgument(path, path_length) catch |err| return args.failure(err);
    const how: persist.Mode = switch (mode) {
        0 => .load,
        1 => .view,
        else => return args.failure(error.InvalidArgument),
    };
    const index = persist.open(bytes, how) catch |err| return args.failure(err);
    const handle = register(index) catch |err| return args.failure(err);
    return @floatFromInt(handle);
}

test "an index through the ABI: create, add, search, refuse bad input, release" {
    const handle_value = offheap_index_create(2, @backingInt(metric.Metric.l2sq), 0, 16, 100, 32, 4, 0, -1, 0);
    try std.testing.expect(handle_value > 0);
    const handle: u32 = @intFromFloat(handle_value);
    var ids = [_]f64{ 10, 20, 30 };
    const rows = [_]f32{ 0, 0, 1, 0, 0, 1 };
    var failed: f64 = -1;
    try std.testing.expectEqual(@as(i32, 3), offheap_index_add(handle, &ids, 3, null, &rows, 0, &failed));
    try std.testing.expectEqual(status.code(error.AlreadyExists), offheap_index_add(handle, ids[1..], 1, null, &rows, 0, &failed));
    var bad = [_]f64{-1};
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_index_add(handle, &bad, 1, null, &rows, 0, &failed));
    const nan_row = [_]f32{ std.math.nan(f32), 0 };
    var fresh = [_]f64{40};
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_index_add(handle, &fresh, 1, null, &nan_row, 0, &failed));
    try std.testing.expectEqual(@as(f64, 3), offheap_index_size(handle));
    var out_ids: [2]f64 = undefined;
    var out_scores: [2]f32 = undefined;
    var counts: [1]u32 = undefined;
    const query = [_]f32{ 0.9, 0.1 };
    try std.testing.expectEqual(@as(i32, 0), offheap_index_search(handle, &query, 1, 2, 0, 0, null, 0, &out_ids, &out_scores, &counts));
    try std.testing.expectEqual(@as(u32, 2), counts[0]);
    try std.testing.expectEqual(@as(f64, 20), out_ids[0]);
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_index_search(handle, &query, 1, 0, 0, 0, null, 0, &out_ids, &out_scores, &counts));
    try std.testing.expectEqual(status.code(error.NotFound), offheap_index_remove(handle, 99));
    try std.testing.expectEqual(@as(i32, 0), offheap_index_remove(handle, 20));
    try std.testing.expectEqual(@as(i32, 0), offheap_index_has(handle, 20));
    try std.testing.expectEqual(@as(i32, 0), offheap_index_release(handle));
    try std.testing.expectEqual(status.code(error.NotOwned), offheap_index_has(handle, 10));
}
