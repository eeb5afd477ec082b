//! A shard's own memory for its entries: 2 MiB chunks of the caches' address space (arena.zig) cut
//! into 64 KiB pages, each page serving one size class. Why not offheap's allocator:
//!   - entries must lie in the arena, so that 32-bit references name them;
//!   - a cache's entries are many, long-lived and read at random, so their pages matter: a lookup
//!     over a gigabyte of 4 KiB pages pays a page walk on top of each cache miss, and 2 MiB-aligned
//!     chunks can be backed by transparent hugepages;
//!   - the classes here are finer (8-byte steps up to 2 KiB, then 1/32 of the power of two below,
//!     at most 3.1%) than the allocator's quarter steps, which cost 1 KiB values ~200 bytes each;
//!   - the memory is the cache's: counted in its stats and placed by its options (`huge`, `node`).
//!
//! A shard uses its `Slabs` under its lock only. Blocks larger than `slot_bytes_max` (the key and
//! value of a large entry, entry.zig) come from offheap's allocator. A page whose last slot is freed
//! goes back to the free pages, for any class; chunks go back to the arena when the shard is
//! emptied (`releaseIfEmpty`) or destroyed.
const std = @import("std");
const assert = std.debug.assert;
const os = @import("../os/os.zig");
const heap = @import("../alloc/heap.zig");
const arena = @import("arena.zig");
const numa = @import("../alloc/numa.zig");
const Error = @import("../support/status.zig").Error;

/// Pages are 64 KiB, or 256 KiB in a shard that may hold 256 MiB or more: a page ends in less than
/// one slot of waste, which a larger page spreads over more entries (a 1064-byte slot wastes 10
/// bytes an entry in a 64 KiB page, 2 in a 256 KiB one), while a small shard keeps the memory its
/// partly filled pages of many classes hold small.
pub const page_bytes: usize = 64 * 1024;
pub const page_bytes_large: usize = 256 * 1024;
pub const large_pages_shard_bytes_min: u64 = 256 * 1024 * 1024;
pub const chunk_bytes: usize = arena.chunk_bytes;
const pages_per_chunk_max = chunk_bytes / page_bytes;
pub const slot_bytes_max: usize = 16 * 1024;
const granule_bytes = arena.reference_unit_bytes;
const fine_bytes_max = 2048;
const fine_doubling = 11;
const steps_per_doubling = 32;

/// The slot sizes: every multiple of 8 up to 2 KiB, then 32 steps per doubling up to 16 KiB.
pub const sizes = blk: {
    var list: [352]u32 = undefined;
    var used: usize = 0;
    var size: u32 = granule_bytes;
    while (size <= fine_bytes_max) : (size += granule_bytes) {
        list[used] = size;
        used += 1;
    }
    var base: u32 = fine_bytes_max;
    while (base < slot_bytes_max) : (base *= 2) {
        for (1..steps_per_doubling + 1) |step| {
            list[used] = base + base / steps_per_doubling * step;
            used += 1;
        }
    }
    assert(list[used - 1] == slot_bytes_max);
    break :blk list[0..used].*;
};

pub const class_count = sizes.len;

/// The smallest class holding `size_bytes`, or null above `slot_bytes_max`.
pub fn classOf(size_bytes: usize) ?u16 {
    assert(size_bytes > 0);
    if (size_bytes > slot_bytes_max) return null;
    if (size_bytes <= fine_bytes_max) return @intCast((size_bytes + granule_bytes - 1) / granule_bytes - 1);
    const doubling = std.math.log2_int(usize, size_bytes - 1); // base = 2^doubling, 11..13
    const base = @as(usize, 1) << doubling;
    const step = base / steps_per_doubling;
    const steps = (size_bytes - base + step - 1) / step; // 1..32
    const class: usize = fine_bytes_max / granule_bytes + (@as(usize, doubling) - fine_doubling) * steps_per_doubling + steps - 1;
    assert(sizes[class] >= size_bytes);
    assert(class == 0 or sizes[class - 1] < size_bytes);
    return @intCast(class);
}

/// Asks for the lines of the `len_bytes` at `address` after the first (the caller's own load) at
/// once, so their misses overlap instead of waiting for the hardware prefetcher to notice a copy's
/// stream (a 1 KiB value is 16 lines). Beyond the first 4 KiB the stream is long enough for the
/// hardware.
pub fn prefetchAfterFirstLine(address: usize, len_bytes: usize) void {
    const prefetched_bytes_max = 4096;
    const line_bytes = std.atomic.cache_line;
    const end = address + @min(len_bytes, prefetched_bytes_max);
    var line = std.mem.alignBackward(usize, address, line_bytes) + line_bytes;
    while (line < end) : (line += line_bytes) @prefetch(@as([*]const u8, @ptrFromInt(line)), .{});
}

/// Whether a shard's chunks ask for transparent hugepages.
pub const Huge = enum(u32) {
    /// Hugepages once the shard may hold at least `auto_huge_bytes_min` (a small cache would
    /// otherwise fault in 2 MiB for its first entry).
    auto = 0,
    never = 1,
    always = 2,
};
pub const auto_huge_bytes_min: u64 = 8 * chunk_bytes;

pub const Options = struct {
    huge: Huge = .auto,
    placement: numa.Placement = .{},
    /// The shard's byte bound, for `huge = .auto`.
    bytes_max: u64,

    /// The allocator request for one of the shard's tables (its index, its sketch): placed like the
    /// entries, and never on hugepages when the cache says `never`.
    pub fn tableRequest(options: Options, size_bytes: usize) heap.Request {
        return .{
            .size_bytes = size_bytes,
            .alignment_bytes = 64,
            .zero = true,
            .huge_mode = if (options.huge == .never) .never else null,
            .placement = options.placement,
        };
    }

    pub fn pageBytes(options: Options) usize {
        return if (options.bytes_max >= large_pages_shard_bytes_min) page_bytes_large else page_bytes;
    }

    fn advisesHugepages(options: Options) bool {
        return switch (options.huge) {
            .never => false,
            .always => true,
            .auto => options.bytes_max >= auto_huge_bytes_min,
        };
    }
};

const Page = struct {
    /// Links in its class's list of pages with free slots, or (`next` only) in the free pages.
    next: ?*Page = null,
    prev: ?*Page = null,
    base: usize,
    capacity_bytes: u32,
    /// The first free slot; each free slot's first word holds the next (0 ends the list).
    free_head: usize = 0,
    /// Bytes handed out from `base` upward; slots beyond it were never used.
    carved_bytes: u32 = 0,
    used: u32 = 0,
    class: u16 = 0,
    /// In its class's list of pages with free slots.
    listed: bool = false,

    fn slotBytes(page: *const Page) u32 {
        return sizes[page.class];
    }

    fn full(page: *const Page) bool {
        return page.free_head == 0 and page.carved_bytes + page.slotBytes() > page.capacity_bytes;
    }

    fn take(page: *Page) usize {
        assert(!page.full());
        page.used += 1;
        if (page.free_head != 0) {
            const slot = page.free_head;
            assert(slot >= page.base and slot < page.base + page.carved_bytes);
            page.free_head = @as(*const usize, @ptrFromInt(slot)).*;
            return slot;
        }
        const slot = page.base + page.carved_bytes;
        page.carved_bytes += page.slotBytes();
        assert(page.carved_bytes <= page.capacity_bytes);
        return slot;
    }

    fn give(page: *Page, slot: usize) void {
        assert(page.used > 0);
        assert(slot >= page.base and slot < page.base + page.carved_bytes);
        assert((slot - page.base) % page.slotBytes() == 0);
        @as(*usize, @ptrFromInt(slot)).* = page.free_head;
        page.free_head = slot;
        page.used -= 1;
    }
};

const Chunk = struct {
    next: ?*Chunk,
    /// The first chunk_bytes / pageBytes() are in use.
    pages: [pages_per_chunk_max]Page,
};
/// Page 0 of a chunk starts after the chunk's header.
const header_bytes = std.mem.alignForward(usize, @sizeOf(Chunk), 64);

comptime {
    assert(header_bytes < page_bytes / 4);
    assert(chunk_bytes % page_bytes == 0);
    assert(sizes.len == class_count);
}

pub const Slabs = struct {
    options: Options,
    chunks: ?*Chunk = null,
    free_pages: ?*Page = null,
    /// Per class, the pages that have a free slot (doubly linked).
    available: [class_count]?*Page = @splat(null),
    chunk_count: u64 = 0,
    pages_in_use: u64 = 0,
    /// Usable bytes of the entries too large for a slot (offheap's allocator).
    large_bytes: u64 = 0,

    /// Memory for an entry of `size_bytes`.
    pub fn alloc(slabs: *Slabs, size_bytes: usize) Error![*]u8 {
        const class = classOf(size_bytes) orelse return slabs.allocLarge(size_bytes);
        const page = slabs.available[class] orelse try slabs.openPage(class);
        assert(page.listed and page.class == class);
        const slot = page.take();
        if (page.full()) slabs.unlist(page);
        return @ptrFromInt(slot);
    }

    /// Returns the memory of an entry of `size_bytes` (the size it was allocated with).
    pub fn free(slabs: *Slabs, memory: [*]u8, size_bytes: usize) void {
        const class = classOf(size_bytes) orelse return slabs.freeLarge(memory);
        const page = slabs.pageOf(@intFromPtr(memory));
        assert(page.class == class);
        page.give(@intFromPtr(memory));
        if (page.used == 0) {
            if (page.listed) slabs.unlist(page);
            slabs.retire(page);
        } else if (!page.listed) slabs.list(page);
    }

    /// The bytes the shard's entries hold: pages in use and large blocks.
    pub fn memoryBytes(slabs: *const Slabs) u64 {
        return slabs.pages_in_use * slabs.options.pageBytes() + slabs.large_bytes;
    }

    /// Gives every chunk back to the arena once no entry is left (after a clear).
    pub fn releaseIfEmpty(slabs: *Slabs) void {
        if (slabs.pages_in_use != 0) return;
        var cursor = slabs.chunks;
        for (0..slabs.chunk_count) |_| {
            const chunk = cursor.?;
            cursor = chunk.next;
            arena.releaseChunk(@ptrCast(@alignCast(chunk)));
        }
        assert(cursor == null);
        slabs.* = .{ .options = slabs.options };
    }

    pub fn deinit(slabs: *Slabs) void {
        assert(slabs.pages_in_use == 0 and slabs.large_bytes == 0); // the shard frees its entries first
        slabs.releaseIfEmpty();
    }

    /// Asks for every line of the slot that holds `address` at once, so that a lookup pays one
    /// memory latency for the entry's header, key and value together instead of one for the header
    /// and then one more for the value lines it names. The slot's size comes from its page's record
    /// in the chunk header, which a lookup over many entries finds in the CPU caches (a chunk's few
    /// records serve 2 MiB of entries). The first line is the caller's to load.
    pub fn prefetchSlot(slabs: *const Slabs, address: usize) void {
        prefetchAfterFirstLine(address, slabs.pageOf(address).slotBytes());
    }

    fn pageOf(slabs: *const Slabs, address: usize) *Page {
        const chunk: *Chunk = @ptrFromInt(address & ~(chunk_bytes - 1));
        const index = (address & (chunk_bytes - 1)) / slabs.options.pageBytes();
        const page = &chunk.pages[index];
        assert(address >= page.base and address < page.base + page.capacity_bytes);
        return page;
    }

    fn openPage(slabs: *Slabs, class: u16) Error!*Page {
        if (slabs.free_pages == null) try slabs.mapChunk();
        const page = slabs.free_pages.?;
        slabs.free_pages = page.next;
        page.* = .{ .base = page.base, .capacity_bytes = page.capacity_bytes, .class = class };
        slabs.pages_in_use += 1;
        slabs.list(page);
        return page;
    }

    fn retire(slabs: *Slabs, page: *Page) void {
        assert(page.used == 0 and !page.listed);
        page.* = .{ .base = page.base, .capacity_bytes = page.capacity_bytes, .next = slabs.free_pages };
        slabs.free_pages = page;
        assert(slabs.pages_in_use > 0);
        slabs.pages_in_use -= 1;
    }

    fn list(slabs: *Slabs, page: *Page) void {
        assert(!page.listed);
        const head = &slabs.available[page.class];
        page.prev = null;
        page.next = head.*;
        if (head.*) |first| first.prev = page;
        head.* = page;
        page.listed = true;
    }

    fn unlist(slabs: *Slabs, page: *Page) void {
        assert(page.listed);
        if (page.prev) |prev| prev.next = page.next else slabs.available[page.class] = page.next;
        if (page.next) |next| next.prev = page.prev;
        page.prev = null;
        page.next = null;
        page.listed = false;
    }

    fn mapChunk(slabs: *Slabs) Error!void {
        const memory = try arena.acquireChunk();
        errdefer arena.releaseChunk(memory);
        // Best effort: without THP the chunk is ordinary pages, which is only slower.
        if (slabs.options.advisesHugepages()) os.advise(memory, chunk_bytes, .huge_page) catch {};
        try numa.apply(@intFromPtr(memory), chunk_bytes, slabs.options.placement);
        const chunk: *Chunk = @ptrCast(@alignCast(memory));
        chunk.next = slabs.chunks;
        const base = @intFromPtr(memory);
        const bytes_per_page = slabs.options.pageBytes();
        const pages_per_chunk = chunk_bytes / bytes_per_page;
        for (chunk.pages[0..pages_per_chunk], 0..) |*page, index| {
            const start = if (index == 0) base + header_bytes else base + index * bytes_per_page;
            page.* = .{ .base = start, .capacity_bytes = @intCast(base + (index + 1) * bytes_per_page - start) };
        }
        // Pushed in reverse so that pages are used in address order.
        var index: usize = pages_per_chunk;
        while (index > 0) {
            index -= 1;
            chunk.pages[index].next = slabs.free_pages;
            slabs.free_pages = &chunk.pages[index];
        }
        slabs.chunks = chunk;
        slabs.chunk_count += 1;
    }

    /// A large block comes from offheap's allocator, outside the arena: only entry.zig's stubs,
    /// which are slots, point at one.
    fn allocLarge(slabs: *Slabs, size_bytes: usize) Error![*]u8 {
        const address = try heap.alloc(.{ .size_bytes = size_bytes, .placement = slabs.options.placement });
        slabs.large_bytes += heap.usableSize(address) catch unreachable;
        return @ptrFromInt(address);
    }

    fn freeLarge(slabs: *Slabs, memory: [*]u8) void {
        const usable = heap.usableSize(@intFromPtr(memory)) catch unreachable; // the shard owns it
        assert(slabs.large_bytes >= usable);
        slabs.large_bytes -= usable;
        _ = heap.free(@intFromPtr(memory)) catch unreachable;
    }
};

test "classes: each size maps to the smallest slot that holds it" {
    try std.testing.expectEqual(@as(usize, 352), class_count);
    for (sizes, 0..) |size, class| {
        try std.testing.expectEqual(@as(?u16, @intCast(class)), classOf(size));
        if (class + 1 < class_count) try std.testing.expectEqual(@as(?u16, @intCast(class + 1)), classOf(size + 1));
    }
    try std.testing.expectEqual(@as(?u16, null), classOf(slot_bytes_max + 1));
    // A 1 KiB value with a 24-byte header and an 11-byte key: 1059 bytes in the 1064-byte slot.
    try std.testing.expectEqual(@as(u32, 1064), sizes[classOf(1059).?]);
    try std.testing.expectEqual(@as(u32, 2048 + 64), sizes[classOf(2049).?]);
}

test "slots are reused, pages return when empty, and chunks go when the shard is empty" {
    try arena.reserve();
    var slabs: Slabs = .{ .options = .{ .bytes_max = 1 << 20 } };
    var slots: [200][*]u8 = undefined;
    for (&slots, 0..) |*slot, i| {
        slot.* = try slabs.alloc(1000 + i % 3);
        @memset(slot.*[0..1000], @truncate(i));
    }
    try std.testing.expectEqual(@as(u64, 1), slabs.chunk_count);
    // 1000-, 1008-byte slots (two classes): 67 and 133 slots, one page and three (page 0 has the header).
    try std.testing.expect(slabs.pages_in_use >= 3 and slabs.pages_in_use <= 5);
    for (slots, 0..) |slot, i| try std.testing.expectEqual(@as(u8, @truncate(i)), slot[999]);
    const reused = slots[7];
    slabs.free(slots[7], 1001);
    try std.testing.expectEqual(reused, try slabs.alloc(1002));
    for (slots, 0..) |slot, i| slabs.free(slot, 1000 + i % 3);
    for (slots) |slot| try std.testing.expectEqual(@as(usize, 0), @intFromPtr(slot) % 8);
    try std.testing.expectEqual(@as(u64, 0), slabs.pages_in_use);
    const large = try slabs.alloc(slot_bytes_max + 1);
    try std.testing.expect(slabs.large_bytes >= slot_bytes_max + 1);
    slabs.free(large, slot_bytes_max + 1);
    try std.testing.expectEqual(@as(u64, 0), slabs.memoryBytes());
    slabs.releaseIfEmpty();
    try std.testing.expectEqual(@as(u64, 0), slabs.chunk_count);
    try std.testing.expectEqual(@as(?*Chunk, null), slabs.chunks);
}

test "a large shard's pages hold more slots of a class, so their tails waste less" {
    try arena.reserve();
    var slabs: Slabs = .{ .options = .{ .bytes_max = large_pages_shard_bytes_min } };
    defer slabs.deinit();
    var slots: [300][*]u8 = undefined;
    for (&slots) |*slot| slot.* = try slabs.alloc(1059);
    // 1064-byte slots: 246 fill the first 256 KiB page (less its header), the rest start the second.
    try std.testing.expectEqual(@as(u64, 2), slabs.pages_in_use);
    try std.testing.expectEqual(@as(u64, 2 * page_bytes_large), slabs.memoryBytes());
    for (slots) |slot| slabs.free(slot, 1059);
    try std.testing.expectEqual(@as(u64, 0), slabs.pages_in_use);
}

test "auto asks for hugepages only for shards of 16 MiB and more" {
    try std.testing.expect(!(Options{ .bytes_max = 1 << 20 }).advisesHugepages());
    try std.testing.expect((Options{ .bytes_max = 16 << 20 }).advisesHugepages());
    try std.testing.expect((Options{ .bytes_max = 1, .huge = .always }).advisesHugepages());
    try std.testing.expect(!(Options{ .bytes_max = 1 << 40, .huge = .never }).advisesHugepages());
}

const fault_sweep = @import("../alloc/fault_sweep.zig");

/// Fills three chunks' worth of 16 KiB slots (so three chunks are taken from the arena, advised and
/// bound), then frees them and lets the chunks go. On a failure the slots taken so far are freed,
/// and the slabs must still be whole: nothing leaked, and `deinit` finds them empty. The chunks
/// come from the arena's reservation (made once, before the sweep), so no map call is swept here.
const ChunkScenario = struct {
    options: Options,

    fn run(scenario: ChunkScenario) !void {
        var slabs: Slabs = .{ .options = scenario.options };
        defer slabs.deinit();
        var slots: [3 * chunk_bytes / slot_bytes_max]?[*]u8 = @splat(null);
        defer for (slots) |slot| if (slot) |memory| slabs.free(memory, slot_bytes_max);
        for (&slots) |*slot| {
            slot.* = try slabs.alloc(slot_bytes_max);
            slot.*.?[0] = 1;
        }
        try std.testing.expect(slabs.chunk_count >= 3);
    }
};

test "faults: a chunk that cannot be advised or bound leaves the slabs whole and nothing leaked" {
    try arena.reserve();
    const scenario: ChunkScenario = .{ .options = .{ .bytes_max = 1 << 30, .huge = .always, .placement = .{ .mode = .local } } };
    const binds = try fault_sweep.sweep(.bind, scenario, ChunkScenario.run, .{});
    try std.testing.expect(binds.calls >= 3);
    try std.testing.expectEqual(binds.calls, binds.failed_runs);
    _ = try fault_sweep.sweep(.bind, scenario, ChunkScenario.run, .{ .every = 2 });
    // Hugepage advice is best effort: a chunk without it is only slower.
    const advice = try fault_sweep.sweep(.advise, scenario, ChunkScenario.run, .{ .must_fail = false });
    try std.testing.expectEqual(binds.calls, advice.calls);
    try std.testing.expectEqual(@as(u32, 0), advice.failed_runs);
    const maps = try fault_sweep.sweep(.map, scenario, ChunkScenario.run, .{ .must_fail = false });
    try std.testing.expectEqual(@as(u32, 0), maps.calls);
}

const fuzz = @import("../support/fuzz.zig");

fn fuzzClassOf(_: void, smith: *fuzz.Smith) !void {
    for (0..fuzz.operations_max) |_| {
        if (smith.eos()) break;
        const size_bytes: usize = @intCast(smith.value(u64) % (slot_bytes_max + 1024) + 1);
        const class = classOf(size_bytes);
        if (size_bytes > slot_bytes_max) {
            try std.testing.expectEqual(@as(?u16, null), class);
            continue;
        }
        // The smallest slot that holds the size: 8 bytes of slack up to 2 KiB, then 1/32 of it.
        try std.testing.expect(sizes[class.?] >= size_bytes);
        if (class.? > 0) try std.testing.expect(sizes[class.? - 1] < size_bytes);
        try std.testing.expect((sizes[class.?] - size_bytes) * steps_per_doubling <= @max(size_bytes, granule_bytes * steps_per_doubling));
    }
}

test "fuzz: classOf maps every size to the smallest slot that holds it" {
    try fuzz.run({}, fuzzClassOf, &.{
        fuzz.values(&.{ 0, 1023, 1024, 1025, 1087, 1088, 2047, 2048, 2049, 2113, 8191, 8192, 16383, 16384, 16385 }),
    });
}
