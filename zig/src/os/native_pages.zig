//! The contract's memory calls on a kernel whose page is larger than the contract's 4 KiB page, as
//! on macOS for Apple silicon (16 KiB). The kernel only maps, unmaps and advises whole native pages,
//! while the allocator works in 4 KiB pages; this file turns every request into native pages:
//!
//! - `map` asks for a whole number of native pages (the kernel would round up anyway);
//! - `unmap` starts at the first native page boundary at or after its start (a partial native page
//!   before it belongs to the live part of the mapping, as after `os.mapAligned` trims its tail) and
//!   ends at the native page boundary at or after its end (where the kernel's mapping ends);
//! - `renew` and `discard` (Linux's MADV_DONTNEED: zero pages afterwards) give the whole native pages
//!   inside the range fresh zero pages and zero the partial ones at the edges by hand;
//! - hints cover every native page they touch, MADV_FREE only the whole ones inside the range;
//! - residency is asked per native page and copied to each 4 KiB page inside it.
//!
//! The macOS port uses it with 16 KiB pages on arm64 (4 KiB on x86-64, where it changes nothing).
//! The Linux layer uses it in test builds made with `-Demulate-page-bytes=16384`, so that the whole
//! Zig test suite runs on Linux with every OS call in 16 KiB units (`npm run test:pages16k`).
const std = @import("std");
const assert = std.debug.assert;
const contract = @import("os.zig");
const page_size_bytes = contract.page_size_bytes;

/// `Kernel` provides, for whole native pages: `mapAnywhere(len, MapOptions) ?usize`,
/// `mapFixed(address, len, MapOptions) ?usize` (fresh zero pages in place), `unmap(address, len) void`, `advise(address, len, Advice) AdviseError!void`
/// (`dont_need` must leave zero pages behind, as Linux's MADV_DONTNEED does) and
/// `residentNative(address, len, vec) ResidencyError!void` (one byte per native page).
pub fn NativePages(comptime native_page_bytes: usize, comptime Kernel: type) type {
    comptime assert(std.math.isPowerOfTwo(native_page_bytes));
    comptime assert(native_page_bytes >= page_size_bytes);
    return struct {
        pub const page_bytes = native_page_bytes;

        const Range = struct { start: usize, end: usize };

        /// The whole native pages inside [address, address + len_bytes); empty when there are none.
        pub fn inner(address: usize, len_bytes: usize) Range {
            const start = std.mem.alignForward(usize, address, native_page_bytes);
            const end = std.mem.alignBackward(usize, address + len_bytes, native_page_bytes);
            return .{ .start = start, .end = @max(start, end) };
        }

        /// Every native page [address, address + len_bytes) touches.
        pub fn outer(address: usize, len_bytes: usize) Range {
            return .{
                .start = std.mem.alignBackward(usize, address, native_page_bytes),
                .end = std.mem.alignForward(usize, address + len_bytes, native_page_bytes),
            };
        }

        /// What `unmap` hands the kernel: see the file's comment.
        pub fn unmapped(address: usize, len_bytes: usize) Range {
            const start = std.mem.alignForward(usize, address, native_page_bytes);
            const end = std.mem.alignForward(usize, address + len_bytes, native_page_bytes);
            return .{ .start = start, .end = @max(start, end) };
        }

        pub fn map(len_bytes: usize, options: contract.MapOptions) contract.MapError!usize {
            const address = Kernel.mapAnywhere(std.mem.alignForward(usize, len_bytes, native_page_bytes), options) orelse return error.OutOfMemory;
            assert(address % native_page_bytes == 0);
            return address;
        }

        pub fn unmap(address: usize, len_bytes: usize) void {
            const range = unmapped(address, len_bytes);
            if (range.end > range.start) Kernel.unmap(range.start, range.end - range.start);
        }

        /// Fresh zero pages for [address, address + len_bytes).
        pub fn renew(address: usize, len_bytes: usize, options: contract.MapOptions) contract.MapError!void {
            const range = inner(address, len_bytes);
            if (range.end > range.start) {
                const result = Kernel.mapFixed(range.start, range.end - range.start, options) orelse return error.OutOfMemory;
                assert(result == range.start);
            }
            zeroEdges(address, len_bytes, range);
        }

        fn zeroEdges(address: usize, len_bytes: usize, range: Range) void {
            const bytes: [*]u8 = @ptrFromInt(address);
            if (range.end <= range.start) {
                @memset(bytes[0..len_bytes], 0);
                return;
            }
            @memset(bytes[0 .. range.start - address], 0);
            @memset(bytes[range.end - address .. len_bytes], 0);
        }

        pub fn advise(address: usize, len_bytes: usize, advice: contract.Advice) contract.AdviseError!void {
            switch (advice) {
                // Linux's MADV_DONTNEED leaves zero pages behind, and callers rely on it: the kernel
                // gives the whole native pages zero pages, the partial ones are zeroed by hand.
                .dont_need => {
                    const range = inner(address, len_bytes);
                    if (range.end > range.start) try Kernel.advise(range.start, range.end - range.start, .dont_need);
                    zeroEdges(address, len_bytes, range);
                },
                .free => {
                    const range = inner(address, len_bytes);
                    if (range.end > range.start) try Kernel.advise(range.start, range.end - range.start, .free);
                },
                else => {
                    const range = outer(address, len_bytes);
                    try Kernel.advise(range.start, range.end - range.start, advice);
                },
            }
        }

        /// Native pages per residency query (their answers live on the stack).
        const batch_native_max = 256;

        pub fn residentPages(address: usize, len_bytes: usize, pages: []u8) contract.ResidencyError!void {
            assert(pages.len * page_size_bytes >= len_bytes);
            var native: [batch_native_max]u8 = undefined;
            const end = address + pages.len * page_size_bytes;
            var page: usize = 0;
            while (page < pages.len) {
                const native_start = std.mem.alignBackward(usize, address + page * page_size_bytes, native_page_bytes);
                const count: usize = @min(batch_native_max, std.math.divCeil(usize, end - native_start, native_page_bytes) catch unreachable);
                try Kernel.residentNative(native_start, count * native_page_bytes, native[0..count]);
                while (page < pages.len) : (page += 1) {
                    const index = (address + page * page_size_bytes - native_start) / native_page_bytes;
                    if (index >= count) break;
                    pages[page] = native[index] & 1;
                }
            }
        }
    };
}

const Model = NativePages(16 << 10, struct {});

test "16 KiB pages: unmap keeps the partial page before the range and ends where the kernel's mapping ends" {
    const base: usize = 1 << 30;
    // A 20 KiB region's tail trim after mapAligned: the page holding the region's last 4 KiB stays.
    try std.testing.expectEqual(Model.Range{ .start = base + (32 << 10), .end = base + (32 << 10) }, Model.unmapped(base + (20 << 10), 4 << 10));
    try std.testing.expectEqual(Model.Range{ .start = base + (32 << 10), .end = base + (64 << 10) }, Model.unmapped(base + (20 << 10), 40 << 10));
    try std.testing.expectEqual(Model.Range{ .start = base, .end = base + (32 << 10) }, Model.unmapped(base, 20 << 10));
    try std.testing.expectEqual(Model.Range{ .start = base + (16 << 10), .end = base + (16 << 10) }, Model.inner(base + (4 << 10), 20 << 10));
    try std.testing.expectEqual(Model.Range{ .start = base, .end = base + (32 << 10) }, Model.outer(base + (4 << 10), 20 << 10));
}
