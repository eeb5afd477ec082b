//! Linux memory primitives behind the OS contract (../os.zig): mmap, munmap, mremap, madvise,
//! mincore and getrandom, each returning a Zig error instead of an errno-encoded usize. The contract
//! adds the assertions, the address limit and the call counters that every platform shares.
const std = @import("std");
const linux = std.os.linux;
const assert = std.debug.assert;
const contract = @import("../os.zig");
const page_size_bytes = contract.page_size_bytes;

/// 4096, the kernel's page, in every real build. Test builds made with `-Demulate-page-bytes=16384`
/// (`npm run test:pages16k`) route every call through `NativePages` as if the kernel's page were
/// 16 KiB (macOS on Apple silicon), so the macOS port's page rounding runs under the whole Zig test
/// suite here; only the real kernel's 4 KiB answers to mincore are combined per emulated page.
pub const native_page_bytes: usize = @import("build_flags").emulate_page_bytes;
const emulating = native_page_bytes != page_size_bytes;
const Emulated = @import("../native_pages.zig").NativePages(native_page_bytes, EmulatedKernel);

const EmulatedKernel = struct {
    /// A mapping at an emulated page boundary: over-map by one page less than it and trim.
    pub fn mapAnywhere(len_bytes: usize, options: contract.MapOptions) ?usize {
        const padded_bytes = len_bytes + native_page_bytes - page_size_bytes;
        const raw = mapKernel(padded_bytes, options) catch return null;
        const aligned = std.mem.alignForward(usize, raw, native_page_bytes);
        if (aligned > raw) unmapKernel(raw, aligned - raw);
        if (raw + padded_bytes > aligned + len_bytes) unmapKernel(aligned + len_bytes, raw + padded_bytes - aligned - len_bytes);
        return aligned;
    }

    pub fn mapFixed(address: usize, len_bytes: usize, options: contract.MapOptions) ?usize {
        renewKernel(address, len_bytes, options) catch return null;
        return address;
    }

    pub fn unmap(address: usize, len_bytes: usize) void {
        assert(address % native_page_bytes == 0 and len_bytes % native_page_bytes == 0);
        unmapKernel(address, len_bytes);
    }

    pub fn advise(address: usize, len_bytes: usize, advice: contract.Advice) contract.AdviseError!void {
        assert(address % native_page_bytes == 0 and len_bytes % native_page_bytes == 0);
        return adviseKernel(address, len_bytes, advice);
    }

    /// A native page is resident when any of its 4 KiB pages is, as a real 16 KiB page would be.
    pub fn residentNative(address: usize, len_bytes: usize, vec: []u8) contract.ResidencyError!void {
        const per_native = native_page_bytes / page_size_bytes;
        var small: [256 * per_native]u8 = undefined;
        assert(vec.len <= 256);
        try residentKernel(address, len_bytes, small[0 .. vec.len * per_native]);
        for (vec, 0..) |*native, index| {
            native.* = 0;
            for (small[index * per_native ..][0..per_native]) |page| native.* |= page & 1;
        }
    }
};

pub fn map(len_bytes: usize, options: contract.MapOptions) contract.MapError!usize {
    if (emulating and options.pages == .normal) return Emulated.map(len_bytes, options);
    return mapKernel(len_bytes, options);
}

pub fn renew(address: usize, len_bytes: usize, options: contract.MapOptions) contract.MapError!void {
    if (emulating) return Emulated.renew(address, len_bytes, options);
    return renewKernel(address, len_bytes, options);
}

pub fn unmap(address: usize, len_bytes: usize) void {
    if (emulating) return Emulated.unmap(address, len_bytes);
    unmapKernel(address, len_bytes);
}

pub fn advise(address: usize, len_bytes: usize, advice: contract.Advice) contract.AdviseError!void {
    if (emulating) return Emulated.advise(address, len_bytes, advice);
    return adviseKernel(address, len_bytes, advice);
}

pub fn residentPages(address: usize, len_bytes: usize, pages: []u8) contract.ResidencyError!void {
    if (emulating) return Emulated.residentPages(address, len_bytes, pages);
    return residentKernel(address, len_bytes, pages);
}

/// MAP_HUGETLB and the page-size selectors, which `linux.MAP` cannot express (see ZIG.md): they
/// overlap the padding of the packed struct, so the flags are built as a u32 and bit-cast.
const map_hugetlb: u32 = 0x40000;
const map_huge_2mb: u32 = 21 << 26;
const map_huge_1gb: u32 = 30 << 26;

/// A private, anonymous, read-write mapping anywhere; the address, or OutOfMemory.
fn mapKernel(len_bytes: usize, options: contract.MapOptions) contract.MapError!usize {
    var flags: linux.MAP = .{ .TYPE = .PRIVATE, .ANONYMOUS = true, .NORESERVE = options.no_reserve };
    const page_flags: u32 = switch (options.pages) {
        .normal => 0,
        .hugetlb_2m => map_hugetlb | map_huge_2mb,
        .hugetlb_1g => map_hugetlb | map_huge_1gb,
    };
    flags = @bitCast(@as(u32, @bitCast(flags)) | page_flags);
    const result = linux.mmap(null, len_bytes, .{ .READ = true, .WRITE = true }, flags, -1, 0);
    if (linux.errno(result) != .SUCCESS) return error.OutOfMemory;
    return result;
}

/// Every mapping is usable at once here: nothing to commit.
pub fn commit(address: usize, len_bytes: usize) contract.MapError!void {
    _ = address;
    _ = len_bytes;
}

/// Moves [source, source + len_bytes) onto `destination` (mremap MAYMOVE | FIXED): the kernel
/// replaces the destination's pages in the same call, so no thread ever sees that range unmapped.
pub fn remapOnto(source: usize, len_bytes: usize, destination: usize) contract.MapError!void {
    const result = linux.mremap(@ptrFromInt(source), len_bytes, len_bytes, .{ .MAYMOVE = true, .FIXED = true }, @ptrFromInt(destination));
    if (linux.errno(result) != .SUCCESS) return error.OutOfMemory;
    assert(result == destination);
}

/// Replaces [address, address + len_bytes), which the caller owns, with fresh zero pages in one
/// call (mmap MAP_FIXED): the old pages are freed and their advice and memory policy forgotten.
fn renewKernel(address: usize, len_bytes: usize, options: contract.MapOptions) contract.MapError!void {
    const flags: linux.MAP = .{ .TYPE = .PRIVATE, .ANONYMOUS = true, .FIXED = true, .NORESERVE = options.no_reserve };
    const result = linux.mmap(@ptrFromInt(address), len_bytes, .{ .READ = true, .WRITE = true }, flags, -1, 0);
    if (linux.errno(result) != .SUCCESS) return error.OutOfMemory;
    assert(result == address);
}

/// munmap only fails for arguments the allocator controls: a failure is a bug, not a condition.
fn unmapKernel(address: usize, len_bytes: usize) void {
    const result = linux.munmap(@ptrFromInt(address), len_bytes);
    assert(linux.errno(result) == .SUCCESS);
}

fn adviseKernel(address: usize, len_bytes: usize, advice: contract.Advice) contract.AdviseError!void {
    const value: u32 = switch (advice) {
        .normal => linux.MADV.NORMAL,
        .random => linux.MADV.RANDOM,
        .sequential => linux.MADV.SEQUENTIAL,
        .will_need => linux.MADV.WILLNEED,
        .dont_need => linux.MADV.DONTNEED,
        .free => linux.MADV.FREE,
        .huge_page => linux.MADV.HUGEPAGE,
        .no_huge_page => linux.MADV.NOHUGEPAGE,
        // Missing from `linux.MADV` in this Zig version.
        .populate_read => 22,
        .populate_write => 23,
        .collapse => 25,
    };
    const result = linux.madvise(@ptrFromInt(address), len_bytes, value);
    if (linux.errno(result) != .SUCCESS) return error.Unsupported;
}

/// mincore: bit 0 of pages[i] is set when page i is resident. It only reads page tables.
fn residentKernel(address: usize, len_bytes: usize, pages: []u8) contract.ResidencyError!void {
    const result = linux.mincore(@ptrFromInt(address), len_bytes, pages.ptr);
    return switch (linux.errno(result)) {
        .SUCCESS => {},
        .NOMEM => error.NotMapped,
        else => error.Unsupported,
    };
}

/// Fills as much of `buffer` as the kernel's CSPRNG gives in a few attempts; returns the bytes filled.
pub fn randomBytes(buffer: []u8) usize {
    var filled: usize = 0;
    var attempts: u32 = 0;
    while (filled < buffer.len and attempts < 16) : (attempts += 1) {
        const result = linux.getrandom(buffer[filled..].ptr, buffer.len - filled, 0);
        if (linux.errno(result) == .SUCCESS) filled += result;
    }
    return filled;
}
