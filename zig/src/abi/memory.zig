//! The C ABI of allocation: alloc, zeroed alloc, free, the batch forms, realloc, alloc with every
//! option, trim, and a bare OS mapping for the benchmarks' baseline. Arguments are decoded by
//! args.zig; Zig errors leave as the status codes of support/status.zig.
//!
//!   offheap_alloc(size: f64, alignment: u32) f64            address, or status
//!   offheap_alloc_zeroed(size: f64, alignment: u32) f64     address, or status
//!   offheap_free(address: f64) i32                          tier freed (>= 0), or status
//!   offheap_alloc_batch(size: f64, alignment: u32, count: u32, out: [*]f64) i32
//!                                                           count: all allocated, or none and status
//!   offheap_free_batch(addresses: [*]const f64, count: u32, failure: *i32) i32
//!                                                           blocks freed: stops at the first invalid
//!                                                           one and writes its status to failure
//!   offheap_realloc(address: f64, size: f64) f64            new address, or status
//!   offheap_alloc_ex(size: f64, alignment: u32, flags: u32, node: i32) f64   address, or status;
//!                                                           flags are `AllocFlags` (its layout is
//!                                                           offheap_layout(3))
//!   offheap_trim() f64                                      bytes given back to the OS
//!   offheap_os_map(size: f64) f64 / offheap_os_unmap(address: f64, size: f64) i32
//!                                                           a bare mmap/munmap, the benchmarks' baseline
//! An alignment of 0 means the default (16 bytes).
const std = @import("std");
const args = @import("args.zig");
const heap = @import("../alloc/heap.zig");
const size_class = @import("../alloc/size_class.zig");
const segment_map = @import("../alloc/segment_map.zig");
const os = @import("../os/os.zig");
const status = @import("../support/status.zig");
const Error = status.Error;

/// Sizes up to this take the hot path of `offheap_alloc` (the small and medium tiers).
const fast_size_max: f64 = @floatFromInt(size_class.medium_bytes_max);

pub export fn offheap_alloc(size: f64, alignment: u32) f64 {
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
    const size_bytes = args.size(size) catch |err| return args.failure(err);
    const alignment_bytes = args.alignment(alignment) catch |err| return args.failure(err);
    return args.addressResult(heap.alloc(.{ .size_bytes = size_bytes, .alignment_bytes = alignment_bytes }));
}

pub export fn offheap_alloc_zeroed(size: f64, alignment: u32) f64 {
    const size_bytes = args.size(size) catch |err| return args.failure(err);
    const alignment_bytes = args.alignment(alignment) catch |err| return args.failure(err);
    // Zeroed allocation has always taken the options path, configured huge mode included.
    return args.addressResult(heap.alloc(.{ .size_bytes = size_bytes, .alignment_bytes = alignment_bytes, .zero = true, .huge_mode_routes = true }));
}

pub export fn offheap_free(address: f64) i32 {
    // The hot path: a block of a segment this thread owns. Anything else, including every invalid
    // argument, takes the general path, which reports the precise status.
    if (args.address(address)) |checked| {
        if (heap.freeFast(checked)) |tier| return @backingInt(tier);
    } else |_| {}
    return @call(.never_inline, freeGeneral, .{address});
}

fn freeGeneral(address: f64) i32 {
    const checked = args.address(address) catch |err| return status.code(err);
    const tier = heap.free(checked) catch |err| return status.code(err);
    return @backingInt(tier);
}

/// Allocates `count` blocks of `size` bytes into out[0..count]: one FFI crossing instead of
/// `count`. All or nothing: on a failure the blocks this call already allocated are freed again and
/// the status is returned. The caller guarantees out holds `count` f64s.
pub export fn offheap_alloc_batch(size: f64, alignment: u32, count: u32, out: ?[*]f64) i32 {
    const size_bytes = args.size(size) catch |err| return status.code(err);
    const alignment_bytes = args.alignment(alignment) catch |err| return status.code(err);
    const request: heap.Request = .{ .size_bytes = size_bytes, .alignment_bytes = alignment_bytes };
    _ = heap.checkRequest(request) catch |err| return status.code(err);
    const target = args.batch(f64, out, count) catch |err| return status.code(err);
    const fast = alignment == 0 and size_bytes <= heap.medium_bytes_max;
    var own_heap = heap.currentHeap();
    for (target, 0..) |*slot, index| {
        const fast_address = if (fast and own_heap != null) heap.allocFastIn(own_heap.?, @intCast(size_bytes)) else null;
        const address = fast_address orelse general: {
            const allocated = heap.alloc(request) catch |err| {
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
pub export fn offheap_free_batch(addresses: ?[*]const f64, count: u32, failure_out: ?*i32) i32 {
    const failed = args.pointer(*i32, failure_out) catch |err| return status.code(err);
    failed.* = 0;
    const source = args.batch(f64, @constCast(addresses), count) catch |err| return status.code(err);
    var own_heap = heap.currentHeap();
    for (source, 0..) |value, index| {
        const address = args.address(value) catch |err| {
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

pub export fn offheap_realloc(address: f64, size: f64) f64 {
    const checked = args.address(address) catch |err| return args.failure(err);
    const size_bytes = args.size(size) catch |err| return args.failure(err);
    return args.addressResult(heap.realloc(checked, size_bytes));
}

/// The flags word of offheap_alloc_ex. Each choice field is 0 for the configured default, else
/// 1 + the index of its value in `flag_values`; unknown bits are refused. The layout is exported as
/// JSON (`layout_json`) so the facade encodes options by name, never by a shift it copied.
pub const AllocFlags = packed struct(u32) {
    zero: bool = false,
    huge: u2 = 0,
    numa: u2 = 0,
    advice: u2 = 0,
    collapse: bool = false,
    unknown: u24 = 0,
};

/// The values of each choice field of `AllocFlags`, in code order (code = index + 1).
const flag_values = .{
    .huge = [_][]const u8{ "auto", "always", "never" },
    .numa = [_][]const u8{ "local", "interleave", "preferred" },
    .advice = [_][]const u8{ "sequential", "random", "willneed" },
};

/// `[{"name", "shift", "bits", "values"?}]` for every field but `unknown`.
pub const flags_layout_json: []const u8 = blk: {
    @setEvalBranchQuota(10_000);
    var text: []const u8 = "[";
    const info = @typeInfo(AllocFlags).@"struct";
    for (info.field_names, info.field_types) |name, T| {
        if (std.mem.eql(u8, name, "unknown")) continue;
        text = text ++ std.fmt.comptimePrint("{{\"name\":\"{s}\",\"shift\":{d},\"bits\":{d}", .{ name, @bitOffsetOf(AllocFlags, name), @bitSizeOf(T) });
        if (@hasField(@TypeOf(flag_values), name)) {
            var list: []const u8 = "";
            for (@field(flag_values, name)) |value| list = list ++ (if (list.len == 0) "" else ",") ++ "\"" ++ value ++ "\"";
            text = text ++ ",\"values\":[" ++ list ++ "]";
        }
        text = text ++ "},";
    }
    break :blk text[0 .. text.len - 1] ++ "]";
};

/// Decodes the flags and node of offheap_alloc_ex into a request; rejects unknown bits.
pub fn requestArgument(size_bytes: usize, alignment: u32, flags_word: u32, node: i32) Error!heap.Request {
    const flags: AllocFlags = @bitCast(flags_word);
    if (flags.unknown != 0) return error.InvalidArgument;
    if (node < -1) return error.InvalidNode;
    var request: heap.Request = .{
        .size_bytes = size_bytes,
        .alignment_bytes = try args.alignment(alignment),
        .zero = flags.zero,
        .collapse = flags.collapse,
        .huge_mode_routes = true,
    };
    request.huge_mode = switch (flags.huge) {
        0 => null,
        1 => .auto,
        2 => .always,
        3 => .never,
    };
    const node_wanted: ?u32 = if (node >= 0) @intCast(node) else null;
    request.placement = switch (flags.numa) {
        0 => if (node_wanted) |wanted| .{ .mode = .bind, .node = wanted } else .{},
        1 => .{ .mode = .local },
        2 => .{ .mode = .interleave },
        3 => .{ .mode = .preferred, .node = node_wanted },
    };
    if (request.placement.mode == .local or request.placement.mode == .interleave) {
        if (node_wanted != null) return error.InvalidArgument;
    }
    request.advice = @enumFromInt(flags.advice);
    return request;
}

pub export fn offheap_alloc_ex(size: f64, alignment: u32, flags: u32, node: i32) f64 {
    const size_bytes = args.size(size) catch |err| return args.failure(err);
    const request = requestArgument(size_bytes, alignment, flags, node) catch |err| return args.failure(err);
    return args.addressResult(heap.alloc(request));
}

pub export fn offheap_trim() f64 {
    return @floatFromInt(heap.trim());
}

/// A bare anonymous mmap, for the benchmarks' baseline; not offheap memory (free it with os_unmap).
pub export fn offheap_os_map(size: f64) f64 {
    const size_bytes = args.size(size) catch |err| return args.failure(err);
    const len_bytes = std.mem.alignForward(usize, size_bytes, os.page_size_bytes);
    const memory = os.map(len_bytes, .{}) catch |err| return args.failure(err);
    return @floatFromInt(@intFromPtr(memory));
}

pub export fn offheap_os_unmap(address: f64, size: f64) i32 {
    const checked = args.address(address) catch |err| return status.code(err);
    const size_bytes = args.size(size) catch |err| return status.code(err);
    if (checked % os.page_size_bytes != 0) return status.code(error.InvalidArgument);
    if (checked >= os.address_limit) return status.code(error.InvalidArgument);
    // Refuse to unmap offheap's own memory through the back door.
    if (segment_map.lookup(checked).kind != .none) return status.code(error.InvalidArgument);
    os.unmap(@ptrFromInt(checked), std.mem.alignForward(usize, size_bytes, os.page_size_bytes));
    return 0;
}

// The tests below drive whole scenarios through the ABI, so they call the query and pin exports too.
const queries = @import("queries.zig");
const pins = @import("pins.zig");
const numa = @import("../alloc/numa.zig");
const offheap_usable_size = queries.offheap_usable_size;
const offheap_mapping_of = queries.offheap_mapping_of;
const offheap_tier_of = queries.offheap_tier_of;
const offheap_node_of = queries.offheap_node_of;
const offheap_policy_of = queries.offheap_policy_of;
const offheap_region_pin = pins.offheap_region_pin;
const offheap_region_unpin = pins.offheap_region_unpin;
const offheap_pin_owner_open = pins.offheap_pin_owner_open;
const failure = args.failure;

test "the flags layout names each field with its bits" {
    try std.testing.expect(std.mem.startsWith(u8, flags_layout_json, "[{\"name\":\"zero\",\"shift\":0,\"bits\":1},{\"name\":\"huge\",\"shift\":1,\"bits\":2,\"values\":[\"auto\",\"always\",\"never\"]}"));
    try std.testing.expect(std.mem.endsWith(u8, flags_layout_json, "{\"name\":\"collapse\",\"shift\":7,\"bits\":1}]"));
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
    const aligned = offheap_alloc_ex(64 << 10, 2 << 20, @bitCast(AllocFlags{ .huge = 2 }), -1);
    try std.testing.expect(aligned > 0);
    try std.testing.expectEqual(@as(f64, 0), @mod(aligned, 2 << 20));
    try std.testing.expectEqual(@as(i32, 3), offheap_tier_of(aligned));
    try std.testing.expectEqual(@as(i32, 3), offheap_free(aligned));
    const bound = offheap_alloc_ex(1 << 20, 0, @bitCast(AllocFlags{ .zero = true }), @intCast(numa.currentNode()));
    // A kernel without NUMA policies (qemu-user has no mbind) refuses a node as unsupported.
    if (bound == failure(error.Unsupported)) return error.SkipZigTest;
    try std.testing.expect(bound > 0);
    const bytes: [*]u8 = @ptrFromInt(@as(usize, @intFromFloat(bound)));
    bytes[0] = 1;
    try std.testing.expectEqual(@as(i32, @intCast(numa.currentNode())), offheap_node_of(bound));
    // Windows places by preference and keeps no policy to read back: UNSUPPORTED there.
    const policy = offheap_policy_of(bound);
    if (policy != failure(error.Unsupported)) try std.testing.expectEqual(@as(i32, 2), policy);
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

const fault_sweep = @import("../alloc/fault_sweep.zig");

/// A batch through the export, all of it freed again; a failed batch must have freed its part.
const BatchScenario = struct {
    size: f64,
    count: u32,

    fn run(scenario: BatchScenario) !void {
        var addresses: [8]f64 = undefined;
        const allocated = offheap_alloc_batch(scenario.size, 0, scenario.count, &addresses);
        if (allocated == status.code(error.OutOfMemory)) return error.OutOfMemory;
        try std.testing.expectEqual(@as(i32, @intCast(scenario.count)), allocated);
        var failed_status: i32 = undefined;
        try std.testing.expectEqual(allocated, offheap_free_batch(&addresses, scenario.count, &failed_status));
    }
};

test "faults: a batch whose Nth mapping fails frees the blocks it already allocated, in every region tier" {
    // Mapped blocks: one mapping each (the thread's stash is trimmed between runs).
    const mapped = try fault_sweep.sweep(.map, BatchScenario{ .size = 100 << 10, .count = 8 }, BatchScenario.run, .{});
    try std.testing.expectEqual(@as(u32, 8), mapped.calls);
    try std.testing.expectEqual(@as(u32, 8), mapped.failed_runs);
    _ = try fault_sweep.sweep(.map, BatchScenario{ .size = 100 << 10, .count = 8 }, BatchScenario.run, .{ .every = 3 });
    _ = try fault_sweep.sweep(.map, BatchScenario{ .size = 100 << 10, .count = 8 }, BatchScenario.run, .{ .every = 1 });
    // Huge blocks: a placeholder each and hugetlb attempts, which fall back to THP.
    const huge_batch = try fault_sweep.sweep(.map, BatchScenario{ .size = 3 << 20, .count = 4 }, BatchScenario.run, .{ .must_fail = false });
    try std.testing.expect(huge_batch.calls >= 4);
    try std.testing.expectEqual(@as(u32, 4), huge_batch.failed_runs);
    // Small blocks come from pages the thread heap already holds: no OS call to fail.
    const small = try fault_sweep.sweep(.map, BatchScenario{ .size = 64, .count = 8 }, BatchScenario.run, .{});
    try std.testing.expectEqual(@as(u32, 0), small.calls);
}

test "faults: alloc_ex with a node rolls back a refused mbind and reports OUT_OF_MEMORY" {
    const Scenario = struct {
        fn run(node: i32) !void {
            const address = offheap_alloc_ex(1 << 20, 0, @bitCast(AllocFlags{ .zero = true }), node);
            if (address == failure(error.OutOfMemory)) return error.OutOfMemory;
            if (address == failure(error.Unsupported)) return error.Unsupported; // no mbind (qemu-user)
            try std.testing.expect(address > 0);
            try std.testing.expectEqual(@as(i32, 2), offheap_free(address));
        }
    };
    const report = try fault_sweep.sweep(.bind, @as(i32, @intCast(numa.currentNode())), Scenario.run, .{});
    try std.testing.expectEqual(@as(u32, 1), report.calls);
    try std.testing.expectEqual(@as(u32, 1), report.failed_runs);
}
