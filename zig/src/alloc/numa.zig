//! NUMA placement policy: the online topology (read once), the validation of a placement request,
//! and its application to a fresh region. The system calls (mbind, get_mempolicy, getcpu, sysfs)
//! are the OS layer's; everything here is written for N nodes, and a one-node machine is N = 1.
const std = @import("std");
const assert = std.debug.assert;
const os = @import("../os/os.zig");
const Error = @import("../support/status.zig").Error;

pub const mask_bits: usize = os.node_mask_bits;
pub const NodeMask = os.NodeMask;
pub const Mode = os.MemoryPolicy;

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

/// Reads the online nodes once. Without /sys (a container, say) the machine is one node, node 0.
fn loadTopology() void {
    if (topology_loaded.load(.acquire)) return;
    var buffer: [4096]u8 = undefined;
    var mask: NodeMask = @splat(0);
    var count: u32 = 0;
    if (os.onlineNodesText(&buffer)) |text| count = parseList(text, &mask);
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
    return os.currentNode();
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
    switch (placement.mode) {
        .default => unreachable,
        .local => return os.bindMemory(base, len_bytes, .local, null) catch |err| policyError(err),
        .interleave => mask = onlineMask().*,
        .bind, .preferred => setBit(&mask, placement.node orelse currentNode()),
    }
    os.bindMemory(base, len_bytes, placement.mode, &mask) catch |err| return policyError(err);
}

fn policyError(err: os.PolicyError) Error {
    return switch (err) {
        error.InvalidNode => error.InvalidNode,
        error.Unsupported => error.Unsupported,
        error.OutOfMemory => error.OutOfMemory,
    };
}

/// The node holding the page at `address`; the page must have been touched.
pub fn nodeOf(address: usize) Error!u32 {
    return os.nodeOfPage(address) catch |err| policyError(err);
}

/// The policy mode of the mapping holding `address`.
pub fn modeOf(address: usize) Error!Mode {
    return os.policyOfPage(address) catch |err| policyError(err);
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
    const len: usize = 64 * 1024;
    const memory = try os.map(len, .{});
    defer os.unmap(memory, len);
    // A kernel without NUMA policies (CONFIG_NUMA off, or qemu-user, which has no mbind) says so.
    apply(@intFromPtr(memory), len, .{ .mode = .bind, .node = node }) catch |err|
        return if (err == error.Unsupported) error.SkipZigTest else err;
    memory[0] = 1;
    try std.testing.expectEqual(node, try nodeOf(@intFromPtr(memory)));
    // Windows places by preference and keeps no policy to read back: it says so.
    const mode = modeOf(@intFromPtr(memory)) catch |err| return if (err == error.Unsupported) {} else err;
    try std.testing.expectEqual(Mode.bind, mode);
}
