//! Who owns a thread heap, and how a heap whose thread has ended is recognised. A heap's ownership
//! is one atomic 64-bit word, `{ tid, generation, state }`, and every change of owner is a single
//! compare-and-swap on the whole word, so two threads can never both believe they own one heap.
//!
//! A heap is abandoned in one of two ways:
//!   - the fast hint: a pthread key destructor runs at thread exit and marks the heap abandoned;
//!   - the fallback: any thread looking for a heap sees an `active` word whose tid no longer exists
//!     in this process (`tgkill(getpid(), tid, 0)` fails with ESRCH) and takes the heap over.
//! Correctness rests only on the fallback. Runtimes end Worker threads in ways that may skip the
//! destructor, and the library is linked `-z nodelete`, so the destructor, when it runs, never runs
//! unmapped code.
//!
//! A reused tid only delays reclaim: a live thread with the dead owner's tid answers `tgkill`, so
//! the heap looks owned. The generation makes the compare-and-swap immune to ABA: a heap adopted
//! (and its generation bumped) between a liveness check and the CAS makes the CAS fail.
const std = @import("std");
const os = @import("../os/os.zig");
const assert = std.debug.assert;

pub const State = enum(u2) {
    /// Owned by the thread in `tid`.
    active = 0,
    /// No owner; the first thread to swap in its own tid adopts the heap.
    abandoned = 1,
    /// Ownerless, but one thread is collecting its remote frees (a short exclusive hold).
    collecting = 2,
};

pub const Word = packed struct(u64) {
    tid: u32,
    generation: u30,
    state: State,
};

pub const Ownership = struct {
    word: std.atomic.Value(u64),

    pub fn initActive(tid: u32) Ownership {
        assert(tid != 0);
        const word: Word = .{ .tid = tid, .generation = 0, .state = .active };
        return .{ .word = .init(@bitCast(word)) };
    }

    pub fn load(ownership: *const Ownership) Word {
        return @bitCast(ownership.word.load(.acquire));
    }

    /// Replaces `expected` with `desired` if nobody changed the word since it was read. Acquire on
    /// success so the new holder sees everything the previous one wrote to the heap.
    pub fn exchange(ownership: *Ownership, expected: Word, desired: Word) bool {
        assert(@as(u64, @bitCast(expected)) != @as(u64, @bitCast(desired)));
        return ownership.word.cmpxchgStrong(@bitCast(expected), @bitCast(desired), .acq_rel, .acquire) == null;
    }

    /// Hands the heap back with release ordering: the next holder sees every write to the heap.
    pub fn release(ownership: *Ownership, expected: Word) bool {
        assert(expected.state != .abandoned);
        const desired: Word = .{ .tid = 0, .generation = expected.generation, .state = .abandoned };
        return ownership.word.cmpxchgStrong(@bitCast(expected), @bitCast(desired), .release, .monotonic) == null;
    }
};

/// The next word of a heap being taken by `tid` (adoption, or a short exclusive collection).
pub fn taken(seen: Word, tid: u32, state: State) Word {
    assert(state != .abandoned);
    return .{ .tid = tid, .generation = seen.generation +% 1, .state = state };
}

/// The calling thread's kernel thread id. A syscall: call it on slow paths only.
pub const currentTid = os.currentTid;

/// True when no thread `tid` exists in this process (see the OS contract: refusals count as alive).
pub const threadGone = os.threadGone;

/// Whether an `active` word may be taken over by the calling thread `tid`: its owner has ended.
/// A word that names the caller's own tid was left by an earlier thread with the same tid that
/// died without the hint (tids are unique among live threads, and a thread that owns a heap keeps
/// it in `current` until its destructor releases it).
pub fn ownerGone(seen: Word, tid: u32) bool {
    assert(seen.state == .active);
    if (seen.tid == tid) return true;
    return threadGone(seen.tid);
}

test "the word packs into 64 bits and round-trips" {
    const word: Word = .{ .tid = 123456, .generation = (1 << 30) - 1, .state = .collecting };
    const raw: u64 = @bitCast(word);
    const back: Word = @bitCast(raw);
    try std.testing.expectEqual(word, back);
    try std.testing.expectEqual(@as(u32, 0), taken(back, 7, .active).generation);
}

test "the calling thread is alive, an ended thread is gone" {
    try std.testing.expect(!threadGone(currentTid()));
    var tid: u32 = 0;
    const Probe = struct {
        fn run(out: *u32) void {
            out.* = currentTid();
        }
    };
    const thread = try std.Thread.spawn(.{}, Probe.run, .{&tid});
    thread.join();
    try std.testing.expect(tid != 0);
    // join returns when the kernel clears the child tid, slightly before the task is released, so
    // the tid may answer for a moment longer.
    var attempts: u32 = 0;
    while (!threadGone(tid) and attempts < 1000) : (attempts += 1) pauseBriefly();
    try std.testing.expect(threadGone(tid));
}

/// Sleeps about a millisecond; for bounded waits in tests.
pub const pauseBriefly = os.pauseBriefly;

test "ownership changes only from the word it was read as" {
    var ownership = Ownership.initActive(42);
    const seen = ownership.load();
    try std.testing.expect(ownership.release(seen));
    try std.testing.expect(!ownership.release(seen));
    const abandoned = ownership.load();
    try std.testing.expectEqual(State.abandoned, abandoned.state);
    try std.testing.expect(ownership.exchange(abandoned, taken(abandoned, 43, .active)));
    try std.testing.expect(!ownership.exchange(abandoned, taken(abandoned, 44, .active)));
    try std.testing.expectEqual(@as(u32, 43), ownership.load().tid);
}
