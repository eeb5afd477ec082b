//! The C ABI of liboffheap: every `export fn` of the library, the argument checks at the boundary,
//! and the conversion of Zig errors to the status codes of status.zig. No export can panic: each
//! validates its arguments before they reach code with assertions, and returns a status instead.
//!
//! The types are chosen for the JavaScript runtimes' fast FFI paths (see DESIGN.md §3): addresses
//! and sizes travel as f64 (exact below 2^53; offheap keeps every address below 2^47), alignments and
//! counts as u32, results as f64 or i32. An export that returns an address or a size returns a
//! negative status code in the same f64 on failure.
//!
//! ABI version 1:
//!   offheap_abi_version() u32
//!   offheap_alloc(size: f64, alignment: u32) f64            address, or status
//!   offheap_alloc_zeroed(size: f64, alignment: u32) f64     address, or status
//!   offheap_free(address: f64) i32                          tier freed (>= 0), or status
//!   offheap_realloc(address: f64, size: f64) f64            new address, or status
//!   offheap_usable_size(address: f64) f64                   bytes, or status
//!   offheap_tier_of(address: f64) i32                       tier, or status
//!   offheap_mapping_of(address: f64, out: *[2]f64) i32      writes base and length; status
//!   offheap_stats(out: [*]f64, capacity: u32) i32           fields written, or status
//!   offheap_stats_field_count() u32
//! The vector kernels' exports live in ffi_vectors.zig.
//! An alignment of 0 means the default (16 bytes).
const std = @import("std");
const heap = @import("heap.zig");
const stats = @import("stats.zig");
const thread_heap = @import("thread_heap.zig");
const status = @import("status.zig");
const Error = status.Error;

pub const abi_version: u32 = 1;

/// Largest integer an f64 holds exactly; sizes above it cannot have come from a valid JS number.
const f64_integer_max: f64 = 9007199254740992.0;

fn failure(err: Error) f64 {
    return @floatFromInt(status.code(err));
}

/// A size argument: a positive integer not above `heap.size_max_bytes`.
fn sizeArgument(value: f64) Error!usize {
    if (!(value >= 1 and value <= f64_integer_max)) return error.InvalidSize;
    // Signed conversions are single instructions on baseline x86-64 (unsigned ones are not), and the
    // round trip is exact only for integers, which avoids a libm floor() call on the hot path.
    const size: i64 = @intFromFloat(value);
    if (@as(f64, @floatFromInt(size)) != value) return error.InvalidSize;
    if (size > heap.size_max_bytes) return error.InvalidSize;
    return @intCast(size);
}

/// An address argument: a positive integer below the address limit.
fn addressArgument(value: f64) Error!usize {
    if (!(value >= 1 and value <= f64_integer_max)) return error.InvalidArgument;
    const address: i64 = @intFromFloat(value);
    if (@as(f64, @floatFromInt(address)) != value) return error.InvalidArgument;
    return @intCast(address);
}

fn alignmentArgument(value: u32) Error!usize {
    if (value == 0) return heap.alignment_default_bytes;
    if (!std.math.isPowerOfTwo(value)) return error.InvalidAlignment;
    return @max(value, heap.alignment_default_bytes);
}

/// Addresses and sizes are below 2^47, so the cheap signed conversion is exact.
fn addressResult(result: Error!usize) f64 {
    const address = result catch |err| return failure(err);
    std.debug.assert(address < 1 << 53);
    return @floatFromInt(@as(i64, @intCast(address)));
}

export fn offheap_abi_version() u32 {
    return abi_version;
}

export fn offheap_alloc(size: f64, alignment: u32) f64 {
    const size_bytes = sizeArgument(size) catch |err| return failure(err);
    const alignment_bytes = alignmentArgument(alignment) catch |err| return failure(err);
    return addressResult(heap.alloc(size_bytes, alignment_bytes));
}

export fn offheap_alloc_zeroed(size: f64, alignment: u32) f64 {
    const size_bytes = sizeArgument(size) catch |err| return failure(err);
    const alignment_bytes = alignmentArgument(alignment) catch |err| return failure(err);
    return addressResult(heap.allocZeroed(size_bytes, alignment_bytes));
}

export fn offheap_free(address: f64) i32 {
    const checked = addressArgument(address) catch |err| return status.code(err);
    const tier = heap.free(checked) catch |err| return status.code(err);
    return @backingInt(tier);
}

export fn offheap_realloc(address: f64, size: f64) f64 {
    const checked = addressArgument(address) catch |err| return failure(err);
    const size_bytes = sizeArgument(size) catch |err| return failure(err);
    return addressResult(heap.realloc(checked, size_bytes));
}

export fn offheap_usable_size(address: f64) f64 {
    const checked = addressArgument(address) catch |err| return failure(err);
    return addressResult(heap.usableSize(checked));
}

export fn offheap_tier_of(address: f64) i32 {
    const checked = addressArgument(address) catch |err| return status.code(err);
    const tier = heap.tierOf(checked) catch |err| return status.code(err);
    return @backingInt(tier);
}

export fn offheap_mapping_of(address: f64, out: ?*[2]f64) i32 {
    const target = out orelse return status.code(error.InvalidArgument);
    const checked = addressArgument(address) catch |err| return status.code(err);
    const mapping = heap.mappingOf(checked) catch |err| return status.code(err);
    target.* = .{ @floatFromInt(mapping.base), @floatFromInt(mapping.len_bytes) };
    return 0;
}

export fn offheap_stats_field_count() u32 {
    return stats.field_count;
}

/// Merges every thread heap's counters into `out`, which must hold `offheap_stats_field_count()`.
export fn offheap_stats(out: ?[*]f64, capacity: u32) i32 {
    const target = out orelse return status.code(error.InvalidArgument);
    if (capacity < stats.field_count) return status.code(error.InvalidArgument);
    var sources: [4096]*const stats.Counters = undefined;
    var count: usize = 0;
    var next = thread_heap.first();
    while (next) |each| : (next = each.registry_next) {
        if (count == sources.len) break;
        sources[count] = &each.counters;
        count += 1;
    }
    stats.snapshot(sources[0..count], target[0..stats.field_count]);
    return stats.field_count;
}

test "arguments that are not sizes or addresses are rejected before any work" {
    try std.testing.expectEqual(failure(error.InvalidSize), offheap_alloc(0, 0));
    try std.testing.expectEqual(failure(error.InvalidSize), offheap_alloc(-1, 0));
    try std.testing.expectEqual(failure(error.InvalidSize), offheap_alloc(std.math.nan(f64), 0));
    try std.testing.expectEqual(failure(error.InvalidSize), offheap_alloc(1.5, 0));
    try std.testing.expectEqual(failure(error.InvalidSize), offheap_alloc(std.math.inf(f64), 0));
    try std.testing.expectEqual(failure(error.InvalidSize), offheap_alloc(1e300, 0));
    try std.testing.expectEqual(failure(error.InvalidAlignment), offheap_alloc(8, 3));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_free(std.math.nan(f64)));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_free(-8));
    try std.testing.expectEqual(status.code(error.NotOwned), offheap_free(4096));
    try std.testing.expectEqual(status.code(error.NotOwned), offheap_free(1e15));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_stats(null, 100));
}

test "alloc, usable size, mapping and free through the ABI" {
    const address = offheap_alloc(1000, 64);
    try std.testing.expect(address > 0);
    try std.testing.expectEqual(@as(f64, 0), @mod(address, 64));
    try std.testing.expect(offheap_usable_size(address) >= 1000);
    var mapping: [2]f64 = undefined;
    try std.testing.expectEqual(@as(i32, 0), offheap_mapping_of(address, &mapping));
    try std.testing.expect(mapping[0] <= address and address + 1000 <= mapping[0] + mapping[1]);
    try std.testing.expectEqual(@as(i32, 0), offheap_free(address));
    try std.testing.expectEqual(status.code(error.DoubleFree), offheap_free(address));
}
