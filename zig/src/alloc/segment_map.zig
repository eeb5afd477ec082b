//! Maps every 4 MiB chunk of the 47-bit address space to the allocator metadata that owns it, so
//! that `free(ptr)` needs no size and can tell an offheap pointer (including an interior one) from a
//! foreign one with a single load.
//!
//! The table is one flat array of 2^25 words (256 MiB of address space, mapped NORESERVE): the
//! kernel backs a 4 KiB page of it only when an entry on that page is written, and each such page
//! covers 2 GiB of address space, so a process using a few GiB of offheap memory commits a few KiB.
//!
//! An entry is a pointer to the owning metadata with its `Kind` in the low two bits: a segment of
//! small and medium pages (the pointer is the segment itself, which starts at the chunk), or a
//! mapped or huge region (the pointer is its out-of-band descriptor, which may cover many chunks).
const std = @import("std");
const assert = std.debug.assert;
const check = @import("../support/assert.zig");
const os = @import("../os/os.zig");

pub const chunk_shift: u6 = 22;
pub const chunk_bytes: usize = 1 << chunk_shift;
const entry_count: usize = os.address_limit >> chunk_shift;
const table_bytes: usize = entry_count * @sizeOf(usize);

pub const Kind = enum(u2) { none = 0, segment = 1, region = 2 };

pub const Entry = struct {
    kind: Kind,
    pointer: usize,
};

var table: std.atomic.Value(?[*]std.atomic.Value(usize)) = .init(null);

/// Maps the table on first use. Threads racing here each map one; the loser unmaps its own.
fn tableOrInit() os.MapError![*]std.atomic.Value(usize) {
    if (table.load(.acquire)) |existing| return existing;
    const fresh: [*]std.atomic.Value(usize) = @ptrCast(try os.map(table_bytes, .{ .no_reserve = true }));
    if (table.cmpxchgStrong(null, fresh, .acq_rel, .acquire)) |winner| {
        os.unmap(@ptrCast(@alignCast(fresh)), table_bytes);
        return winner.?;
    }
    return fresh;
}

pub fn encode(kind: Kind, pointer: usize) usize {
    assert(kind != .none);
    assert(pointer & 0b11 == 0);
    return pointer | @backingInt(kind);
}

/// Publishes `value` for every chunk of [start, start + len_bytes). `start` must be chunk-aligned.
pub fn publish(start: usize, len_bytes: usize, value: usize) os.MapError!void {
    assert(start % chunk_bytes == 0);
    assert(len_bytes > 0);
    assert(start + len_bytes <= os.address_limit);
    const entries = try tableOrInit();
    const first = start >> chunk_shift;
    const last = (start + len_bytes - 1) >> chunk_shift;
    for (first..last + 1) |index| entries[index].store(value, .release);
}

/// Removes the entries of [start, start + len_bytes); the memory is about to be unmapped.
pub fn retract(start: usize, len_bytes: usize) void {
    assert(start % chunk_bytes == 0);
    assert(len_bytes > 0);
    assert(start + len_bytes <= os.address_limit);
    const entries = table.load(.acquire) orelse unreachable;
    const first = start >> chunk_shift;
    const last = (start + len_bytes - 1) >> chunk_shift;
    for (first..last + 1) |index| entries[index].store(0, .release);
}

/// Splits a raw table word into its kind and pointer.
pub inline fn decode(raw: usize) Entry {
    const entry: Entry = .{ .kind = @fromBackingInt(@as(u2, @truncate(raw))), .pointer = raw & ~@as(usize, 0b11) };
    // An empty entry is all zero; a published one names a segment or region below the limit.
    check.internal((entry.kind == .none) == (raw == 0));
    check.internal(entry.pointer < os.address_limit);
    return entry;
}

/// The owner of `address`, or `.none` for any address offheap never mapped.
pub fn lookup(address: usize) Entry {
    if (address >= os.address_limit) return .{ .kind = .none, .pointer = 0 };
    const entries = table.load(.acquire) orelse return .{ .kind = .none, .pointer = 0 };
    const index = address >> chunk_shift;
    check.internal(index < entry_count);
    return decode(entries[index].load(.acquire));
}

/// The whole table, entry `i` covering the chunk at `i << chunk_shift`, or null before the first
/// publish; for walkers that must see every mapping (resident.zig). The table is never unmapped, so
/// the slice stays valid; its entries change under the walker, so read each once, atomically. Most
/// of it is not committed: a walker should ask the OS which of its pages are before reading them.
pub fn tableEntries() ?[]const std.atomic.Value(usize) {
    const words = table.load(.acquire) orelse return null;
    assert(@intFromPtr(words) % os.page_size_bytes == 0);
    return words[0..entry_count];
}

test "publish, lookup and retract cover exactly the chunks of a range" {
    const base: usize = 0x7000_0000_0000 - 8 * chunk_bytes;
    try publish(base + chunk_bytes, 2 * chunk_bytes, encode(.region, 0x1000));
    try std.testing.expectEqual(Kind.none, lookup(base).kind);
    try std.testing.expectEqual(Kind.region, lookup(base + chunk_bytes).kind);
    try std.testing.expectEqual(@as(usize, 0x1000), lookup(base + 3 * chunk_bytes - 1).pointer);
    try std.testing.expectEqual(Kind.none, lookup(base + 3 * chunk_bytes).kind);
    retract(base + chunk_bytes, 2 * chunk_bytes);
    try std.testing.expectEqual(Kind.none, lookup(base + chunk_bytes).kind);
    try std.testing.expectEqual(Kind.none, lookup(os.address_limit + 5).kind);
}

const fuzz = @import("../support/fuzz.zig");

/// A stretch of address space no test maps: the fuzz test publishes fake entries there only.
const fuzz_base: usize = 0x5000_0000_0000;
const fuzz_chunks = 64;

/// Publishes and retracts random ranges of `fuzz_base`'s chunks against a model (one value per
/// chunk, 0 for none): every lookup of any byte, and the chunks just outside, must agree with it;
/// encode and decode round-trip every value.
fn fuzzPublishLookup(_: void, smith: *fuzz.Smith) !void {
    var model: [fuzz_chunks]usize = @splat(0);
    defer for (model, 0..) |value, chunk| if (value != 0) retract(fuzz_base + chunk * chunk_bytes, chunk_bytes);
    for (0..fuzz.operations_max) |_| {
        if (smith.eos()) break;
        const first = smith.value(u64) % fuzz_chunks;
        const count = smith.value(u64) % @min(8, fuzz_chunks - first) + 1;
        const range = model[first..][0..count];
        const start = fuzz_base + first * chunk_bytes;
        if (std.mem.allEqual(usize, range, 0)) {
            const kind: Kind = if (smith.value(u64) % 2 == 0) .segment else .region;
            const pointer = (smith.value(u64) % os.address_limit) & ~@as(usize, 0b11);
            const value = encode(kind, pointer);
            try std.testing.expectEqual(Entry{ .kind = kind, .pointer = pointer }, decode(value));
            try publish(start, count * chunk_bytes, value);
            @memset(range, value);
        } else if (range[0] != 0) {
            // Retract the whole published range that starts at `first`'s chunk.
            var length: usize = 1;
            while (first + length < fuzz_chunks and model[first + length] == range[0]) length += 1;
            retract(start, length * chunk_bytes);
            @memset(model[first..][0..length], 0);
        }
        const probe = smith.value(u64) % (fuzz_chunks * chunk_bytes);
        const expected = model[probe / chunk_bytes];
        const entry = lookup(fuzz_base + probe);
        try std.testing.expectEqual(decode(expected), entry);
    }
    try std.testing.expectEqual(Kind.none, lookup(fuzz_base - 1).kind);
    try std.testing.expectEqual(Kind.none, lookup(fuzz_base + fuzz_chunks * chunk_bytes).kind);
}

test "fuzz: segment map publish, lookup and retract agree with a model of every chunk" {
    try fuzz.run({}, fuzzPublishLookup, &.{
        fuzz.values(&.{ 0, 3, 0, 0x1000, 5, 0, 0, 0, 0, 0 }),
        fuzz.values(&.{ 10, 7, 1, 0x7fff_ffff_fff0, 40 << 22, 10, 0, 0, 0, 10 << 22 }),
    });
}
