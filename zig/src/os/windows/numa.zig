//! Windows NUMA behind the OS contract (../os.zig): the nodes from GetNumaHighestNodeNumber, the
//! current node from the processor the thread runs on, the node of a resident page from
//! QueryWorkingSetEx, and placement through VirtualAllocExNuma.
//!
//! Windows places memory by preference only: `bind` and `preferred` both decommit the (untouched)
//! range and commit it again with the node as its preferred node, so under memory pressure pages
//! may land elsewhere (Linux's bind would fail instead). `local` is what Windows does by default.
//! There is no interleave (Unsupported), and the policy of a page cannot be read back (Unsupported).
const std = @import("std");
const assert = std.debug.assert;
const contract = @import("../os.zig");
const k = @import("kernel32.zig");

pub fn onlineNodesText(buffer: []u8) ?[]const u8 {
    var highest: u32 = 0;
    if (k.GetNumaHighestNodeNumber(&highest) == 0) return null;
    if (highest == 0) return std.fmt.bufPrint(buffer, "0", .{}) catch null;
    return std.fmt.bufPrint(buffer, "0-{d}", .{highest}) catch null;
}

pub fn currentNode() u32 {
    var processor: k.ProcessorNumber = undefined;
    k.GetCurrentProcessorNumberEx(&processor);
    var node: u16 = 0;
    if (k.GetNumaProcessorNodeEx(&processor, &node) == 0) return 0;
    if (node == 0xFFFF) return 0;
    return node;
}

pub fn bind(address: usize, len_bytes: usize, mode: contract.MemoryPolicy, mask: ?*const contract.NodeMask) contract.PolicyError!void {
    switch (mode) {
        .default => unreachable,
        .local => return,
        .interleave => return error.Unsupported,
        .bind, .preferred => {},
    }
    const node = firstNode(mask.?) orelse return error.InvalidNode;
    if (k.VirtualFree(@ptrFromInt(address), len_bytes, k.mem_decommit) == 0) return error.OutOfMemory;
    const result = k.VirtualAllocExNuma(k.current_process, @ptrFromInt(address), len_bytes, k.mem_commit, k.page_readwrite, node);
    if (result == null) {
        // Keep the range usable: commit it again without a preference.
        _ = k.VirtualAlloc(@ptrFromInt(address), len_bytes, k.mem_commit, k.page_readwrite) orelse return error.OutOfMemory;
        return error.InvalidNode;
    }
    assert(@intFromPtr(result) == address);
}

fn firstNode(mask: *const contract.NodeMask) ?u32 {
    for (mask, 0..) |word, index| {
        if (word != 0) return @intCast(index * 64 + @ctz(word));
    }
    return null;
}

/// The node of a resident page: QueryWorkingSetEx's Node field (bits 16-21). Unsupported for a page
/// that is not resident.
pub fn nodeOfPage(address: usize) contract.PolicyError!u32 {
    var entry: k.WorkingSetExInformation = .{ .virtual_address = std.mem.alignBackward(usize, address, contract.page_size_bytes), .attributes = 0 };
    if (k.K32QueryWorkingSetEx(k.current_process, &entry, @sizeOf(k.WorkingSetExInformation)) == 0) return error.Unsupported;
    if (entry.attributes & 1 == 0) return error.Unsupported;
    return @intCast((entry.attributes >> 16) & 0x3F);
}

/// Windows keeps no policy per range that could be read back.
pub fn policyOfPage(address: usize) contract.PolicyError!contract.MemoryPolicy {
    _ = address;
    return error.Unsupported;
}
