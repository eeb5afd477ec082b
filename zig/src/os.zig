//! The thin OS layer: every mmap, munmap, madvise, mincore and getrandom the allocator makes goes
//! through here, and each returns a Zig error instead of a raw errno-encoded usize. Nothing above this
//! file calls the kernel for memory directly (the NUMA syscalls live in numa.zig for the same reason).
const std = @import("std");
const linux = std.os.linux;
const assert = std.debug.assert;

pub const page_size_bytes: usize = 4096;

/// Every address offheap hands out must fit in 47 bits, so that it survives a round trip through an
/// f64 in JavaScript and indexes the segment map. The kernel maps below 2^47 unless asked otherwise.
pub const address_limit: usize = 1 << 47;

pub const MapError = error{OutOfMemory};

/// Every successful mmap and munmap the allocator makes, so tests and benchmarks can prove that a
/// cache hit maps nothing. Slow-path only, so atomic.
pub var map_calls: std.atomic.Value(u64) = .init(0);
pub var unmap_calls: std.atomic.Value(u64) = .init(0);

/// MAP_HUGETLB and the page-size selectors, which `linux.MAP` cannot express (see ZIG.md).
pub const map_hugetlb: u32 = 0x40000;
pub const map_huge_2mb: u32 = 21 << 26;
pub const map_huge_1gb: u32 = 30 << 26;

/// Reads and writes, private and anonymous: the only kind of mapping the allocator uses.
pub const MapOptions = struct {
    /// Ask the kernel not to reserve swap; used for large sparse tables such as the segment map.
    no_reserve: bool = false,
    /// Raw MAP_HUGETLB | MAP_HUGE_* bits (see huge-page code). Kept raw because those bits overlap the
    /// padding of `linux.MAP`, so they cannot be expressed as fields of the packed struct.
    extra_flags: u32 = 0,
};

pub fn map(len_bytes: usize, options: MapOptions) MapError![*]align(page_size_bytes) u8 {
    assert(len_bytes > 0);
    assert(len_bytes % page_size_bytes == 0);
    var flags: linux.MAP = .{ .TYPE = .PRIVATE, .ANONYMOUS = true, .NORESERVE = options.no_reserve };
    const flags_raw: u32 = @as(u32, @bitCast(flags)) | options.extra_flags;
    flags = @bitCast(flags_raw);
    const result = linux.mmap(null, len_bytes, .{ .READ = true, .WRITE = true }, flags, -1, 0);
    if (linux.errno(result) != .SUCCESS) return error.OutOfMemory;
    assert(result % page_size_bytes == 0);
    _ = map_calls.fetchAdd(1, .monotonic);
    if (result + len_bytes > address_limit) {
        unmap(@ptrFromInt(result), len_bytes);
        return error.OutOfMemory;
    }
    return @ptrFromInt(result);
}

/// Maps `len_bytes` at an address that is a multiple of `alignment_bytes` by over-mapping and
/// trimming both ends, so the kernel's own placement is kept and nothing is left mapped around it.
pub fn mapAligned(len_bytes: usize, alignment_bytes: usize, options: MapOptions) MapError![*]align(page_size_bytes) u8 {
    assert(std.math.isPowerOfTwo(alignment_bytes));
    assert(alignment_bytes >= page_size_bytes);
    assert(len_bytes % page_size_bytes == 0);
    const padded_bytes = std.math.add(usize, len_bytes, alignment_bytes) catch return error.OutOfMemory;
    const raw = try map(padded_bytes, options);
    const start = @intFromPtr(raw);
    const aligned = std.mem.alignForward(usize, start, alignment_bytes);
    const head_bytes = aligned - start;
    const tail_bytes = padded_bytes - head_bytes - len_bytes;
    if (head_bytes > 0) unmap(raw, head_bytes);
    if (tail_bytes > 0) unmap(@ptrFromInt(aligned + len_bytes), tail_bytes);
    assert(aligned % alignment_bytes == 0);
    return @ptrFromInt(aligned);
}

/// Moves the mapping [source, source + len_bytes) onto [destination, destination + len_bytes), which
/// the caller already owns as a mapping (mremap with MREMAP_MAYMOVE | MREMAP_FIXED). The kernel
/// replaces the destination's pages in the same call, so no other thread ever sees that range
/// unmapped. Used to put hugetlb pages where a placeholder holds the alignment the region needs. On
/// failure the source is still mapped, but the destination may already be unmapped.
pub fn remapOnto(source: [*]align(page_size_bytes) u8, len_bytes: usize, destination: usize) MapError!void {
    assert(destination % page_size_bytes == 0);
    assert(len_bytes % page_size_bytes == 0);
    const result = linux.mremap(source, len_bytes, len_bytes, .{ .MAYMOVE = true, .FIXED = true }, @ptrFromInt(destination));
    if (linux.errno(result) != .SUCCESS) return error.OutOfMemory;
    assert(result == destination);
}

pub fn unmap(ptr: [*]align(page_size_bytes) u8, len_bytes: usize) void {
    assert(len_bytes % page_size_bytes == 0);
    const result = linux.munmap(ptr, len_bytes);
    // munmap only fails for arguments we control (alignment, range); that is a bug, not a condition.
    assert(linux.errno(result) == .SUCCESS);
    _ = unmap_calls.fetchAdd(1, .monotonic);
}

/// Advice values, including those `linux.MADV` lacks in this Zig version.
pub const Advice = enum(u32) {
    normal = linux.MADV.NORMAL,
    random = linux.MADV.RANDOM,
    sequential = linux.MADV.SEQUENTIAL,
    will_need = linux.MADV.WILLNEED,
    dont_need = linux.MADV.DONTNEED,
    free = linux.MADV.FREE,
    huge_page = linux.MADV.HUGEPAGE,
    no_huge_page = linux.MADV.NOHUGEPAGE,
    populate_read = 22,
    populate_write = 23,
    collapse = 25,
};

pub const AdviseError = error{Unsupported};

pub fn advise(ptr: [*]align(page_size_bytes) u8, len_bytes: usize, advice: Advice) AdviseError!void {
    assert(len_bytes > 0);
    const result = linux.madvise(ptr, len_bytes, @backingInt(advice));
    if (linux.errno(result) != .SUCCESS) return error.Unsupported;
}

pub const ResidencyError = error{
    /// Part of the range is not mapped (ENOMEM), for example because another thread unmapped it.
    NotMapped,
    /// Any other failure (EINVAL, EAGAIN, or mincore refused by a sandbox).
    Unsupported,
};

/// Which pages of [address, address + len_bytes) are resident, by mincore: bit 0 of
/// `pages[i]` is set when page i is in memory. `pages` holds exactly one byte per page. mincore only
/// reads page tables, so any range is safe to ask about, mapped or not.
pub fn residentPages(address: usize, len_bytes: usize, pages: []u8) ResidencyError!void {
    assert(address % page_size_bytes == 0);
    assert(len_bytes > 0);
    assert(pages.len * page_size_bytes == std.mem.alignForward(usize, len_bytes, page_size_bytes));
    const result = linux.mincore(@ptrFromInt(address), len_bytes, pages.ptr);
    return switch (linux.errno(result)) {
        .SUCCESS => {},
        .NOMEM => error.NotMapped,
        else => error.Unsupported,
    };
}

/// Fills `buffer` from the kernel's CSPRNG; used for the free-block cookie secret.
pub fn randomBytes(buffer: []u8) void {
    var filled: usize = 0;
    var attempts: u32 = 0;
    while (filled < buffer.len and attempts < 16) : (attempts += 1) {
        const result = linux.getrandom(buffer[filled..].ptr, buffer.len - filled, 0);
        if (linux.errno(result) == .SUCCESS) filled += result;
    }
    // Without getrandom, fall back to the address of the stack: weak, but the cookie only has to
    // make an accidental match with user data unlikely, not resist an attacker.
    if (filled < buffer.len) {
        var seed: usize = @intFromPtr(&filled) ^ 0x9E3779B97F4A7C15;
        for (buffer[filled..]) |*byte| {
            seed = seed *% 6364136223846793005 +% 1442695040888963407;
            byte.* = @truncate(seed >> 56);
        }
    }
}

test "mapAligned returns an aligned, writable, trimmed mapping" {
    const alignment: usize = 4 << 20;
    const ptr = try mapAligned(alignment, alignment, .{});
    try std.testing.expectEqual(@as(usize, 0), @intFromPtr(ptr) % alignment);
    ptr[0] = 1;
    ptr[alignment - 1] = 2;
    try std.testing.expectEqual(@as(u8, 2), ptr[alignment - 1]);
    unmap(ptr, alignment);
}

test "remapOnto moves a mapping over one the caller owns, contents and all" {
    const len_bytes = page_size_bytes * 4;
    const destination = try map(len_bytes, .{});
    defer unmap(destination, len_bytes);
    destination[0] = 1;
    const source = try map(len_bytes, .{});
    source[0] = 7;
    source[len_bytes - 1] = 9;
    try remapOnto(source, len_bytes, @intFromPtr(destination));
    try std.testing.expectEqual(@as(u8, 7), destination[0]);
    try std.testing.expectEqual(@as(u8, 9), destination[len_bytes - 1]);
}

test "advise rejects nothing it documents, and collapse may be unsupported" {
    const ptr = try map(page_size_bytes * 4, .{});
    defer unmap(ptr, page_size_bytes * 4);
    try advise(ptr, page_size_bytes * 4, .sequential);
    try advise(ptr, page_size_bytes * 4, .free);
}

test "residentPages sees touched pages only, and reports an unmapped range as NotMapped" {
    const len_bytes = page_size_bytes * 4;
    const ptr = try map(len_bytes, .{});
    var pages: [4]u8 = undefined;
    try residentPages(@intFromPtr(ptr), len_bytes, &pages);
    for (pages) |page| try std.testing.expectEqual(@as(u8, 0), page & 1);
    ptr[page_size_bytes] = 1;
    ptr[3 * page_size_bytes + 5] = 1;
    try residentPages(@intFromPtr(ptr), len_bytes, &pages);
    try std.testing.expectEqual([4]u8{ 0, 1, 0, 1 }, .{ pages[0] & 1, pages[1] & 1, pages[2] & 1, pages[3] & 1 });
    unmap(ptr, len_bytes);
    try std.testing.expectError(error.NotMapped, residentPages(@intFromPtr(ptr), len_bytes, &pages));
}
