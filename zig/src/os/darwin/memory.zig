//! macOS memory primitives behind the OS contract (../os.zig): mmap, munmap, madvise, mincore and
//! arc4random, through libSystem (Apple supports no raw system calls).
//!
//! The contract's page is 4 KiB; Apple silicon's is 16 KiB (Intel Macs: 4 KiB). `NativePages`
//! (../native_pages.zig) turns every request into whole native pages; the Linux layer runs the whole
//! Zig test suite through the same code with 16 KiB pages (`npm run test:pages16k`).
//!
//! What macOS lacks degrades, and says so: there are no hugetlb pages (a hugetlb map fails, so the
//! huge tier falls back), no transparent-hugepage advice (`huge_page` and `collapse` are
//! Unsupported, so a huge buffer's `backing` is "4k"), and no mremap (`remapOnto` is only ever
//! reached after a hugetlb map succeeded). `no_reserve` needs nothing: macOS never reserves swap.
const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;
const contract = @import("../os.zig");

/// The kernel's page: 16 KiB on arm64 macOS, 4 KiB on x86-64.
pub const native_page_bytes: usize = if (builtin.cpu.arch == .aarch64) 16 << 10 else 4 << 10;

const Kernel = struct {
    fn mmapAt(hint: ?usize, len_bytes: usize, fixed: bool) ?usize {
        const flags: std.c.MAP = .{ .TYPE = .PRIVATE, .ANONYMOUS = true, .FIXED = fixed };
        const address: ?*align(std.heap.page_size_min) anyopaque = if (hint) |at| @ptrFromInt(at) else null;
        const result = std.c.mmap(address, len_bytes, .{ .READ = true, .WRITE = true }, flags, -1, 0);
        if (result == std.c.MAP_FAILED) return null;
        return @intFromPtr(result);
    }

    pub fn mapAnywhere(len_bytes: usize, options: contract.MapOptions) ?usize {
        _ = options;
        return mmapAt(null, len_bytes, false);
    }

    pub fn mapFixed(address: usize, len_bytes: usize, options: contract.MapOptions) ?usize {
        _ = options;
        return mmapAt(address, len_bytes, true);
    }

    /// munmap only fails for arguments the allocator controls: a failure is a bug, not a condition.
    pub fn unmap(address: usize, len_bytes: usize) void {
        const result = std.c.munmap(@ptrFromInt(address), len_bytes);
        assert(result == 0);
    }

    pub fn advise(address: usize, len_bytes: usize, advice: contract.Advice) contract.AdviseError!void {
        const value: u32 = switch (advice) {
            .normal => std.c.MADV.NORMAL,
            .random => std.c.MADV.RANDOM,
            .sequential => std.c.MADV.SEQUENTIAL,
            .will_need, .populate_read, .populate_write => std.c.MADV.WILLNEED,
            .free => std.c.MADV.FREE,
            // macOS never backs memory with superpages unasked: what `no_huge_page` asks holds.
            .no_huge_page => return,
            .huge_page, .collapse => return error.Unsupported,
            // Linux's MADV_DONTNEED leaves zero pages behind and callers rely on it; macOS's does
            // not, so the pages are replaced with fresh ones.
            .dont_need => {
                const result = mapFixed(address, len_bytes, .{}) orelse return error.Unsupported;
                assert(result == address);
                return;
            },
        };
        if (std.c.madvise(@ptrFromInt(address), len_bytes, value) != 0) return error.Unsupported;
    }

    /// mincore: bit 0 of vec[i] is set when native page i is resident. It only reads page tables.
    pub fn residentNative(address: usize, len_bytes: usize, vec: []u8) contract.ResidencyError!void {
        assert(vec.len * native_page_bytes == len_bytes);
        if (std.c.mincore(@ptrFromInt(address), len_bytes, vec.ptr) == 0) return;
        return if (std.c._errno().* == @backingInt(std.c.E.NOMEM)) error.NotMapped else error.Unsupported;
    }
};

const Pages = @import("../native_pages.zig").NativePages(native_page_bytes, Kernel);

/// A private, anonymous, read-write mapping anywhere; the address, or OutOfMemory. hugetlb pages
/// do not exist on macOS: asking for them fails, as on a Linux machine with none reserved.
pub fn map(len_bytes: usize, options: contract.MapOptions) contract.MapError!usize {
    if (options.pages != .normal) return error.OutOfMemory;
    return Pages.map(len_bytes, options);
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

pub const renew = Pages.renew;

pub const unmap = Pages.unmap;
pub const advise = Pages.advise;
pub const residentPages = Pages.residentPages;

/// arc4random fills the whole buffer from the kernel's CSPRNG and cannot fail.
pub fn randomBytes(buffer: []u8) usize {
    std.c.arc4random_buf(buffer.ptr, buffer.len);
    return buffer.len;
}
