//! The layout of a segment: a 4 MiB, 4 MiB-aligned mapping split into 64 pages of 64 KiB. Page 0
//! holds this header (the page descriptors); pages 1-63 each hold blocks of one size class.
//!
//! This file knows blocks and pages: carving, the local free list, the remote free list that other
//! threads push to, and the checks that turn a raw address into a block or a precise error. Which
//! page a thread allocates from is thread_heap.zig's business.
const std = @import("std");
const assert = std.debug.assert;
const check = @import("../support/assert.zig");
const os = @import("../os/os.zig");
const segment_map = @import("segment_map.zig");
const size_class = @import("size_class.zig");
const Error = @import("../support/status.zig").Error;

pub const segment_bytes: usize = segment_map.chunk_bytes;
pub const page_shift: u6 = 16;
pub const page_bytes: usize = 1 << page_shift;
pub const pages_per_segment: usize = segment_bytes / page_bytes;

/// A free block's first 16 bytes. `cookie` marks the block as free so that a second free of the
/// same address is caught; it is the address mixed with a per-process secret, so user data matches
/// it only by a 2^-64 accident.
pub const FreeBlock = extern struct {
    next: ?*FreeBlock,
    cookie: usize,
};

var cookie_secret: std.atomic.Value(usize) = .init(0);

/// Draws the secret; called before the first segment exists, so no block predates it.
pub fn initCookieSecret() void {
    if (cookie_secret.load(.monotonic) != 0) return;
    var bytes: [@sizeOf(usize)]u8 = undefined;
    os.randomBytes(&bytes);
    const fresh = std.mem.readInt(usize, &bytes, .little) | 1;
    _ = cookie_secret.cmpxchgStrong(0, fresh, .monotonic, .monotonic);
}

pub inline fn cookieFor(address: usize) usize {
    const secret = cookie_secret.load(.monotonic);
    assert(secret != 0);
    return secret ^ address;
}

/// Where the owner keeps a page. Written only by the owning heap.
pub const Queue = enum(u8) { unused, available, full };

/// What remote threads may know of a page: whether the owner stopped looking at it (`full`), and
/// whether a remote thread already told the owner about new remote frees (`full_queued`).
pub const RemoteState = enum(u8) { owner_watching = 0, full = 1, full_queued = 2 };

pub const Page = struct {
    // Owner-only fields.
    free_list: ?*FreeBlock = null,
    block_bytes: u32 = 0,
    /// ceil(2^32 / block_bytes): `(offset * reciprocal) >> 32` is `offset / block_bytes` exactly for
    /// every offset inside a 64 KiB page, which keeps a division off the free path.
    block_reciprocal: u64 = 0,
    capacity_blocks: u16 = 0,
    carved_blocks: u16 = 0,
    used_blocks: u16 = 0,
    class: u8 = 0,
    queue: Queue = .unused,
    next: ?*Page = null,
    prev: ?*Page = null,
    // Shared with remote threads.
    remote_free: std.atomic.Value(usize) = .init(0),
    remote_state: std.atomic.Value(RemoteState) = .init(.owner_watching),
    delayed_next: ?*Page = null,
    /// Owner-only: an unused page whose memory was returned to the OS (MADV_DONTNEED), so a purge
    /// does not advise it again. Any use of the page (`assign`) clears it.
    decommitted: bool = false,

    pub fn start(page: *const Page) usize {
        const segment = Segment.of(@intFromPtr(page));
        const index = (@intFromPtr(page) - @intFromPtr(&segment.pages)) / @sizeOf(Page);
        assert(index >= 1 and index < pages_per_segment);
        return @intFromPtr(segment) + index * page_bytes;
    }

    pub fn assign(page: *Page, class: u8) void {
        assert(page.queue == .unused);
        assert(page.remote_free.load(.monotonic) == 0);
        const block_bytes = size_class.blockBytes(class);
        page.* = .{
            .block_bytes = block_bytes,
            .block_reciprocal = ((@as(u64, 1) << 32) + block_bytes - 1) / block_bytes,
            .capacity_blocks = @intCast(page_bytes / block_bytes),
            .class = class,
        };
        assert(page.capacity_blocks >= 4);
    }

    /// Takes a block from the local free list, or carves a fresh one. Null when the page is full as
    /// far as the owner knows (remote frees not collected yet).
    pub inline fn take(page: *Page) ?usize {
        check.internal(page.used_blocks <= page.carved_blocks);
        check.internal(page.carved_blocks <= page.capacity_blocks);
        if (page.free_list) |block| {
            const address = @intFromPtr(block);
            // A free block lies on a block boundary of this page and carries its cookie.
            check.internal(address >= page.start());
            check.internal((address - page.start()) % page.block_bytes == 0);
            if (check.enabled) assert(block.cookie == cookieFor(address));
            page.free_list = block.next;
            page.used_blocks += 1;
            block.cookie = 0;
            check.internal(page.used_blocks <= page.carved_blocks);
            return address;
        }
        if (page.carved_blocks < page.capacity_blocks) {
            const address = page.start() + @as(usize, page.carved_blocks) * page.block_bytes;
            page.carved_blocks += 1;
            page.used_blocks += 1;
            // A recycled page may hold an old cookie exactly here; a live block must never carry one.
            @as(*FreeBlock, @ptrFromInt(address)).cookie = 0;
            check.internal(page.used_blocks <= page.carved_blocks);
            return address;
        }
        check.internal(page.used_blocks == page.capacity_blocks);
        return null;
    }

    /// Owner-side free of a block already validated by `Segment.locate`.
    pub inline fn putLocal(page: *Page, address: usize) void {
        assert(page.used_blocks > 0);
        check.internal(page.used_blocks <= page.carved_blocks);
        check.internal(address >= page.start());
        check.internal((address - page.start()) % page.block_bytes == 0);
        check.internal(address - page.start() < @as(usize, page.carved_blocks) * page.block_bytes);
        const block: *FreeBlock = @ptrFromInt(address);
        block.* = .{ .next = page.free_list, .cookie = cookieFor(address) };
        page.free_list = block;
        page.used_blocks -= 1;
    }

    /// Remote-thread free: pushes the block on the page's lock-free stack. Returns true when this
    /// thread must tell the owner (the owner had given up on the page as full).
    pub fn putRemote(page: *Page, address: usize) bool {
        const block: *FreeBlock = @ptrFromInt(address);
        block.cookie = cookieFor(address);
        var head = page.remote_free.load(.monotonic);
        var attempts: usize = 0;
        while (true) : (attempts += 1) {
            assert(attempts < 1 << 32);
            block.next = @ptrFromInt(head);
            head = page.remote_free.cmpxchgWeak(head, address, .release, .monotonic) orelse break;
        }
        return page.remote_state.cmpxchgStrong(.full, .full_queued, .seq_cst, .monotonic) == null;
    }

    /// Moves every remotely freed block onto the local free list. Returns how many moved.
    pub fn collectRemote(page: *Page) u16 {
        const head = page.remote_free.swap(0, .acquire);
        if (head == 0) return 0;
        var count: u16 = 1;
        var tail: *FreeBlock = @ptrFromInt(head);
        while (tail.next) |next| : (tail = next) {
            count += 1;
            assert(count <= page.capacity_blocks);
        }
        tail.next = page.free_list;
        page.free_list = @ptrFromInt(head);
        assert(count <= page.used_blocks);
        page.used_blocks -= count;
        return count;
    }
};

pub const Segment = struct {
    /// The owning thread heap (a `*ThreadHeap`), as an integer to keep this file free of heap types.
    owner: std.atomic.Value(usize),
    next: ?*Segment,
    pages: [pages_per_segment]Page,

    comptime {
        assert(@sizeOf(Segment) <= page_bytes);
    }

    /// The page at `index` (1 to 63), and its first byte.
    pub fn pageStart(segment: *Segment, index: usize) usize {
        assert(index >= 1 and index < pages_per_segment);
        return @intFromPtr(segment) + index * page_bytes;
    }

    pub fn of(address: usize) *Segment {
        return @ptrFromInt(address & ~(segment_bytes - 1));
    }

    /// Maps a segment for `owner` and publishes it in the segment map.
    pub fn create(owner: usize) (os.MapError)!*Segment {
        initCookieSecret();
        const memory = try os.mapAligned(segment_bytes, segment_bytes, .{});
        const segment: *Segment = @ptrCast(memory);
        // Fresh pages were never touched, so they count as decommitted until first assigned.
        segment.* = .{ .owner = .init(owner), .next = null, .pages = @splat(.{ .decommitted = true }) };
        segment_map.publish(@intFromPtr(segment), segment_bytes, segment_map.encode(.segment, @intFromPtr(segment))) catch |err| {
            os.unmap(memory, segment_bytes);
            return err;
        };
        return segment;
    }

    pub const Located = struct { page: *Page, address: usize };

    /// A block slot of a page: where `address` falls, as far as the page layout knows.
    const Slot = struct { page: *Page, offset: u64, block_index: u64 };

    /// The slot that holds `address`; NotOwned in the header page, an unassigned page or the tail
    /// of a page that no block covers.
    inline fn slotOf(segment: *Segment, address: usize) Error!Slot {
        const offset_in_segment = address - @intFromPtr(segment);
        assert(offset_in_segment < segment_bytes);
        const index = offset_in_segment >> page_shift;
        if (index == 0) return error.NotOwned;
        const page = &segment.pages[index];
        if (page.block_bytes == 0) return error.NotOwned;
        const offset: u64 = offset_in_segment & (page_bytes - 1);
        const block_index = (offset * page.block_reciprocal) >> 32;
        if (block_index >= page.capacity_blocks) return error.NotOwned;
        return .{ .page = page, .offset = offset, .block_index = block_index };
    }

    /// The start of the block slot of this segment that holds `address` (any byte of it), for
    /// `locate` to validate.
    pub fn blockStart(segment: *Segment, address: usize) Error!usize {
        const slot = try segment.slotOf(address);
        const start = address - (slot.offset - slot.block_index * slot.page.block_bytes);
        assert(start <= address);
        assert(address - start < slot.page.block_bytes);
        return start;
    }

    /// Validates that `address` is the start of a live block of this segment.
    pub inline fn locate(segment: *Segment, address: usize) Error!Located {
        const slot = try segment.slotOf(address);
        if (slot.block_index * slot.page.block_bytes != slot.offset) return error.InteriorPointer;
        if (slot.block_index >= slot.page.carved_blocks) return error.NotOwned;
        const block: *const FreeBlock = @ptrFromInt(address);
        if (block.cookie == cookieFor(address)) return error.DoubleFree;
        return .{ .page = slot.page, .address = address };
    }
};

test "the reciprocal divides exactly for every offset of every class" {
    for (0..size_class.count) |class| {
        var page: Page = .{};
        const block_bytes = size_class.blockBytes(@intCast(class));
        page.block_reciprocal = ((@as(u64, 1) << 32) + block_bytes - 1) / block_bytes;
        var offset: u64 = 0;
        while (offset < page_bytes) : (offset += 1) {
            try std.testing.expectEqual(offset / block_bytes, (offset * page.block_reciprocal) >> 32);
        }
    }
}
