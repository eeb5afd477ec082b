//! Linux NUMA primitives behind the OS contract (../os.zig), as raw syscalls (no libnuma): the
//! online nodes from sysfs, the current node from getcpu, mbind, and get_mempolicy for where a page
//! landed and which policy its mapping has.
const std = @import("std");
const linux = std.os.linux;
const assert = std.debug.assert;
const contract = @import("../os.zig");

const mpol_f_node: usize = 1 << 0;
const mpol_f_addr: usize = 1 << 1;

/// The online node list as the kernel prints it ("0", "0-3", "0,2-5"), or null without sysfs.
pub fn onlineNodesText(buffer: []u8) ?[]const u8 {
    const opened = linux.open("/sys/devices/system/node/online", .{ .ACCMODE = .RDONLY, .CLOEXEC = true }, 0);
    if (linux.errno(opened) != .SUCCESS) return null;
    const fd: linux.fd_t = @intCast(opened);
    defer _ = linux.close(fd);
    const result = linux.read(fd, buffer.ptr, buffer.len);
    if (linux.errno(result) != .SUCCESS) return null;
    return buffer[0..result];
}

pub fn currentNode() u32 {
    var cpu: u32 = 0;
    var node: u32 = 0;
    const result = linux.syscall3(.getcpu, @intFromPtr(&cpu), @intFromPtr(&node), 0);
    if (linux.errno(result) != .SUCCESS) return 0;
    return node;
}

/// mbind with the kernel's mode numbers; `mask` null means no node mask (MPOL_LOCAL).
pub fn bind(address: usize, len_bytes: usize, mode: contract.MemoryPolicy, mask: ?*const contract.NodeMask) contract.PolicyError!void {
    const mask_pointer: usize = if (mask) |nodes| @intFromPtr(nodes) else 0;
    const max_node: usize = if (mask != null) contract.node_mask_bits else 0;
    const result = linux.syscall6(.mbind, address, len_bytes, @backingInt(mode), mask_pointer, max_node, 0);
    return switch (linux.errno(result)) {
        .SUCCESS => {},
        .INVAL => error.InvalidNode,
        .NOSYS => error.Unsupported,
        else => error.OutOfMemory,
    };
}

pub fn nodeOfPage(address: usize) contract.PolicyError!u32 {
    var node: i32 = -1;
    const result = linux.syscall5(.get_mempolicy, @intFromPtr(&node), 0, 0, address, mpol_f_node | mpol_f_addr);
    if (linux.errno(result) != .SUCCESS) return error.Unsupported;
    if (node < 0) return error.Unsupported;
    return @intCast(node);
}

pub fn policyOfPage(address: usize) contract.PolicyError!contract.MemoryPolicy {
    var mode: i32 = -1;
    var mask: contract.NodeMask = @splat(0);
    const result = linux.syscall5(.get_mempolicy, @intFromPtr(&mode), @intFromPtr(&mask), contract.node_mask_bits, address, mpol_f_addr);
    if (linux.errno(result) != .SUCCESS) return error.Unsupported;
    // The mode may carry flag bits (MPOL_F_STATIC_NODES and friends) above bit 15.
    const plain: u32 = @as(u32, @bitCast(mode)) & 0xFFFF;
    return std.enums.fromInt(contract.MemoryPolicy, plain) orelse error.Unsupported;
}
