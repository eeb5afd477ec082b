//! Decodes every argument that crosses the C ABI, once, for every export: sizes, addresses and
//! address ranges (one address limit, the OS layer's), alignments, counts, vector dims and metrics,
//! and turns results and Zig errors back into the f64 or i32 the runtimes read. An export checks
//! each argument here before it reaches code with assertions, so no export can panic.
//!
//! The types suit the runtimes' fast FFI paths (DESIGN.md §3): addresses and sizes are f64 (exact
//! below 2^53; offheap keeps every address below 2^47), alignments and counts u32, results f64 or
//! i32, and a failure is a negative status code in the same value.
const std = @import("std");
const assert = std.debug.assert;
const os = @import("../os/os.zig");
const heap = @import("../alloc/heap.zig");
const metric = @import("../simd/metric.zig");
const numa = @import("../alloc/numa.zig");
const status = @import("../support/status.zig");
const Error = status.Error;

/// Largest integer an f64 holds exactly; sizes above it cannot have come from a valid JS number.
const f64_integer_max: f64 = 9007199254740992.0;

/// Most items one batch call handles: its result is an i32 count.
pub const batch_count_max: u32 = std.math.maxInt(i32);

/// A status code as the f64 result of an export that otherwise returns an address or a size.
pub fn failure(err: Error) f64 {
    return @floatFromInt(status.code(err));
}

/// An integer result, or its status, as the i32 of an export.
pub fn statusOf(result: Error!u32) i32 {
    const value = result catch |err| return status.code(err);
    assert(value <= std.math.maxInt(i32));
    return @intCast(value);
}

/// A positive integer f64, exactly (no libm floor on the hot path: signed conversions are single
/// instructions on baseline x86-64, and the round trip is exact only for integers).
inline fn positiveInteger(value: f64) ?u64 {
    if (!(value >= 1 and value <= f64_integer_max)) return null;
    const integer: i64 = @intFromFloat(value);
    if (@as(f64, @floatFromInt(integer)) != value) return null;
    assert(integer >= 1);
    return @intCast(integer);
}

/// A size: a positive integer not above `heap.size_bytes_max`.
pub fn size(value: f64) Error!usize {
    const bytes = positiveInteger(value) orelse return error.InvalidSize;
    if (bytes > heap.size_bytes_max) return error.InvalidSize;
    return @intCast(bytes);
}

/// An address: a positive integer. Whether offheap owns it is the allocator's question (the segment
/// map answers NotOwned for anything it never handed out, including anything above the limit).
pub inline fn address(value: f64) Error!usize {
    const checked = positiveInteger(value) orelse return error.InvalidArgument;
    return @intCast(checked);
}

/// An id that travels like an address (a pin owner): a positive integer.
pub const id = address;

/// The start of `extent_bytes` of memory given by address, which must lie inside ONE live offheap
/// mapping: any byte of a live block of a segment, bounded by the block's usable size, or of a live
/// region, bounded by its mapped bytes (alloc/lookup.zig `liveExtent`: one segment-map lookup, so
/// the check is per call, never per row). NotOwned for memory offheap did not map (or freed and
/// unmapped), UseAfterFree for a freed block or region still mapped, OutOfBounds for a range that
/// starts inside one but runs past its end. Every export that reads memory at an f64 address takes
/// its pointer from here; there is no unchecked form.
pub fn range(value: f64, extent_bytes: u64) Error![*]const u8 {
    const start = try address(value);
    const extent = try heap.liveExtent(start);
    const offset = start - extent.start;
    assert(offset < extent.bytes);
    if (extent_bytes > extent.bytes - offset) return error.OutOfBounds;
    assert(start + extent_bytes <= os.address_limit);
    return @ptrFromInt(start);
}

/// The node argument of a cache's or a pool's memory: -1 for the system's policy, else bind to that
/// node (whether it exists is for numa.validate to say).
pub fn boundPlacement(node: i32) Error!numa.Placement {
    if (node < -1) return error.InvalidArgument;
    if (node == -1) return .{};
    return .{ .mode = .bind, .node = @intCast(node) };
}

/// An alignment: 0 for the default, else a power of two (raised to the default).
pub fn alignment(value: u32) Error!usize {
    if (value == 0) return heap.alignment_default_bytes;
    if (!std.math.isPowerOfTwo(value)) return error.InvalidAlignment;
    return @max(value, heap.alignment_default_bytes);
}

/// The item count of a batch whose buffer the runtime passes as `pointer`: an empty typed array
/// arrives as a null pointer, so a count of 0 needs none.
pub fn batch(comptime T: type, items_pointer: ?[*]T, count: u32) Error![]T {
    if (count == 0) return &.{};
    const items = items_pointer orelse return error.InvalidArgument;
    if (count > batch_count_max) return error.InvalidArgument;
    return items[0..count];
}

/// An address or size result: both are below 2^47, so the cheap signed conversion is exact.
pub fn addressResult(result: Error!usize) f64 {
    const value = result catch |err| return failure(err);
    assert(value < 1 << 53);
    return @floatFromInt(@as(i64, @intCast(value)));
}

/// A non-null pointer argument.
pub fn pointer(comptime P: type, value: ?P) Error!P {
    return value orelse error.InvalidArgument;
}

/// A vector length in elements: 1..metric.dim_max.
pub fn dim(value: u32) Error!u32 {
    if (value < 1 or value > metric.dim_max) return error.InvalidArgument;
    return value;
}

/// A metric code that applies to element type `t`.
pub fn metricOf(t: metric.ElementType, code: u32) Error!metric.Metric {
    const m = metric.metricFromCode(code) orelse return error.InvalidArgument;
    if (!metric.supports(t, m)) return error.InvalidArgument;
    return m;
}

/// Bytes from the first row's start to the last row's end: ((row_count − 1) · stride + dim) · size,
/// refused when it could not fit below the address limit.
pub fn extentBytes(row_count: u32, dim_elements: u32, stride: u32, element_bytes: u32) Error!u64 {
    if (stride < dim_elements) return error.InvalidArgument;
    if (row_count == 0) return 0;
    const elements = @as(u64, row_count - 1) * stride + dim_elements;
    const bytes = std.math.mul(u64, elements, element_bytes) catch return error.InvalidArgument;
    if (bytes >= os.address_limit) return error.InvalidArgument;
    return bytes;
}

/// Writes `text` (a layout description) into out[0..capacity] as far as it fits and returns its
/// full length, so a caller can size its buffer with a first call.
pub fn writeText(text: []const u8, out: ?[*]u8, capacity: u32) i32 {
    assert(text.len <= std.math.maxInt(i32));
    if (out) |target| {
        const count = @min(text.len, capacity);
        @memcpy(target[0..count], text[0..count]);
    }
    return @intCast(text.len);
}

test "sizes, addresses and ranges reject everything that is not a positive integer in range" {
    for ([_]f64{ 0, -1, 1.5, std.math.nan(f64), std.math.inf(f64), 1e300 }) |bad| {
        try std.testing.expectError(error.InvalidSize, size(bad));
        try std.testing.expectError(error.InvalidArgument, address(bad));
    }
    try std.testing.expectEqual(@as(usize, 4096), try size(4096));
    try std.testing.expectError(error.InvalidSize, size(@floatFromInt(heap.size_bytes_max + 1)));
    try std.testing.expectEqual(@as(usize, 1 << 50), try address(0x1p50)); // the allocator says NotOwned
    try std.testing.expectError(error.NotOwned, range(0x1p50, 0));
    try std.testing.expectError(error.NotOwned, range(0x1p47 - 16, 16));
    try std.testing.expectError(error.InvalidArgument, range(-16, 16));
    try std.testing.expectError(error.InvalidAlignment, alignment(3));
    try std.testing.expectEqual(heap.alignment_default_bytes, try alignment(0));
    try std.testing.expectEqual(@as(usize, 64), try alignment(64));
}

test "a range must lie inside one live block or region, from any byte of it" {
    const block = try heap.alloc(.{ .size_bytes = 256, .alignment_bytes = 16 });
    const usable = try heap.usableSize(block);
    const start: f64 = @floatFromInt(block);
    try std.testing.expectEqual(block, @intFromPtr(try range(start, usable)));
    try std.testing.expectEqual(block + 3, @intFromPtr(try range(start + 3, usable - 3)));
    try std.testing.expectEqual(block + usable - 1, @intFromPtr(try range(start + @as(f64, @floatFromInt(usable - 1)), 1)));
    try std.testing.expectError(error.OutOfBounds, range(start, usable + 1));
    try std.testing.expectError(error.OutOfBounds, range(start + 3, usable - 2));
    try std.testing.expectError(error.OutOfBounds, range(start, os.address_limit));
    const region = try heap.alloc(.{ .size_bytes = 8 << 20, .alignment_bytes = 16 });
    const mapped_bytes = try heap.usableSize(region);
    const region_start: f64 = @floatFromInt(region);
    try std.testing.expectEqual(region + 4096, @intFromPtr(try range(region_start + 4096, mapped_bytes - 4096)));
    try std.testing.expectError(error.OutOfBounds, range(region_start + 4096, mapped_bytes - 4095));
    _ = try heap.free(region);
    _ = try heap.free(block);
    // A freed block is UseAfterFree while its page lives (lookup.zig tests that), else NotOwned.
    if (range(start, 16)) |_| return error.TestUnexpectedResult else |err| {
        try std.testing.expect(err == error.UseAfterFree or err == error.NotOwned);
    }
}

test "a memory node argument is -1 or a node to bind to" {
    try std.testing.expectEqual(numa.Mode.default, (try boundPlacement(-1)).mode);
    const bound = try boundPlacement(3);
    try std.testing.expectEqual(numa.Mode.bind, bound.mode);
    try std.testing.expectEqual(@as(?u32, 3), bound.node);
    try std.testing.expectError(error.InvalidArgument, boundPlacement(-2));
}

test "extents and batches are bounded" {
    try std.testing.expectEqual(@as(u64, 0), try extentBytes(0, 4, 4, 4));
    try std.testing.expectEqual(@as(u64, (2 * 8 + 4) * 4), try extentBytes(3, 4, 8, 4));
    try std.testing.expectError(error.InvalidArgument, extentBytes(3, 4, 3, 4));
    try std.testing.expectError(error.InvalidArgument, extentBytes(0xffff_ffff, 65536, 0xffff_ffff, 4));
    var items: [2]f64 = undefined;
    try std.testing.expectEqual(@as(usize, 0), (try batch(f64, null, 0)).len);
    try std.testing.expectError(error.InvalidArgument, batch(f64, null, 2));
    try std.testing.expectError(error.InvalidArgument, batch(f64, &items, batch_count_max + 1));
    var out: [4]u8 = undefined;
    try std.testing.expectEqual(@as(i32, 6), writeText("abcdef", &out, 4));
    try std.testing.expectEqualSlices(u8, "abcd", &out);
    try std.testing.expectEqual(@as(i32, 6), writeText("abcdef", null, 0));
}

const fuzz = @import("../support/fuzz.zig");

/// Raw f64s for the decoders: any bit pattern, or an integer near an edge, nudged by a few ulps.
fn fuzzNumber(smith: *fuzz.Smith) f64 {
    const raw = smith.value(u64);
    const edges = [_]f64{ 0, 1, heap.size_bytes_max, f64_integer_max, 0x1p47, 4096 };
    return switch (raw % 4) {
        0 => @bitCast(smith.value(u64)),
        1 => @floatFromInt(@as(i64, @bitCast(smith.value(u64))) >> @intCast(smith.value(u64) % 64)),
        else => blk: {
            const edge = edges[(raw >> 2) % edges.len];
            const ulps: i64 = @as(i64, @intCast((raw >> 8) % 9)) - 4;
            var value = edge;
            for (0..@abs(ulps)) |_| value = if (ulps > 0) std.math.nextAfter(f64, value, std.math.inf(f64)) else std.math.nextAfter(f64, value, -std.math.inf(f64));
            break :blk if ((raw & (1 << 40)) != 0) -value else value;
        },
    };
}

/// The integer a decoder must accept `value` as, within [1, max], by the plain definition.
fn integerIn(value: f64, max: f64) ?u64 {
    if (std.math.isNan(value) or value < 1 or value > max or @floor(value) != value) return null;
    return @intFromFloat(value);
}

fn fuzzDecoders(_: void, smith: *fuzz.Smith) !void {
    for (0..fuzz.operations_max) |_| {
        if (smith.eos()) break;
        const value = fuzzNumber(smith);
        // size: exactly the integers 1 ..= size_bytes_max.
        if (integerIn(value, @floatFromInt(heap.size_bytes_max))) |expected| {
            try std.testing.expectEqual(@as(usize, @intCast(expected)), try size(value));
        } else try std.testing.expectError(error.InvalidSize, size(value));
        // address: exactly the integers 1 ..= 2^53 (ownership is the allocator's question).
        if (integerIn(value, f64_integer_max)) |expected| {
            try std.testing.expectEqual(@as(usize, @intCast(expected)), try address(value));
        } else try std.testing.expectError(error.InvalidArgument, address(value));
        // alignment: 0 (the default) or a power of two, raised to the default.
        const alignment_value: u32 = @truncate(smith.value(u64) >> @intCast(smith.value(u64) % 32));
        if (alignment_value == 0 or std.math.isPowerOfTwo(alignment_value)) {
            try std.testing.expectEqual(@max(@as(usize, alignment_value), heap.alignment_default_bytes), try alignment(alignment_value));
        } else try std.testing.expectError(error.InvalidAlignment, alignment(alignment_value));
        try fuzzExtent(smith);
    }
}

/// extentBytes against 128-bit arithmetic: refused exactly when the stride is short or the bytes
/// reach the address limit.
fn fuzzExtent(smith: *fuzz.Smith) !void {
    const row_count: u32 = @truncate(smith.value(u64) >> @intCast(smith.value(u64) % 33));
    const dim_elements: u32 = @truncate(smith.value(u64) % (metric.dim_max + 2));
    const stride: u32 = @truncate(smith.value(u64) >> @intCast(smith.value(u64) % 33));
    const element_bytes: u32 = @as(u32, 1) << @intCast(smith.value(u64) % 4);
    const result = extentBytes(row_count, dim_elements, stride, element_bytes);
    if (stride < dim_elements) return std.testing.expectError(error.InvalidArgument, result);
    if (row_count == 0) return std.testing.expectEqual(@as(u64, 0), try result);
    const expected: u128 = (@as(u128, row_count - 1) * stride + dim_elements) * element_bytes;
    if (expected >= os.address_limit) return std.testing.expectError(error.InvalidArgument, result);
    try std.testing.expectEqual(@as(u64, @intCast(expected)), try result);
}

test "fuzz: the decoders never panic and accept exactly the valid set" {
    try fuzz.run({}, fuzzDecoders, &.{
        fuzz.values(&.{ 2, 0, 0, 2 | 1 << 40, 0, 0, 3 | 2 << 2 | 8 << 8, 0, 0 }),
        fuzz.values(&.{ 0, 0x7FF8_0000_0000_0001, 3, 5, 1 << 10, 0, 1, 1 << 33, 1, 0 }),
    });
}
