//! macOS NUMA behind the OS contract (../os.zig): macOS exposes no NUMA topology or placement (Macs
//! are one memory node), so the machine is node 0, every thread runs on it, and placing memory is
//! Unsupported: a request to bind memory to a node fails with `OffheapError` UNSUPPORTED rather
//! than pretending, while node 0 (the only one) is reported for every page.
const contract = @import("../os.zig");

pub fn onlineNodesText(buffer: []u8) ?[]const u8 {
    if (buffer.len == 0) return null;
    buffer[0] = '0';
    return buffer[0..1];
}

pub fn currentNode() u32 {
    return 0;
}

pub fn bind(address: usize, len_bytes: usize, mode: contract.MemoryPolicy, mask: ?*const contract.NodeMask) contract.PolicyError!void {
    _ = address;
    _ = len_bytes;
    _ = mode;
    _ = mask;
    return error.Unsupported;
}

pub fn nodeOfPage(address: usize) contract.PolicyError!u32 {
    _ = address;
    return 0;
}

pub fn policyOfPage(address: usize) contract.PolicyError!contract.MemoryPolicy {
    _ = address;
    return .default;
}
