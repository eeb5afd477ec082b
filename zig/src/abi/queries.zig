//! The C ABI of questions about an address or the machine: usable size, tier, enclosing mapping,
//! backing pages, NUMA node and policy, the online nodes, and offheap's resident bytes. None of
//! them changes anything.
//!
//!   offheap_usable_size(address: f64) f64                   bytes, or status
//!   offheap_tier_of(address: f64) i32                       tier, or status
//!   offheap_mapping_of(address: f64, out: *[3]f64) i32      writes base, length, kind (1 segment,
//!                                                           2 region); status
//!   offheap_backing_of(address: f64) i32                    0 4k, 1 thp, 2 hugetlb-2m, 3 hugetlb-1g
//!   offheap_node_of(address: f64) i32                       NUMA node of the (touched) page
//!   offheap_policy_of(address: f64) i32                     0 default 1 preferred 2 bind 3 interleave 4 local
//!   offheap_numa_nodes(out: [*]u32, capacity: u32) i32      online node ids written (count), or status
//!   offheap_current_node() i32                              node of the calling thread's CPU
//!   offheap_resident_bytes() f64                            resident bytes of offheap's segments and
//!                                                           regions (mincore), or status
const std = @import("std");
const args = @import("args.zig");
const heap = @import("../alloc/heap.zig");
const numa = @import("../alloc/numa.zig");
const segment_map = @import("../alloc/segment_map.zig");
const resident = @import("../stats/resident.zig");
const status = @import("../support/status.zig");

pub export fn offheap_usable_size(address: f64) f64 {
    const checked = args.address(address) catch |err| return args.failure(err);
    return args.addressResult(heap.usableSize(checked));
}

pub export fn offheap_tier_of(address: f64) i32 {
    const checked = args.address(address) catch |err| return status.code(err);
    const tier = heap.tierOf(checked) catch |err| return status.code(err);
    return @backingInt(tier);
}

pub export fn offheap_mapping_of(address: f64, out: ?*[3]f64) i32 {
    const target = args.pointer(*[3]f64, out) catch |err| return status.code(err);
    const checked = args.address(address) catch |err| return status.code(err);
    const mapping = heap.mappingOf(checked) catch |err| return status.code(err);
    const kind = segment_map.lookup(checked).kind;
    target.* = .{ @floatFromInt(mapping.base), @floatFromInt(mapping.len_bytes), @floatFromInt(@backingInt(kind)) };
    return 0;
}

pub export fn offheap_backing_of(address: f64) i32 {
    const checked = args.address(address) catch |err| return status.code(err);
    const backing = heap.backingOf(checked) catch |err| return status.code(err);
    return @backingInt(backing);
}

/// The NUMA node of the page at `address`, which must be offheap memory (touched first).
pub export fn offheap_node_of(address: f64) i32 {
    const checked = args.address(address) catch |err| return status.code(err);
    _ = heap.mappingOf(checked) catch |err| return status.code(err);
    const node = numa.nodeOf(checked) catch |err| return status.code(err);
    return @intCast(node);
}

pub export fn offheap_policy_of(address: f64) i32 {
    const checked = args.address(address) catch |err| return status.code(err);
    _ = heap.mappingOf(checked) catch |err| return status.code(err);
    const mode = numa.modeOf(checked) catch |err| return status.code(err);
    return @intCast(@backingInt(mode));
}

pub export fn offheap_numa_nodes(out: ?[*]u32, capacity: u32) i32 {
    const target = args.pointer([*]u32, out) catch |err| return status.code(err);
    const mask = numa.onlineMask();
    var count: u32 = 0;
    for (0..numa.mask_bits) |node| {
        if (mask[node / 64] & (@as(u64, 1) << @intCast(node % 64)) == 0) continue;
        if (count < capacity) target[count] = @intCast(node);
        count += 1;
    }
    return @intCast(count);
}

pub export fn offheap_current_node() i32 {
    return @intCast(numa.currentNode());
}

/// offheap's own share of the process RSS (stats/resident.zig); approximate while other threads free.
pub export fn offheap_resident_bytes() f64 {
    const bytes = resident.residentBytes() catch |err| return args.failure(err);
    return @floatFromInt(bytes);
}

const offheap_alloc = @import("memory.zig").offheap_alloc;
const offheap_free = @import("memory.zig").offheap_free;

test "resident bytes through the ABI count a touched region and never fail" {
    const before = offheap_resident_bytes();
    try std.testing.expect(before >= 0);
    const address = offheap_alloc(512 << 10, 0);
    const bytes: [*]u8 = @ptrFromInt(@as(usize, @intFromFloat(address)));
    @memset(bytes[0 .. 512 << 10], 1);
    try std.testing.expect(offheap_resident_bytes() >= 512 << 10);
    try std.testing.expectEqual(@as(i32, 2), offheap_free(address));
}
