//! macOS memory primitives behind the OS contract (../os.zig): mmap, munmap, madvise, mincore and
//! arc4random, through libSystem (Apple supports no raw system calls).
//!
//! The contract's page is 4 KiB; Apple silicon's is 16 KiB (Intel Macs: 4 KiB). The kernel maps
//! whole native pages, so a mapping's length is rounded up to one, and this file turns every other
//! request into native pages: an unmap starts at the first native page boundary at or after its
//! start (the partial native page before it belongs to the mapping's live part, as after the tail
//! trim of `os.mapAligned`) and ends at the native page boundary at or after its end (where the
//! kernel's mapping ends); destructive advice covers only the whole native pages inside its range,
//! and `renew` and `dont_need` zero the partial native pages at their edges by hand.
//!
//! What macOS lacks degrades, and says so: there are no hugetlb pages (a hugetlb map fails, so the
//! huge tier falls back), no transparent-hugepage advice (`huge_page`, `no_huge_page`, `collapse`
//! are Unsupported, so a huge buffer's `backing` is "4k"), and no mremap (`remapOnto` is only ever
//! reached after a hugetlb map succeeded).
const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;
const contract = @import("../os.zig");

/// The kernel's page: 16 KiB on arm64 macOS, 4 KiB on x86-64.
pub const native_page_bytes: usize = if (builtin.cpu.arch == .aarch64) 16 << 10 else 4 << 10;
comptime {
    assert(native_page_bytes % contract.page_size_bytes == 0);
}
const pages_per_native: usize = native_page_bytes / contract.page_size_bytes;

const prot_read_write: std.c.PROT = .{ .READ = true, .WRITE = true };

fn mmapAt(hint: ?usize, len_bytes: usize, fixed: bool) ?usize {
    const flags: std.c.MAP = .{ .TYPE = .PRIVATE, .ANONYMOUS = true, .FIXED = fixed };
    const address: ?*align(std.heap.page_size_min) anyopaque = if (hint) |at| @ptrFromInt(at) else null;
    const result = std.c.mmap(address, len_bytes, prot_read_write, flags, -1, 0);
    if (result == std.c.MAP_FAILED) return null;
    return @intFromPtr(result);
}

/// A private, anonymous, read-write mapping anywhere; the address, or OutOfMemory. hugetlb pages
/// do not exist on macOS: asking for them fails, as on a Linux machine with none reserved.
/// `no_reserve` needs nothing: macOS never reserves swap for anonymous memory.
pub fn map(len_bytes: usize, options: contract.MapOptions) contract.MapError!usize {
    if (options.pages != .normal) return error.OutOfMemory;
    const address = mmapAt(null, len_bytes, false) orelse return error.OutOfMemory;
    assert(address % native_page_bytes == 0);
    return address;
}

/// Every mapping is usable at once here: nothing to commit.
pub fn commit(address: usize, len_bytes: usize) contract.MapError!void {
    _ = address;
    _ = len_bytes;
}

/// macOS has no mremap. Only hugetlb placement uses this, and hugetlb maps always fail here.
pub fn remapOnto(source: usize, len_bytes: usize, destination: usize) contract.MapError!void {
    _ = source;
    _ = len_bytes;
    _ = destination;
    return error.OutOfMemory;
}

/// The whole native pages inside [address, address + len_bytes); empty when there are none.
fn innerPages(address: usize, len_bytes: usize) struct { start: usize, end: usize } {
    const start = std.mem.alignForward(usize, address, native_page_bytes);
    const end = std.mem.alignBackward(usize, address + len_bytes, native_page_bytes);
    return .{ .start = start, .end = @max(start, end) };
}

/// Fresh zero pages for [address, address + len_bytes): the whole native pages are replaced with
/// mmap MAP_FIXED (their old pages go back to the OS), the partial ones at the edges are zeroed.
pub fn renew(address: usize, len_bytes: usize, options: contract.MapOptions) contract.MapError!void {
    _ = options;
    const inner = innerPages(address, len_bytes);
    if (inner.end > inner.start) {
        const result = mmapAt(inner.start, inner.end - inner.start, true) orelse return error.OutOfMemory;
        assert(result == inner.start);
    }
    zeroEdges(address, len_bytes, inner.start, inner.end);
}

fn zeroEdges(address: usize, len_bytes: usize, inner_start: usize, inner_end: usize) void {
    const end = address + len_bytes;
    if (inner_end <= inner_start) {
        @memset(@as([*]u8, @ptrFromInt(address))[0..len_bytes], 0);
        return;
    }
    @memset(@as([*]u8, @ptrFromInt(address))[0 .. inner_start - address], 0);
    @memset(@as([*]u8, @ptrFromInt(inner_end))[0 .. end - inner_end], 0);
}

/// munmap of the native pages that [address, address + len_bytes) ends: see the file's comment.
/// munmap only fails for arguments the allocator controls: a failure is a bug, not a condition.
pub fn unmap(address: usize, len_bytes: usize) void {
    const start = std.mem.alignForward(usize, address, native_page_bytes);
    const end = std.mem.alignForward(usize, address + len_bytes, native_page_bytes);
    if (end <= start) return;
    const result = std.c.munmap(@ptrFromInt(start), end - start);
    assert(result == 0);
}

pub fn advise(address: usize, len_bytes: usize, advice: contract.Advice) contract.AdviseError!void {
    const value: u32 = switch (advice) {
        .normal => std.c.MADV.NORMAL,
        .random => std.c.MADV.RANDOM,
        .sequential => std.c.MADV.SEQUENTIAL,
        .will_need, .populate_read, .populate_write => std.c.MADV.WILLNEED,
        // Linux's MADV_DONTNEED leaves zero pages behind, and callers rely on it; macOS's does not.
        .dont_need => {
            const inner = innerPages(address, len_bytes);
            if (inner.end > inner.start) {
                const result = mmapAt(inner.start, inner.end - inner.start, true) orelse return error.Unsupported;
                assert(result == inner.start);
            }
            zeroEdges(address, len_bytes, inner.start, inner.end);
            return;
        },
        .free => std.c.MADV.FREE,
        .huge_page, .collapse => return error.Unsupported,
        // macOS never backs memory with superpages unasked: what `no_huge_page` asks already holds.
        .no_huge_page => return,
    };
    // Hints cover every native page they touch; MADV_FREE only the whole ones inside the range.
    const destructive = advice == .free;
    const start = if (destructive) std.mem.alignForward(usize, address, native_page_bytes) else std.mem.alignBackward(usize, address, native_page_bytes);
    const end = if (destructive) std.mem.alignBackward(usize, address + len_bytes, native_page_bytes) else std.mem.alignForward(usize, address + len_bytes, native_page_bytes);
    if (end <= start) return;
    if (std.c.madvise(@ptrFromInt(start), end - start, value) != 0) return error.Unsupported;
}

/// mincore over the native pages, each native page's answer copied to the contract's 4 KiB pages
/// inside it. It only reads page tables.
pub fn residentPages(address: usize, len_bytes: usize, pages: []u8) contract.ResidencyError!void {
    assert(pages.len * contract.page_size_bytes >= len_bytes);
    const batch_native_max = 256;
    var native: [batch_native_max]u8 = undefined;
    const first_native = std.mem.alignBackward(usize, address, native_page_bytes);
    var page: usize = 0;
    while (page < pages.len) {
        const at = address + page * contract.page_size_bytes;
        const native_start = std.mem.alignBackward(usize, at, native_page_bytes);
        assert(native_start >= first_native);
        const remaining_bytes = (address + pages.len * contract.page_size_bytes) - native_start;
        const count: usize = @min(batch_native_max, std.math.divCeil(usize, remaining_bytes, native_page_bytes) catch unreachable);
        if (std.c.mincore(@ptrFromInt(native_start), count * native_page_bytes, &native) != 0) {
            return if (std.c._errno().* == @intFromEnum(std.c.E.NOMEM)) error.NotMapped else error.Unsupported;
        }
        // Copy each native page's byte to the 4 KiB pages of the range inside it.
        while (page < pages.len) : (page += 1) {
            const index = (address + page * contract.page_size_bytes - native_start) / native_page_bytes;
            if (index >= count) break;
            pages[page] = native[index] & 1;
        }
    }
    comptime assert(pages_per_native >= 1);
}

/// arc4random fills the whole buffer from the kernel's CSPRNG and cannot fail.
pub fn randomBytes(buffer: []u8) usize {
    std.c.arc4random_buf(buffer.ptr, buffer.len);
    return buffer.len;
}
