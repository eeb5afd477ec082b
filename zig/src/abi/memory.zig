//! The C ABI of liboffheap: every `export fn` of the library, the argument checks at the boundary,
//! and the conversion of Zig errors to the status codes of status.zig. No export can panic: each
//! validates its arguments before they reach code with assertions, and returns a status instead.
//!
//! The types are chosen for the JavaScript runtimes' fast FFI paths (see DESIGN.md §3): addresses
//! and sizes travel as f64 (exact below 2^53; offheap keeps every address below 2^47), alignments and
//! counts as u32, results as f64 or i32. An export that returns an address or a size returns a
//! negative status code in the same f64 on failure.
//!
//! ABI version 3 (2 changed free of a mapped-tier region: it is cached, so a second free is
//! DoubleFree, and the stats layout grew at its end; 3 made region pins name their owner):
//!   offheap_abi_version() u32
//!   offheap_alloc(size: f64, alignment: u32) f64            address, or status
//!   offheap_alloc_zeroed(size: f64, alignment: u32) f64     address, or status
//!   offheap_free(address: f64) i32                          tier freed (>= 0), or status
//!   offheap_alloc_batch(size: f64, alignment: u32, count: u32, out: [*]f64) i32
//!                                                           count: all allocated, or none and status
//!   offheap_free_batch(addresses: [*]const f64, count: u32, failure: *i32) i32
//!                                                           blocks freed: stops at the first invalid
//!                                                           one and writes its status to failure
//!   offheap_realloc(address: f64, size: f64) f64            new address, or status
//!   offheap_usable_size(address: f64) f64                   bytes, or status
//!   offheap_tier_of(address: f64) i32                       tier, or status
//!   offheap_mapping_of(address: f64, out: *[3]f64) i32      writes base, length, kind (1 segment,
//!                                                           2 region); status
//!   offheap_stats(out: [*]f64, capacity: u32) i32           fields written, or status
//!   offheap_stats_field_count() u32
//!   offheap_alloc_ex(size: f64, alignment: u32, flags: u32, node: i32) f64   address, or status
//!   offheap_trim() f64                                      bytes given back to the OS
//!   offheap_pin_owner_open() f64                           owner id for the calling JS thread, or status
//!   offheap_region_pin(address: f64, owner: f64) i32        status
//!   offheap_region_unpin(address: f64, owner: f64) i32      status
//!   offheap_backing_of(address: f64) i32                    0 4k, 1 thp, 2 hugetlb-2m, 3 hugetlb-1g
//!   offheap_node_of(address: f64) i32                       NUMA node of the (touched) page
//!   offheap_policy_of(address: f64) i32                     0 default 1 preferred 2 bind 3 interleave 4 local
//!   offheap_numa_nodes(out: [*]u32, capacity: u32) i32      online node ids written (count), or status
//!   offheap_current_node() i32                              node of the calling thread's CPU
//!   offheap_config(out: [*]f64, capacity: u32) i32          the effective options (see configFields)
//!   offheap_os_map(size: f64) f64 / offheap_os_unmap(address: f64, size: f64) i32
//!                                                           a bare mmap/munmap, the benchmarks' baseline
//!   offheap_resident_bytes() f64                            resident bytes of offheap's segments and
//!                                                           regions (mincore), or status
//! The vector kernels' exports live in ffi_vectors.zig.
//! An alignment of 0 means the default (16 bytes).
const std = @import("std");
const heap = @import("../alloc/heap.zig");
const pin_owner = @import("../alloc/pin_owner.zig");
const numa = @import("../alloc/numa.zig");
const config = @import("../config.zig");
const os = @import("../os/os.zig");
const stats = @import("../stats/counters.zig");
const thread_heap = @import("../alloc/thread_heap.zig");
const status = @import("../support/status.zig");
const Error = status.Error;

pub const abi_version: u32 = 3;

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
inline fn addressArgument(value: f64) Error!usize {
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

/// Sizes up to this take the hot path of `offheap_alloc` (the small and medium tiers).
const fast_size_max: f64 = @floatFromInt(@import("../alloc/size_class.zig").medium_max_bytes);

export fn offheap_alloc(size: f64, alignment: u32) f64 {
    // The hot path converts with 32-bit instructions and touches nothing but the head page; every
    // other case, and every invalid argument, goes through the general path below.
    if (alignment == 0 and size >= 1 and size <= fast_size_max) {
        const size_bytes: u32 = @intFromFloat(size);
        if (@as(f64, @floatFromInt(size_bytes)) == size) {
            if (heap.allocFast(size_bytes)) |address| return @floatFromInt(@as(i64, @intCast(address)));
        }
    }
    return @call(.never_inline, allocGeneral, .{ size, alignment });
}

fn allocGeneral(size: f64, alignment: u32) f64 {
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
    // The hot path: a block of a segment this thread owns. Anything else, including every invalid
    // argument, takes the general path, which reports the precise status.
    if (addressArgument(address)) |checked| {
        if (heap.freeFast(checked)) |tier| return @backingInt(tier);
    } else |_| {}
    return @call(.never_inline, freeGeneral, .{address});
}

fn freeGeneral(address: f64) i32 {
    const checked = addressArgument(address) catch |err| return status.code(err);
    const tier = heap.free(checked) catch |err| return status.code(err);
    return @backingInt(tier);
}

/// Most blocks one batch call handles: its result is an i32 count.
const batch_count_max: u32 = std.math.maxInt(i32);

/// Allocates `count` blocks of `size` bytes into out[0..count]: one FFI crossing instead of
/// `count`. All or nothing: on a failure the blocks this call already allocated are freed again and
/// the status is returned. The caller guarantees out holds `count` f64s.
export fn offheap_alloc_batch(size: f64, alignment: u32, count: u32, out: ?[*]f64) i32 {
    const size_bytes = sizeArgument(size) catch |err| return status.code(err);
    const alignment_bytes = alignmentArgument(alignment) catch |err| return status.code(err);
    heap.checkRequest(size_bytes, alignment_bytes) catch |err| return status.code(err);
    if (count == 0) return 0; // the runtimes pass an empty array as a null pointer
    const target = out orelse return status.code(error.InvalidArgument);
    if (count > batch_count_max) return status.code(error.InvalidArgument);
    const fast = alignment == 0 and size_bytes <= heap.medium_max_bytes;
    var own_heap = heap.currentHeap();
    for (target[0..count], 0..) |*slot, index| {
        const fast_address = if (fast and own_heap != null) heap.allocFastIn(own_heap.?, @intCast(size_bytes)) else null;
        const address = fast_address orelse general: {
            const allocated = heap.alloc(size_bytes, alignment_bytes) catch |err| {
                freeBatchAllocated(target[0..index]);
                return status.code(err);
            };
            own_heap = heap.currentHeap(); // the general path may have created this thread's heap
            break :general allocated;
        };
        slot.* = @floatFromInt(@as(i64, @intCast(address)));
    }
    return @intCast(count);
}

/// Rolls back a failed batch: these blocks were allocated by this thread a moment ago.
fn freeBatchAllocated(addresses: []const f64) void {
    for (addresses) |value| {
        const address: usize = @intFromFloat(value);
        _ = heap.free(address) catch if (std.debug.runtime_safety) unreachable;
    }
}

/// Frees addresses[0..count] in order and returns how many were freed: `count`, or the index of
/// the first address that is not a live block, whose status goes to `failure[0]` (that one and the
/// rest are left alone). The caller guarantees addresses holds `count` f64s.
export fn offheap_free_batch(addresses: ?[*]const f64, count: u32, failure_out: ?*i32) i32 {
    const failed = failure_out orelse return status.code(error.InvalidArgument);
    failed.* = 0;
    if (count == 0) return 0; // the runtimes pass an empty array as a null pointer
    const source = addresses orelse return status.code(error.InvalidArgument);
    if (count > batch_count_max) return status.code(error.InvalidArgument);
    var own_heap = heap.currentHeap();
    for (source[0..count], 0..) |value, index| {
        const address = addressArgument(value) catch |err| {
            failed.* = status.code(err);
            return @intCast(index);
        };
        if (own_heap) |own| if (heap.freeFastIn(own, address) != null) continue;
        _ = heap.free(address) catch |err| {
            failed.* = status.code(err);
            return @intCast(index);
        };
        own_heap = heap.currentHeap(); // the general path may have created this thread's heap
    }
    return @intCast(count);
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

export fn offheap_mapping_of(address: f64, out: ?*[3]f64) i32 {
    const target = out orelse return status.code(error.InvalidArgument);
    const checked = addressArgument(address) catch |err| return status.code(err);
    const mapping = heap.mappingOf(checked) catch |err| return status.code(err);
    const kind = @import("../alloc/segment_map.zig").lookup(checked).kind;
    target.* = .{ @floatFromInt(mapping.base), @floatFromInt(mapping.len_bytes), @floatFromInt(@backingInt(kind)) };
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

/// offheap_alloc_ex flag bits.
pub const Flags = struct {
    pub const zero: u32 = 1 << 0;
    /// Two bits: 0 the configured default, 1 auto, 2 always, 3 never.
    pub const huge_shift: u5 = 1;
    /// Two bits: 0 the configured default, 1 local, 2 interleave, 3 preferred.
    pub const numa_shift: u5 = 3;
    /// Two bits: 0 none, 1 sequential, 2 random, 3 willneed.
    pub const advice_shift: u5 = 5;
    pub const collapse: u32 = 1 << 7;
    pub const known: u32 = (1 << 8) - 1;
};

/// Decodes the flags and node of offheap_alloc_ex into a request; rejects unknown bits.
fn requestArgument(size_bytes: usize, alignment: u32, flags: u32, node: i32) Error!heap.Request {
    if (flags & ~Flags.known != 0) return error.InvalidArgument;
    if (node < -1) return error.InvalidNode;
    var request: heap.Request = .{ .size_bytes = size_bytes, .alignment_bytes = try alignmentArgument(alignment) };
    request.zero = flags & Flags.zero != 0;
    request.collapse = flags & Flags.collapse != 0;
    request.huge_mode = switch ((flags >> Flags.huge_shift) & 3) {
        0 => null,
        1 => .auto,
        2 => .always,
        else => .never,
    };
    const node_wanted: ?u32 = if (node >= 0) @intCast(node) else null;
    request.placement = switch ((flags >> Flags.numa_shift) & 3) {
        0 => if (node_wanted) |wanted| .{ .mode = .bind, .node = wanted } else .{},
        1 => .{ .mode = .local },
        2 => .{ .mode = .interleave },
        else => .{ .mode = .preferred, .node = node_wanted },
    };
    if (request.placement.mode == .local or request.placement.mode == .interleave) {
        if (node_wanted != null) return error.InvalidArgument;
    }
    request.advice = @enumFromInt((flags >> Flags.advice_shift) & 3);
    return request;
}

export fn offheap_alloc_ex(size: f64, alignment: u32, flags: u32, node: i32) f64 {
    const size_bytes = sizeArgument(size) catch |err| return failure(err);
    const request = requestArgument(size_bytes, alignment, flags, node) catch |err| return failure(err);
    return addressResult(heap.allocEx(request));
}

export fn offheap_trim() f64 {
    return @floatFromInt(heap.trim());
}

/// Opens the pin owner of the calling JavaScript thread (pin_owner.zig): its pins are dropped once
/// the thread has ended, since its views ended with it.
export fn offheap_pin_owner_open() f64 {
    const id = pin_owner.open() catch |err| return failure(err);
    return @floatFromInt(id);
}

/// Pins the live region starting at `address` for `owner` until the matching unpin.
export fn offheap_region_pin(address: f64, owner: f64) i32 {
    const checked = addressArgument(address) catch |err| return status.code(err);
    // An owner id is a positive integer like an address; pin_owner refuses any id that is not open.
    const id = addressArgument(owner) catch |err| return status.code(err);
    pin_owner.pin(id, checked) catch |err| return status.code(err);
    return 0;
}

/// Drops one of `owner`'s pins of the region at `address`.
export fn offheap_region_unpin(address: f64, owner: f64) i32 {
    const checked = addressArgument(address) catch |err| return status.code(err);
    const id = addressArgument(owner) catch |err| return status.code(err);
    pin_owner.unpin(id, checked) catch |err| return status.code(err);
    return 0;
}

export fn offheap_backing_of(address: f64) i32 {
    const checked = addressArgument(address) catch |err| return status.code(err);
    const backing = heap.backingOf(checked) catch |err| return status.code(err);
    return @backingInt(backing);
}

/// The NUMA node of the page at `address`, which must be offheap memory (touched first).
export fn offheap_node_of(address: f64) i32 {
    const checked = addressArgument(address) catch |err| return status.code(err);
    _ = heap.mappingOf(checked) catch |err| return status.code(err);
    const node = numa.nodeOf(checked) catch |err| return status.code(err);
    return @intCast(node);
}

export fn offheap_policy_of(address: f64) i32 {
    const checked = addressArgument(address) catch |err| return status.code(err);
    _ = heap.mappingOf(checked) catch |err| return status.code(err);
    const mode = numa.modeOf(checked) catch |err| return status.code(err);
    return @intCast(@backingInt(mode));
}

export fn offheap_numa_nodes(out: ?[*]u32, capacity: u32) i32 {
    const target = out orelse return status.code(error.InvalidArgument);
    const mask = numa.onlineMask();
    var count: u32 = 0;
    for (0..numa.mask_bits) |node| {
        if (mask[node / 64] & (@as(u64, 1) << @intCast(node % 64)) == 0) continue;
        if (count < capacity) target[count] = @intCast(node);
        count += 1;
    }
    return @intCast(count);
}

export fn offheap_current_node() i32 {
    return @intCast(numa.currentNode());
}

/// The effective options, in this order (append only): cache budget bytes, decay ms, huge threshold
/// bytes, NUMA policy (0 local, 1 interleave, 2 preferred), poison (0/1), huge mode (0 auto,
/// 1 always, 2 never), hugetlb retry ms.
export fn offheap_config(out: ?[*]f64, capacity: u32) i32 {
    const target = out orelse return status.code(error.InvalidArgument);
    const options = config.get();
    const values = [_]f64{
        @floatFromInt(options.cache_budget_bytes),     @floatFromInt(options.decay_ms),
        @floatFromInt(options.huge_threshold_bytes),   @floatFromInt(@backingInt(options.numa_policy)),
        @floatFromInt(@intFromBool(options.poison)),   @floatFromInt(@backingInt(options.huge_mode)),
        @floatFromInt(options.hugetlb_retry_ms),
    };
    for (values, 0..) |value, i| if (i < capacity) {
        target[i] = value;
    };
    return values.len;
}

/// A bare anonymous mmap, for the benchmarks' baseline; not offheap memory (free it with os_unmap).
export fn offheap_os_map(size: f64) f64 {
    const size_bytes = sizeArgument(size) catch |err| return failure(err);
    const len_bytes = std.mem.alignForward(usize, size_bytes, os.page_size_bytes);
    const memory = os.map(len_bytes, .{}) catch |err| return failure(err);
    return @floatFromInt(@intFromPtr(memory));
}

export fn offheap_os_unmap(address: f64, size: f64) i32 {
    const checked = addressArgument(address) catch |err| return status.code(err);
    const size_bytes = sizeArgument(size) catch |err| return status.code(err);
    if (checked % os.page_size_bytes != 0) return status.code(error.InvalidArgument);
    // Refuse to unmap offheap's own memory through the back door.
    if (@import("../alloc/segment_map.zig").lookup(checked).kind != .none) return status.code(error.InvalidArgument);
    os.unmap(@ptrFromInt(checked), std.mem.alignForward(usize, size_bytes, os.page_size_bytes));
    return 0;
}

/// offheap's own share of the process RSS (resident.zig); approximate while other threads free.
export fn offheap_resident_bytes() f64 {
    const bytes = @import("../stats/resident.zig").residentBytes() catch |err| return failure(err);
    return @floatFromInt(bytes);
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
    var mapping: [3]f64 = undefined;
    try std.testing.expectEqual(@as(i32, 0), offheap_mapping_of(address, &mapping));
    try std.testing.expect(mapping[0] <= address and address + 1000 <= mapping[0] + mapping[1]);
    try std.testing.expectEqual(@as(i32, 0), offheap_free(address));
    try std.testing.expectEqual(status.code(error.DoubleFree), offheap_free(address));
}

test "alloc_ex decodes flags, rejects unknown bits and nodes" {
    try std.testing.expectEqual(failure(error.InvalidArgument), offheap_alloc_ex(64, 0, 1 << 8, -1));
    try std.testing.expectEqual(failure(error.InvalidNode), offheap_alloc_ex(64 << 10, 0, 0, numa.mask_bits + 5));
    try std.testing.expectEqual(failure(error.InvalidNode), offheap_alloc_ex(64 << 10, 0, 0, -2));
    try std.testing.expectEqual(failure(error.InvalidAlignment), offheap_alloc_ex(64 << 10, 8192, 0, -1));
    const aligned = offheap_alloc_ex(64 << 10, 2 << 20, 2 << Flags.huge_shift, -1);
    try std.testing.expect(aligned > 0);
    try std.testing.expectEqual(@as(f64, 0), @mod(aligned, 2 << 20));
    try std.testing.expectEqual(@as(i32, 3), offheap_tier_of(aligned));
    try std.testing.expectEqual(@as(i32, 3), offheap_free(aligned));
    const bound = offheap_alloc_ex(1 << 20, 0, Flags.zero, @intCast(numa.currentNode()));
    try std.testing.expect(bound > 0);
    const bytes: [*]u8 = @ptrFromInt(@as(usize, @intFromFloat(bound)));
    bytes[0] = 1;
    try std.testing.expectEqual(@as(i32, @intCast(numa.currentNode())), offheap_node_of(bound));
    try std.testing.expectEqual(@as(i32, 2), offheap_policy_of(bound));
    try std.testing.expectEqual(@as(i32, 2), offheap_free(bound));
}

test "pinned regions defer their release; trim empties the cache" {
    const address = offheap_alloc(100 << 10, 0);
    const owner = offheap_pin_owner_open();
    try std.testing.expect(owner >= 1);
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_region_pin(address, 0));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_region_pin(address, std.math.nan(f64)));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_region_pin(address, owner + 0.5));
    try std.testing.expectEqual(@as(i32, 0), offheap_region_pin(address, owner));
    try std.testing.expectEqual(@as(i32, 2), offheap_free(address));
    try std.testing.expectEqual(status.code(error.DoubleFree), offheap_free(address));
    try std.testing.expectEqual(status.code(error.DoubleFree), offheap_region_pin(address, owner));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_region_unpin(address, owner + 4096));
    try std.testing.expectEqual(@as(i32, 0), offheap_region_unpin(address, owner));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_region_unpin(address, owner));
    try std.testing.expectEqual(status.code(error.DoubleFree), offheap_free(address));
    try std.testing.expect(offheap_trim() >= 100 << 10);
    try std.testing.expectEqual(status.code(error.NotOwned), offheap_free(address));
}

test "batches allocate all or nothing and free up to the first invalid address" {
    var addresses: [1000]f64 = undefined;
    var failed_status: i32 = undefined;
    try std.testing.expectEqual(@as(i32, 1000), offheap_alloc_batch(64, 0, 1000, &addresses));
    for (addresses, 0..) |address, index| {
        try std.testing.expect(address > 0 and @mod(address, 16) == 0);
        try std.testing.expectEqual(@as(f64, 64), offheap_usable_size(address));
        if (index > 0) try std.testing.expect(address != addresses[index - 1]);
    }
    try std.testing.expectEqual(@as(i32, 1000), offheap_free_batch(&addresses, 1000, &failed_status));
    try std.testing.expectEqual(@as(i32, 0), offheap_free_batch(&addresses, 1000, &failed_status)); // all freed already
    try std.testing.expectEqual(status.code(error.DoubleFree), failed_status);
    // Every tier, and an alignment off the hot path.
    var mixed: [6]f64 = undefined;
    for ([_]f64{ 8, 3000, 100_000, 3 << 20 }) |size| {
        try std.testing.expectEqual(@as(i32, 3), offheap_alloc_batch(size, 64, 3, &mixed));
        for (mixed[0..3]) |address| try std.testing.expectEqual(@as(f64, 0), @mod(address, 64));
        mixed[3] = mixed[1]; // a double free inside the batch stops it there
        try std.testing.expectEqual(@as(i32, 3), offheap_free_batch(&mixed, 4, &failed_status));
        try std.testing.expect(failed_status == status.code(error.DoubleFree) or failed_status == status.code(error.NotOwned));
    }
    try std.testing.expectEqual(status.code(error.InvalidSize), offheap_alloc_batch(0, 0, 4, &mixed));
    try std.testing.expectEqual(status.code(error.InvalidAlignment), offheap_alloc_batch(64, 3, 4, &mixed));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_alloc_batch(64, 0, 4, null));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_free_batch(null, 4, &failed_status));
    try std.testing.expectEqual(@as(i32, 0), offheap_alloc_batch(64, 0, 0, null));
    try std.testing.expectEqual(@as(i32, 0), offheap_free_batch(null, 0, &failed_status));
    mixed[0] = std.math.nan(f64);
    try std.testing.expectEqual(@as(i32, 0), offheap_free_batch(&mixed, 1, &failed_status));
    try std.testing.expectEqual(status.code(error.InvalidArgument), failed_status);
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_free_batch(&mixed, 1, null));
}

test "resident bytes through the ABI count a touched region and never fail" {
    const before = offheap_resident_bytes();
    try std.testing.expect(before >= 0);
    const address = offheap_alloc(512 << 10, 0);
    const bytes: [*]u8 = @ptrFromInt(@as(usize, @intFromFloat(address)));
    @memset(bytes[0 .. 512 << 10], 1);
    try std.testing.expect(offheap_resident_bytes() >= 512 << 10);
    try std.testing.expectEqual(@as(i32, 2), offheap_free(address));
}
