//! NUMA placement with the raw syscalls (no libnuma): the topology from /sys/devices/system/node,
//! the current node from getcpu, `mbind` to apply a policy to a region, and `get_mempolicy` to ask
//! where a page landed. Everything is written for N nodes; a one-node machine is just N = 1.
//!
//! Node masks are passed oversized (`mask_bits` bits, far above any real machine) because the
//! kernel's `maxnode` argument has an off-by-one that user-space libraries disagree about: with a
//! large zero-padded mask both readings name the same nodes.
const std = @import("std");
const linux = std.os.linux;
const assert = std.debug.assert;
const Error = @import("status.zig").Error;

pub const mask_bits: usize = 1024;
const mask_words = mask_bits / 64;
pub const NodeMask = [mask_words]u64;

/// Policies as the kernel numbers them (include/uapi/linux/mempolicy.h).
pub const Mode = enum(u32) { default = 0, preferred = 1, bind = 2, interleave = 3, local = 4 };

const mpol_f_node: usize = 1 << 0;
const mpol_f_addr: usize = 1 << 1;

/// What an allocation asks for: a policy, and a node for `bind` and `preferred`.
pub const Placement = struct {
    mode: Mode = .default,
    /// The node for bind and preferred; null for preferred means the current node.
    node: ?u32 = null,
};

var online_mask: NodeMask = @splat(0);
var online_count: u32 = 0;
var topology_loaded: std.atomic.Value(bool) = .init(false);

fn setBit(mask: *NodeMask, node: usize) void {
    assert(node < mask_bits);
    mask[node / 64] |= @as(u64, 1) << @intCast(node % 64);
}

fn hasBit(mask: *const NodeMask, node: usize) bool {
    if (node >= mask_bits) return false;
    return mask[node / 64] & (@as(u64, 1) << @intCast(node % 64)) != 0;
}

/// Parses a kernel list such as "0", "0-3" or "0,2-5" into `mask`; returns the number of nodes.
pub fn parseList(text: []const u8, mask: *NodeMask) u32 {
    var count: u32 = 0;
    var ranges = std.mem.tokenizeAny(u8, text, ", \n\t");
    while (ranges.next()) |range| {
        var ends = std.mem.splitScalar(u8, range, '-');
        const first = std.fmt.parseInt(usize, ends.first(), 10) catch continue;
        const last = if (ends.next()) |tail| std.fmt.parseInt(usize, tail, 10) catch continue else first;
        if (last < first or last >= mask_bits) continue;
        for (first..last + 1) |node| {
            if (!hasBit(mask, node)) count += 1;
            setBit(mask, node);
        }
    }
    return count;
}

fn readSmallFile(path: [*:0]const u8, buffer: []u8) ?[]const u8 {
    const opened = linux.open(path, .{ .ACCMODE = .RDONLY, .CLOEXEC = true }, 0);
    if (linux.errno(opened) != .SUCCESS) return null;
    const fd: linux.fd_t = @intCast(opened);
    defer _ = linux.close(fd);
    const result = linux.read(fd, buffer.ptr, buffer.len);
    if (linux.errno(result) != .SUCCESS) return null;
    return buffer[0..result];
}

/// Reads the online nodes once. Without /sys (a container, say) the machine is one node, node 0.
fn loadTopology() void {
    if (topology_loaded.load(.acquire)) return;
    var buffer: [4096]u8 = undefined;
    var mask: NodeMask = @splat(0);
    var count: u32 = 0;
    if (readSmallFile("/sys/devices/system/node/online", &buffer)) |text| count = parseList(text, &mask);
    if (count == 0) count = parseList("0", &mask);
    online_mask = mask;
    online_count = count;
    topology_loaded.store(true, .release);
}

pub fn nodeCount() u32 {
    loadTopology();
    assert(online_count >= 1);
    return online_count;
}

pub fn onlineMask() *const NodeMask {
    loadTopology();
    return &online_mask;
}

pub fn nodeExists(node: u32) bool {
    return hasBit(onlineMask(), node);
}

/// The node of the CPU this thread runs on now (it may move the next instant).
pub fn currentNode() u32 {
    var cpu: u32 = 0;
    var node: u32 = 0;
    const result = linux.syscall3(.getcpu, @intFromPtr(&cpu), @intFromPtr(&node), 0);
    if (linux.errno(result) != .SUCCESS) return 0;
    return node;
}

/// Checks a placement request against the topology before any memory is mapped.
pub fn validate(placement: Placement) Error!void {
    if (placement.node) |node| {
        if (!nodeExists(node)) return error.InvalidNode;
    }
    if (placement.mode == .bind and placement.node == null) return error.InvalidArgument;
}

/// Applies `placement` to [base, base + len_bytes) with mbind. Call it before the memory is touched.
pub fn apply(base: usize, len_bytes: usize, placement: Placement) Error!void {
    assert(base % 4096 == 0);
    assert(len_bytes > 0);
    if (placement.mode == .default) return;
    var mask: NodeMask = @splat(0);
    var mask_pointer: usize = @intFromPtr(&mask);
    var max_node: usize = mask_bits;
    switch (placement.mode) {
        .default => unreachable,
        .local => {
            mask_pointer = 0;
            max_node = 0;
        },
        .interleave => mask = onlineMask().*,
        .bind, .preferred => setBit(&mask, placement.node orelse currentNode()),
    }
    const result = linux.syscall6(.mbind, base, len_bytes, @backingInt(placement.mode), mask_pointer, max_node, 0);
    return switch (linux.errno(result)) {
        .SUCCESS => {},
        .INVAL => error.InvalidNode,
        .NOSYS => error.Unsupported,
        else => error.OutOfMemory,
    };
}

/// The node holding the page at `address`; the page must have been touched.
pub fn nodeOf(address: usize) Error!u32 {
    var node: i32 = -1;
    const result = linux.syscall5(.get_mempolicy, @intFromPtr(&node), 0, 0, address, mpol_f_node | mpol_f_addr);
    if (linux.errno(result) != .SUCCESS) return error.Unsupported;
    if (node < 0) return error.Unsupported;
    return @intCast(node);
}

/// The policy mode of the mapping holding `address`.
pub fn modeOf(address: usize) Error!Mode {
    var mode: i32 = -1;
    var mask: NodeMask = @splat(0);
    const result = linux.syscall5(.get_mempolicy, @intFromPtr(&mode), @intFromPtr(&mask), mask_bits, address, mpol_f_addr);
    if (linux.errno(result) != .SUCCESS) return error.Unsupported;
    // The mode may carry flag bits (MPOL_F_STATIC_NODES and friends) above bit 15.
    const plain: u32 = @as(u32, @bitCast(mode)) & 0xFFFF;
    return std.enums.fromInt(Mode, plain) orelse error.Unsupported;
}

test "node lists parse ranges and lists" {
    var mask: NodeMask = @splat(0);
    try std.testing.expectEqual(@as(u32, 5), parseList("0,2-5\n", &mask));
    try std.testing.expect(hasBit(&mask, 0) and !hasBit(&mask, 1) and hasBit(&mask, 5));
    var empty: NodeMask = @splat(0);
    try std.testing.expectEqual(@as(u32, 0), parseList("x-y", &empty));
}

test "the current node exists, and bind/nodeOf agree on it" {
    try std.testing.expect(nodeCount() >= 1);
    const node = currentNode();
    try std.testing.expect(nodeExists(node));
    try std.testing.expect(!nodeExists(mask_bits + 1));
    const os = @import("os.zig");
    const len: usize = 64 * 1024;
    const memory = try os.map(len, .{});
    defer os.unmap(memory, len);
    try apply(@intFromPtr(memory), len, .{ .mode = .bind, .node = node });
    memory[0] = 1;
    try std.testing.expectEqual(node, try nodeOf(@intFromPtr(memory)));
    try std.testing.expectEqual(Mode.bind, try modeOf(@intFromPtr(memory)));
}
