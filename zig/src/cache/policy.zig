//! The eviction policies, as operations on a shard's lists. Each is exact and deterministic, so the
//! facade's tests replay random operations against plain TypeScript models of the same rules
//! (test/cache/reference.ts); this header is the rule book those models follow.
//!
//! A set never evicts the entry it just wrote (the victim passes over it) unless it is the only
//! entry left; only the adaptive policy may refuse a new entry, at admission.
//!
//! lru       one list; a hit or an update moves the entry to the head; the victim is the tail.
//! fifo      one list in insertion order; hits do not move; an update keeps its place.
//! lfu       lists[f] for frequency f = 0..15, newest first. A new key enters lists[1]; a hit or an
//!           update moves it to the head of lists[min(f + 1, 15)]. The victim is the tail of the
//!           lowest non-empty list. Aging: after every hit or set, once the shard has seen
//!           8 × max(entries, 8) of them since the last aging, every frequency halves: for f = 1..15
//!           ascending, the entries of lists[f] move, tail first, to the head of lists[f >> 1].
//! adaptive  W-TinyLFU (Caffeine's design) with its window hill-climbed; see `Adaptive`.
const std = @import("std");
const assert = std.debug.assert;
const Entry = @import("entry.zig").Entry;
const List = @import("list.zig").List;
const Sketch = @import("sketch.zig").Sketch;

pub const Kind = enum(u32) { lru = 0, lfu = 1, fifo = 2, adaptive = 3 };

pub const list_count = 16;
const lfu_frequency_max = 15;

/// The adaptive segments, as list numbers.
pub const window: u8 = 0;
pub const probation: u8 = 1;
pub const protected: u8 = 2;
/// Window entries pushed out of it, waiting for admission (oldest at the tail).
pub const candidates: u8 = 3;

/// The adaptive policy's state beside its lists.
///
/// New keys enter the window (an LRU of `window_fraction` of the shard's bytes and of its entry
/// bound, which always keeps its newest entry). After a set, the window's oldest entries beyond its share move to the
/// candidates list. Then, while the shard is
/// over its bounds, the oldest candidate faces the tail of probation (or of protected when
/// probation is empty): the sketch's estimates decide, the candidate wins only when strictly more
/// frequent, the winner (if the candidate) moves to the head of probation and the loser is evicted;
/// with no candidate left, the victim is the tail of probation, then protected, then the window.
/// Candidates still waiting when the shard fits move to the head of probation, oldest first. Hits
/// in the window move to its head; hits in probation or on a candidate promote to the head of
/// protected (80% of the main space, in bytes and in entries; its tail is demoted to the head of
/// probation when it overflows); hits in protected move to its head. Every hit and every set increments the sketch.
///
/// Hill climbing: after every `sample` gets (10 × max(entries, 64), counted when the sample
/// starts), the window fraction moves by `step` (starting at +0.05) within [0, 0.8]; when the
/// sample's hit rate is lower than the previous sample's, the step first reverses and shrinks
/// (step = −step × 0.98).
pub const Adaptive = struct {
    sketch: Sketch = .{},
    window_fraction: f64 = 0.01,
    step: f64 = 0.05,
    previous_hit_rate: f64 = -1,
    sample_gets: u64 = 0,
    sample_hits: u64 = 0,
    sample_size: u64 = 640,

    /// The window's share of a bound (bytes or entries): floor(bound × window_fraction).
    pub fn windowMax(adaptive: *const Adaptive, bound: u64) u64 {
        return @intFromFloat(@floor(@as(f64, @floatFromInt(bound)) * adaptive.window_fraction));
    }

    /// Protected's share of a bound: floor((bound − the window's share) × 0.8).
    pub fn protectedMax(adaptive: *const Adaptive, bound: u64) u64 {
        const main = bound - adaptive.windowMax(bound);
        return @intFromFloat(@floor(@as(f64, @floatFromInt(main)) * 0.8));
    }

    /// Whether the next `recordGet` ends the sample (and climbs).
    pub fn sampleEndsWithNextGet(adaptive: *const Adaptive) bool {
        return adaptive.sample_gets + 1 >= adaptive.sample_size;
    }

    /// Counts one get; at the end of a sample, climbs.
    pub fn recordGet(adaptive: *Adaptive, hit: bool, entries: u64) void {
        adaptive.sample_gets += 1;
        adaptive.sample_hits += @intFromBool(hit);
        if (adaptive.sample_gets < adaptive.sample_size) return;
        const rate = @as(f64, @floatFromInt(adaptive.sample_hits)) / @as(f64, @floatFromInt(adaptive.sample_gets));
        if (adaptive.previous_hit_rate >= 0 and rate < adaptive.previous_hit_rate) adaptive.step = -adaptive.step * 0.98;
        adaptive.window_fraction = std.math.clamp(adaptive.window_fraction + adaptive.step, 0.0, 0.8);
        adaptive.previous_hit_rate = rate;
        adaptive.sample_gets = 0;
        adaptive.sample_hits = 0;
        adaptive.sample_size = 10 * @max(entries, 64);
        assert(adaptive.window_fraction >= 0 and adaptive.window_fraction <= 0.8);
    }
};

/// A shard's bounds, which the adaptive segments take their shares of.
pub const Bounds = struct { bytes: u64, entries: u64 };

/// The lists of one shard under one policy, and the moves the policy makes on them.
pub const Lists = struct {
    kind: Kind,
    lists: [list_count]List = @splat(.{}),
    /// LFU: hits and sets since the frequencies last halved.
    operations_since_aging: u64 = 0,
    adaptive: Adaptive = .{},

    pub fn listOf(state: *Lists, entry: *const Entry) *List {
        assert(entry.list < list_count);
        return &state.lists[entry.list];
    }

    /// A new key.
    pub fn insert(state: *Lists, entry: *Entry) void {
        entry.list = switch (state.kind) {
            .lru, .fifo => 0,
            .lfu => 1,
            .adaptive => window,
        };
        state.lists[entry.list].pushHead(entry);
    }

    /// A get that found `entry` (not a peek).
    pub fn hit(state: *Lists, entry: *Entry, bounds: Bounds) void {
        assert(entry.list < list_count);
        switch (state.kind) {
            .lru => state.lists[0].moveToHead(entry),
            .fifo => {},
            .lfu => state.promote(entry),
            .adaptive => {
                state.adaptive.sketch.increment(entry.sketchHash());
                state.adaptiveTouch(entry, bounds);
            },
        }
    }

    /// The moves of an adaptive hit (the sketch is counted by the caller).
    fn adaptiveTouch(state: *Lists, entry: *Entry, bounds: Bounds) void {
        switch (entry.list) {
            window, protected => state.lists[entry.list].moveToHead(entry),
            probation, candidates => {
                state.lists[entry.list].remove(entry);
                entry.list = protected;
                state.lists[protected].pushHead(entry);
                state.demoteProtected(bounds);
            },
            else => unreachable,
        }
    }

    /// An update: `new` takes `old`'s place, then counts as a hit (FIFO keeps its place).
    pub fn update(state: *Lists, old: *Entry, new: *Entry, bounds: Bounds) void {
        new.list = old.list;
        state.lists[old.list].replace(old, new);
        switch (state.kind) {
            .fifo => {},
            else => state.hit(new, bounds),
        }
    }

    pub fn remove(state: *Lists, entry: *Entry) void {
        state.lists[entry.list].remove(entry);
    }

    fn promote(state: *Lists, entry: *Entry) void {
        assert(state.kind == .lfu);
        state.lists[entry.list].remove(entry);
        entry.list = @min(entry.list + 1, lfu_frequency_max);
        state.lists[entry.list].pushHead(entry);
    }

    fn demoteProtected(state: *Lists, bounds: Bounds) void {
        const bytes_max = state.adaptive.protectedMax(bounds.bytes);
        const entries_max = state.adaptive.protectedMax(bounds.entries);
        while (state.lists[protected].bytes > bytes_max or state.lists[protected].count > entries_max) {
            const demoted = state.lists[protected].tail.?;
            state.lists[protected].remove(demoted);
            demoted.list = probation;
            state.lists[probation].pushHead(demoted);
        }
    }

    /// LFU aging: called after each hit or set; halves every frequency once enough have happened.
    pub fn countOperation(state: *Lists, entries: u64) void {
        if (state.kind != .lfu) return;
        state.operations_since_aging += 1;
        if (state.operations_since_aging < 8 * @max(entries, 8)) return;
        for (1..list_count) |frequency| {
            const source = &state.lists[frequency];
            while (source.tail) |oldest| {
                source.remove(oldest);
                oldest.list = @intCast(frequency >> 1);
                state.lists[oldest.list].pushHead(oldest);
            }
        }
        state.operations_since_aging = 0;
    }

    /// Adaptive, before evicting: the window's oldest entries beyond its share become candidates.
    pub fn spillWindow(state: *Lists, bounds: Bounds) void {
        if (state.kind != .adaptive) return;
        const bytes_max = state.adaptive.windowMax(bounds.bytes);
        const entries_max = state.adaptive.windowMax(bounds.entries);
        const list = &state.lists[window];
        // The window always keeps its newest entry, however small its share.
        while ((list.bytes > bytes_max or list.count > entries_max) and list.count > 1) state.move(list.tail.?, candidates);
    }

    /// Adaptive, once the shard fits: the candidates left join probation, oldest first.
    pub fn admitCandidates(state: *Lists) void {
        if (state.kind != .adaptive) return;
        while (state.lists[candidates].tail) |oldest| state.move(oldest, probation);
    }

    fn move(state: *Lists, entry: *Entry, list: u8) void {
        state.lists[entry.list].remove(entry);
        entry.list = list;
        state.lists[list].pushHead(entry);
    }

    /// The entry to evict now. `fresh`, the entry the current set wrote, is passed over unless it
    /// is the only entry left (LRU, FIFO, LFU): a set never evicts what it just stored. The adaptive
    /// policy may reject it on purpose (admission).
    pub fn victim(state: *Lists, fresh: *const Entry) *Entry {
        switch (state.kind) {
            .lru, .fifo => return oldestExcept(&state.lists[0], fresh) orelse state.lists[0].tail.?,
            .lfu => {
                for (&state.lists) |*list| if (oldestExcept(list, fresh)) |oldest| return oldest;
                return @constCast(fresh); // the only entry left
            },
            .adaptive => return state.adaptiveVictim(),
        }
    }

    fn oldestExcept(list: *const List, fresh: *const Entry) ?*Entry {
        const oldest = list.tail orelse return null;
        if (oldest != fresh) return oldest;
        return oldest.prevEntry();
    }

    fn adaptiveVictim(state: *Lists) *Entry {
        const defender = state.lists[probation].tail orelse state.lists[protected].tail;
        if (state.lists[candidates].tail) |challenger| {
            const opponent = defender orelse return challenger;
            const sketch = &state.adaptive.sketch;
            if (sketch.estimate(challenger.sketchHash()) > sketch.estimate(opponent.sketchHash())) {
                state.move(challenger, probation);
                return opponent;
            }
            return challenger;
        }
        return defender orelse state.lists[window].tail.?;
    }
};
