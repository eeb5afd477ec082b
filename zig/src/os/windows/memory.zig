//! Windows memory primitives behind the OS contract (../os.zig): VirtualAlloc, VirtualFree,
//! VirtualQuery and QueryWorkingSetEx, and RtlGenRandom.
//!
//! Windows can release only a whole reservation (VirtualFree MEM_RELEASE at its base), while the
//! contract unmaps any page-aligned part of a mapping (`os.mapAligned` trims both ends). So an unmap
//! decommits its pages (they go back to the OS at once, and the range can no longer be touched), and
//! the reservation is released when none of it is committed any more: address space is held a
//! little longer, memory never is. A lock keeps two unmaps of one reservation from both releasing it.
//!
//! What Windows lacks degrades, and says so: large pages need a privilege offheap does not ask for,
//! so hugetlb maps fail and the hugepage advice is Unsupported (a huge buffer's `backing` is "4k");
//! there is no mremap (`remapOnto` is only reached after a hugetlb map succeeded); the access-pattern
//! hints (random, sequential, will_need) have no equivalent and are accepted as no-ops.
const std = @import("std");
const assert = std.debug.assert;
const contract = @import("../os.zig");
const k = @import("kernel32.zig");

/// Serialises decommit-then-maybe-release, the only read-modify-write of a reservation's state.
var unmap_lock: std.atomic.Value(bool) = .init(false);

fn lock() void {
    while (unmap_lock.cmpxchgWeak(false, true, .acquire, .monotonic) != null) std.atomic.spinLoopHint();
}

fn unlock() void {
    unmap_lock.store(false, .release);
}

/// Reserves and commits `len_bytes`; the address, or OutOfMemory. Committed pages cost nothing
/// until touched (they count against the commit limit only), so `no_reserve` changes nothing.
pub fn map(len_bytes: usize, options: contract.MapOptions) contract.MapError!usize {
    if (options.pages != .normal) return error.OutOfMemory;
    const result = k.VirtualAlloc(null, len_bytes, allocationType(options), k.page_readwrite) orelse return error.OutOfMemory;
    return @intFromPtr(result);
}

fn allocationType(options: contract.MapOptions) u32 {
    return if (options.reserve_only) k.mem_reserve else k.mem_reserve | k.mem_commit;
}

/// Every reservation starts at a multiple of this.
const allocation_granularity_bytes: usize = 64 << 10;

/// An aligned mapping that is one reservation of exactly `len_bytes` (so it can be released whole):
/// reserve `len_bytes + alignment_bytes` to find an aligned address, release that, and map exactly
/// there. Another thread can take the range in between; then try again, a bounded number of times.
pub fn mapAligned(len_bytes: usize, alignment_bytes: usize, options: contract.MapOptions) contract.MapError!usize {
    if (options.pages != .normal) return error.OutOfMemory;
    if (alignment_bytes <= allocation_granularity_bytes) return map(len_bytes, options);
    const padded_bytes = std.math.add(usize, len_bytes, alignment_bytes) catch return error.OutOfMemory;
    var attempts: u32 = 0;
    while (attempts < 64) : (attempts += 1) {
        const probe = k.VirtualAlloc(null, padded_bytes, k.mem_reserve, k.page_readwrite) orelse return error.OutOfMemory;
        const aligned = std.mem.alignForward(usize, @intFromPtr(probe), alignment_bytes);
        const released = k.VirtualFree(probe, 0, k.mem_release);
        assert(released != 0);
        const result = k.VirtualAlloc(@ptrFromInt(aligned), len_bytes, allocationType(options), k.page_readwrite) orelse continue;
        assert(@intFromPtr(result) == aligned);
        return aligned;
    }
    return error.OutOfMemory;
}

/// Commits part of a `reserve_only` mapping; committing committed pages changes nothing.
pub fn commit(address: usize, len_bytes: usize) contract.MapError!void {
    const result = k.VirtualAlloc(@ptrFromInt(address), len_bytes, k.mem_commit, k.page_readwrite) orelse return error.OutOfMemory;
    assert(@intFromPtr(result) == address);
}

/// Windows has no mremap. Only hugetlb placement uses this, and hugetlb maps always fail here.
pub fn remapOnto(source: usize, len_bytes: usize, destination: usize) contract.MapError!void {
    _ = source;
    _ = len_bytes;
    _ = destination;
    return error.OutOfMemory;
}

/// Fresh zero pages for [address, address + len_bytes): decommit, then commit again.
pub fn renew(address: usize, len_bytes: usize, options: contract.MapOptions) contract.MapError!void {
    _ = options;
    const decommitted = k.VirtualFree(@ptrFromInt(address), len_bytes, k.mem_decommit);
    assert(decommitted != 0);
    const result = k.VirtualAlloc(@ptrFromInt(address), len_bytes, k.mem_commit, k.page_readwrite) orelse return error.OutOfMemory;
    assert(@intFromPtr(result) == address);
}

/// Decommits [address, address + len_bytes) and releases its reservation once nothing in it is
/// committed.
pub fn unmap(address: usize, len_bytes: usize) void {
    lock();
    defer unlock();
    var info: k.MemoryBasicInformation = undefined;
    // As munmap does, a range that is not mapped is left alone (only the benchmarks' offheap_os_unmap
    // can name one): never a crash across the FFI boundary.
    if (k.VirtualQuery(@ptrFromInt(address), &info, @sizeOf(k.MemoryBasicInformation)) == 0) return;
    if (info.state == k.mem_free) return;
    if (k.VirtualFree(@ptrFromInt(address), len_bytes, k.mem_decommit) == 0) return;
    const base = info.allocation_base;
    if (reservationIsEmpty(base)) {
        const released = k.VirtualFree(@ptrFromInt(base), 0, k.mem_release);
        assert(released != 0);
    }
}

/// True when no page of the reservation starting at `base` is committed. Walks its regions (runs
/// of pages in one state); bounded by the reservation's page count.
fn reservationIsEmpty(base: usize) bool {
    var at = base;
    var regions: usize = 0;
    while (regions < (1 << 24)) : (regions += 1) {
        var info: k.MemoryBasicInformation = undefined;
        if (k.VirtualQuery(@ptrFromInt(at), &info, @sizeOf(k.MemoryBasicInformation)) == 0) return true;
        if (info.state == k.mem_free or info.allocation_base != base) return true;
        if (info.state == k.mem_commit) return false;
        assert(info.region_size > 0);
        at = info.base_address + info.region_size;
    }
    unreachable;
}

pub fn advise(address: usize, len_bytes: usize, advice: contract.Advice) contract.AdviseError!void {
    switch (advice) {
        // No access-pattern hints on Windows, and nothing to undo for `normal`.
        .normal, .random, .sequential, .will_need => {},
        // Windows never backs memory with large pages unasked: what `no_huge_page` asks already holds.
        .no_huge_page => {},
        .huge_page, .collapse, .populate_read, .populate_write => return error.Unsupported,
        // Linux's MADV_DONTNEED leaves zero pages behind, and callers rely on it.
        .dont_need => renew(address, len_bytes, .{}) catch return error.Unsupported,
        // MEM_RESET is MADV_FREE: the contents may be discarded, the range stays committed.
        .free => _ = k.VirtualAlloc(@ptrFromInt(address), len_bytes, k.mem_reset, k.page_readwrite) orelse return error.Unsupported,
    }
}

/// Entries per QueryWorkingSetEx call (1 KiB of stack).
const batch_pages = 64;

/// NotMapped unless every page of the range is committed; then QueryWorkingSetEx's Valid bit per
/// page. Both only read the process's page tables.
pub fn residentPages(address: usize, len_bytes: usize, pages: []u8) contract.ResidencyError!void {
    try expectCommitted(address, len_bytes);
    var batch: [batch_pages]k.WorkingSetExInformation = undefined;
    var first: usize = 0;
    while (first < pages.len) : (first += batch_pages) {
        const count: usize = @min(batch_pages, pages.len - first);
        for (batch[0..count], first..) |*entry, page| {
            entry.* = .{ .virtual_address = address + page * contract.page_size_bytes, .attributes = 0 };
        }
        const size: u32 = @intCast(count * @sizeOf(k.WorkingSetExInformation));
        if (k.K32QueryWorkingSetEx(k.current_process, &batch, size) == 0) return error.Unsupported;
        for (batch[0..count], pages[first..][0..count]) |entry, *page| page.* = @intCast(entry.attributes & 1);
    }
}

fn expectCommitted(address: usize, len_bytes: usize) contract.ResidencyError!void {
    var at = address;
    const end = address + len_bytes;
    while (at < end) {
        var info: k.MemoryBasicInformation = undefined;
        if (k.VirtualQuery(@ptrFromInt(at), &info, @sizeOf(k.MemoryBasicInformation)) == 0) return error.NotMapped;
        if (info.state != k.mem_commit) return error.NotMapped;
        assert(info.base_address + info.region_size > at);
        at = info.base_address + info.region_size;
    }
}

/// RtlGenRandom (SystemFunction036), the CSPRNG every Windows version has; the bytes filled.
pub fn randomBytes(buffer: []u8) usize {
    var filled: usize = 0;
    while (filled < buffer.len) {
        const chunk: u32 = @intCast(@min(buffer.len - filled, 1 << 20));
        if (k.SystemFunction036(buffer[filled..].ptr, chunk) == 0) break;
        filled += chunk;
    }
    return filled;
}
