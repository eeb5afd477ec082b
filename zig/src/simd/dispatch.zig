//! Chooses one kernel set at load time: the best level the CPU and the OS support, unless
//! `OFFHEAP_SIMD` forces a lower one. The kernels themselves live in `kernels.zig`, compiled once per
//! level; this file only declares their suffixed symbols, as one table per level, and routes calls
//! to the chosen table. The tables are built at compile time, so choosing is one atomic store.
const std = @import("std");
const builtin = @import("builtin");
const cpu = @import("cpu.zig");
const metric = @import("metric.zig");

pub const Level = cpu.Level;
const ElementType = metric.ElementType;
const Metric = metric.Metric;

/// One pair of vectors of `dim` elements.
pub const PairFn = *const fn (a: [*]const u8, b: [*]const u8, dim: u32) callconv(.c) f32;
/// One query against `row_count` rows starting `stride` elements apart; writes `row_count` scores.
pub const ManyFn = *const fn (query: [*]const u8, rows: [*]const u8, row_count: u32, dim: u32, stride: u32, out: [*]f32) callconv(.c) void;
/// One query against the rows at `rows + nodes[i] · row_bytes`, i < count; writes `count` scores.
pub const GatherFn = *const fn (query: [*]const u8, rows: [*]const u8, row_bytes: usize, nodes: [*]const u32, count: u32, dim: u32, noalias out: [*]f32) callconv(.c) void;
/// Sum of `count` f32 values; exists to measure read bandwidth.
pub const StreamFn = *const fn (data: [*]const u8, count: usize) callconv(.c) f32;

/// One function pointer per kernel of one level; null where the metric does not apply to the type.
pub const Kernels = struct {
    pair: [metric.element_type_count][metric.metric_count]?PairFn,
    many: [metric.element_type_count][metric.metric_count]?ManyFn,
    /// f32 pairs summed in f32 (kernels.zig `FastKernel`): only for winners scored again exactly.
    fast_pair_f32: [metric.metric_count]?PairFn,
    /// The same, over a list of rows (kernels.zig `FastKernel.gather`).
    fast_gather_f32: [metric.metric_count]?GatherFn,
    stream_sum_f32: StreamFn,

    pub fn pairOf(self: *const Kernels, t: ElementType, m: Metric) ?PairFn {
        return self.pair[@backingInt(t)][@backingInt(m)];
    }

    pub fn manyOf(self: *const Kernels, t: ElementType, m: Metric) ?ManyFn {
        return self.many[@backingInt(t)][@backingInt(m)];
    }

    pub fn fastPairOfF32(self: *const Kernels, m: Metric) ?PairFn {
        return self.fast_pair_f32[@backingInt(m)];
    }

    pub fn fastGatherOfF32(self: *const Kernels, m: Metric) ?GatherFn {
        return self.fast_gather_f32[@backingInt(m)];
    }
};

fn kernelsFor(comptime name: []const u8) Kernels {
    var result: Kernels = .{
        .pair = @splat(@splat(null)),
        .many = @splat(@splat(null)),
        .fast_pair_f32 = @splat(null),
        .fast_gather_f32 = @splat(null),
        .stream_sum_f32 = @extern(StreamFn, .{ .name = "offheap_kernel_stream_sum_f32_" ++ name }),
    };
    inline for (metric.element_types) |t| {
        inline for (metric.metrics) |m| {
            if (comptime metric.supports(t, m)) {
                const stem = comptime metric.kernelName(t, m) ++ "_" ++ name;
                result.pair[@backingInt(t)][@backingInt(m)] = @extern(PairFn, .{ .name = "offheap_kernel_" ++ stem });
                result.many[@backingInt(t)][@backingInt(m)] = @extern(ManyFn, .{ .name = "offheap_kernel_many_" ++ stem });
                if (t == .f32) {
                    result.fast_pair_f32[@backingInt(m)] = @extern(PairFn, .{ .name = "offheap_kernel_fast_" ++ stem });
                    result.fast_gather_f32[@backingInt(m)] = @extern(GatherFn, .{ .name = "offheap_kernel_fast_gather_" ++ stem });
                }
            }
        }
    }
    return result;
}

/// The kernel sets this build links, indexed by `Level`. An AArch64 build has one NEON set.
const level_names: []const []const u8 = switch (builtin.cpu.arch) {
    .x86_64 => &.{ "baseline", "avx2", "avx512" },
    .aarch64 => &.{"neon"},
    else => @compileError("offheap's kernels are built for x86_64 and aarch64 only"),
};

const sets: [level_names.len]Kernels = blk: {
    var result: [level_names.len]Kernels = undefined;
    for (level_names, &result) |name, *set| set.* = kernelsFor(name);
    break :blk result;
};

const unchosen: u8 = 0xff;
var chosen_level: std.atomic.Value(u8) = .init(unchosen);

/// The kernel set of the level to run, chosen on first use. Racing first calls choose the same level.
pub fn kernels() *const Kernels {
    return &sets[@backingInt(level())];
}

/// The level chosen for this process (NEON builds report `baseline`; see `levelCode`).
pub fn level() Level {
    var current = chosen_level.load(.acquire);
    if (current == unchosen) {
        current = if (sets.len == 1) 0 else @backingInt(cpu.selectLevel());
        chosen_level.store(current, .release);
    }
    std.debug.assert(current < sets.len);
    return @fromBackingInt(current);
}

/// The level as the C ABI reports it: 0 baseline, 1 avx2, 2 avx512, 3 neon.
pub fn levelCode() i32 {
    if (builtin.cpu.arch == .aarch64) return 3;
    return @backingInt(level());
}

/// The kernel set of a level this CPU supports, or null; tests use it to run every level.
pub fn kernelsOfLevel(wanted: Level) ?*const Kernels {
    if (sets.len == 1) return if (wanted == .baseline) &sets[0] else null;
    if (@backingInt(wanted) > @backingInt(cpu.detectLevel())) return null;
    return &sets[@backingInt(wanted)];
}

test "every table has a kernel exactly where the metric applies to the type" {
    for (&sets) |*set| {
        for (metric.element_types) |t| {
            for (metric.metrics) |m| {
                try std.testing.expectEqual(metric.supports(t, m), set.pairOf(t, m) != null);
                if (t == .f32) try std.testing.expectEqual(metric.supports(t, m), set.fastPairOfF32(m) != null);
                if (t == .f32) try std.testing.expectEqual(metric.supports(t, m), set.fastGatherOfF32(m) != null);
                try std.testing.expectEqual(metric.supports(t, m), set.manyOf(t, m) != null);
            }
        }
    }
    try std.testing.expect(@backingInt(level()) <= @backingInt(cpu.detectLevel()));
    try std.testing.expectEqual(kernels(), kernelsOfLevel(level()).?);
}
