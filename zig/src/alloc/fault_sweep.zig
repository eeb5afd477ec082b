//! Tests only: `std.testing.checkAllAllocationFailures`, but for the OS calls. A sweep runs a
//! scenario once to count the map, advise or bind calls it makes (N), then N more times with call
//! n = 1..N made to fail through the OS layer's fault hook (os.zig `faults`), and after every run
//! checks that the rollback left nothing behind:
//!   - the scenario failed with an error it may return (OutOfMemory, Unsupported), or fell back
//!     and succeeded where it is allowed to;
//!   - the bytes mapped through the OS layer are back at the baseline (nothing leaked);
//!   - the heap statistics balance: for every tier, allocations minus frees and bytes allocated
//!     minus bytes freed are what they were, and so are each region tier's mapped bytes, the
//!     region, segment and per-node byte counts, the hugetlb pages and the THP-advised bytes;
//!   - the allocator still works: the same scenario, unarmed, runs clean.
//! A scenario frees everything it allocated before it returns, on success and on failure (errdefer),
//! so that only what the allocator itself keeps (cached regions, which `settle` trims; segments, which
//! are never unmapped) could differ, and the baseline is taken after a first, unarmed run.
const std = @import("std");
const assert = std.debug.assert;
const os = @import("../os/os.zig");
const heap = @import("heap.zig");
const huge = @import("huge.zig");
const stats = @import("../stats/counters.zig");
const fields = @import("../stats/fields.zig");

comptime {
    assert(@import("builtin").is_test);
}

pub const Options = struct {
    /// 0: only call n fails. K >= 1: every Kth call after it fails too (1: every call from n on).
    every: u32 = 0,
    /// Whether every injected failure must fail the scenario. False where the code may fall back
    /// (a hugetlb mapping that fails becomes THP; ignored advice): such runs must then succeed.
    must_fail: bool = true,
};

/// What a sweep did, for the test to check and to report.
pub const Report = struct {
    /// Calls of the fault's kind the scenario makes when nothing fails.
    calls: u32 = 0,
    /// Failures injected, over every run of the sweep.
    injected: u32 = 0,
    /// Runs the injected failure made fail (the others fell back and succeeded).
    failed_runs: u32 = 0,
};

/// The counters a rollback must restore.
const Balance = struct {
    os_mapped_bytes: u64,
    live_blocks: [stats.tier_count]u64,
    live_bytes: [stats.tier_count]u64,
    region_mapped_bytes: [stats.tier_count]u64,
    region_bytes_mapped: u64,
    segment_bytes_mapped: u64,
    node_bytes: [stats.node_stats_max]u64,
    interleaved_bytes: u64,
    hugetlb_pages: u64,
    thp_advised_bytes: u64,

    /// Gives back what the allocator keeps on its own (cached and stashed regions, remembered
    /// hugetlb failures), then reads every counter. Counters are read with wrapping differences, so
    /// a free counted without its allocation shows up instead of saturating to zero.
    fn settle() Balance {
        huge.forgetFailures();
        _ = heap.trim();
        const merged = fields.Merged.ofAllHeaps();
        var balance: Balance = .{
            .os_mapped_bytes = os.mapped_bytes.load(.monotonic),
            .live_blocks = undefined,
            .live_bytes = undefined,
            .region_mapped_bytes = undefined,
            .region_bytes_mapped = stats.global.region_bytes_mapped.load(.monotonic),
            .segment_bytes_mapped = stats.global.segment_bytes_mapped.load(.monotonic),
            .node_bytes = undefined,
            .interleaved_bytes = stats.interleaved_bytes.load(.monotonic),
            .hugetlb_pages = huge.pages_2m_in_use.load(.monotonic) + huge.pages_1g_in_use.load(.monotonic),
            .thp_advised_bytes = huge.thp_advised_bytes.load(.monotonic),
        };
        for (merged.tiers, stats.region_tiers, 0..) |tier, region_tier, index| {
            balance.live_blocks[index] = tier.allocs -% tier.frees;
            balance.live_bytes[index] = tier.bytes_allocated -% tier.bytes_freed;
            balance.region_mapped_bytes[index] = region_tier.mapped_bytes.load(.monotonic);
        }
        for (&balance.node_bytes, &stats.node_bytes) |*bytes, *counter| bytes.* = counter.load(.monotonic);
        return balance;
    }

    fn expectUnchanged(before: Balance, after: Balance, fault: os.Fault, nth: u32) !void {
        inline for (@typeInfo(Balance).@"struct".field_names) |name| {
            if (!std.meta.eql(@field(before, name), @field(after, name))) {
                std.debug.print("fault sweep: {t} call {d} failed: {s} was {any}, is {any}\n", .{
                    fault, nth, name, @field(before, name), @field(after, name),
                });
                return error.TestUnbalancedRollback;
            }
        }
    }
};

/// Runs `scenario(context)` with each of its `fault` calls failing in turn; see the file comment.
pub fn sweep(
    fault: os.Fault,
    context: anytype,
    comptime scenario: fn (@TypeOf(context)) anyerror!void,
    options: Options,
) !Report {
    var report: Report = .{};
    // A first clean run warms what the allocator keeps for good (descriptor slabs, the segment map,
    // the thread heap), so the baseline after it is what every later run must return to. A scenario
    // that places memory cannot run where the OS has no NUMA policies (qemu-user has no mbind).
    scenario(context) catch |err| return if (err == error.Unsupported) error.SkipZigTest else err;
    const baseline = Balance.settle();
    os.faults.arm(fault, .{ .nth = 0 });
    try scenario(context);
    report.calls = os.faults.calls(fault);
    try Balance.expectUnchanged(baseline, Balance.settle(), fault, 0);
    // Bounded by the scenario's own call count, which the counting run measured.
    var nth: u32 = 1;
    while (nth <= report.calls) : (nth += 1) {
        os.faults.arm(fault, .{ .nth = nth, .every = options.every });
        const outcome = scenario(context);
        const injected = os.faults.injected(fault);
        os.faults.disarm(fault);
        // The run may stop before call n when an earlier failure (every K) ended it.
        try std.testing.expect(injected >= 1 or options.every > 0);
        report.injected += injected;
        if (outcome) |_| {
            if (options.must_fail and injected > 0) {
                std.debug.print("fault sweep: {t} call {d} failed, yet the scenario succeeded\n", .{ fault, nth });
                return error.TestFailureIgnored;
            }
        } else |err| switch (err) {
            error.OutOfMemory, error.Unsupported => report.failed_runs += 1,
            else => return err,
        }
        try Balance.expectUnchanged(baseline, Balance.settle(), fault, nth);
        // And the allocator still works.
        try scenario(context);
        try Balance.expectUnchanged(baseline, Balance.settle(), fault, nth);
    }
    return report;
}

test "a sweep fails each map call of a scenario in turn and finds it balanced" {
    const Scenario = struct {
        fn run(size_bytes: usize) !void {
            const first = try heap.alloc(.{ .size_bytes = size_bytes, .placement = .{ .mode = .local } });
            defer _ = heap.free(first) catch unreachable;
            const second = try heap.alloc(.{ .size_bytes = size_bytes, .placement = .{ .mode = .local } });
            _ = try heap.free(second);
        }
    };
    const report = try sweep(.map, @as(usize, 100 << 10), Scenario.run, .{});
    try std.testing.expectEqual(@as(u32, 2), report.calls);
    try std.testing.expectEqual(@as(u32, 2), report.injected);
    try std.testing.expectEqual(@as(u32, 2), report.failed_runs);
}
