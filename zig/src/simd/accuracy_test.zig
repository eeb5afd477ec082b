//! The accuracy policy, tested (README "Accuracy"): every f32, f16 and i8 kernel of every CPU level
//! this machine runs, against an f128 reference, on adversarial inputs: magnitudes from 1e-30 to
//! 1e30 in one vector, f32 subnormals, sums that cancel to a millionth of their terms or less, and
//! dims from 1 to 4096 that are mostly not multiples of any vector width.
//!
//! The error of a result `got` against the exact score `s` is judged in two units:
//!   - ULPs: |got − s| / ulp(s), where ulp(s) is the spacing of f32 at s rounded to f32 (2^-149
//!     at zero and in the subnormal range);
//!   - relative to the condition of the sum: |got − s| / Σ|terms|, where the terms are a[i]·b[i]
//!     (dot) or (a[i] − b[i])² (l2sq). For cosine the unit is 1: its terms are bounded by |a|·|b|.
//! A kernel passes when |got − s| ≤ ulp_max · ulp(s) + condition_max · Σ|terms|. With no
//! cancellation (l2sq, positive dot products) the second part is far below one ULP, so the bound is
//! ulp_max ULPs; when the terms cancel it is the condition part that binds.
//!
//! The reference is exact enough: an f32 or f16 product is exact in f64, and their f128 sum errs by
//! at most dim · 2^-113 of Σ|terms|, 2^60 times less than the bounds checked here.
const std = @import("std");
const dispatch = @import("dispatch.zig");
const metric = @import("metric.zig");
const ElementType = metric.ElementType;
const Metric = metric.Metric;

const dims = [_]u32{ 1, 2, 3, 5, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 100, 127, 255, 257, 768, 1000, 1536, 4095, 4096 };
const dim_max = 4096;

/// The documented bounds (README "Accuracy"), per element type. f32: f64 accumulation, so the
/// condition part is dim-proportional in 2^-53; f16: f32 accumulation of exact products, in 2^-24.
const Bound = struct { ulp_max: f64, condition_per_element: f64, condition_floor: f64 };

fn boundOf(t: ElementType, m: Metric) Bound {
    return switch (t) {
        .f32 => .{ .ulp_max = 1, .condition_per_element = 0x1p-53, .condition_floor = if (isCosine(m)) 0x1p-46 else 0x1p-47 },
        .f16 => .{ .ulp_max = 1, .condition_per_element = 0x1p-28, .condition_floor = if (isCosine(m)) 0x1p-19 else 0x1p-20 },
        .i8 => .{ .ulp_max = if (isCosine(m)) 1 else 0.5, .condition_per_element = 0, .condition_floor = 0 },
        .binary => unreachable,
    };
}

fn isCosine(m: Metric) bool {
    return m == .cosine or m == .cosine_distance;
}

fn levels() [3]?*const dispatch.Kernels {
    return .{ dispatch.kernelsOfLevel(.baseline), dispatch.kernelsOfLevel(.avx2), dispatch.kernelsOfLevel(.avx512) };
}

fn element(t: ElementType, bytes: []const u8, index: usize) f128 {
    return switch (t) {
        .f32 => @as(f32, @bitCast(std.mem.readInt(u32, bytes[index * 4 ..][0..4], .little))),
        .f16 => @as(f16, @bitCast(std.mem.readInt(u16, bytes[index * 2 ..][0..2], .little))),
        .i8 => @floatFromInt(@as(i8, @bitCast(bytes[index]))),
        .binary => unreachable,
    };
}

/// The exact score (to f128 precision) and the scale its error is judged against.
const Exact = struct { score: f128, condition: f128 };

fn exact(t: ElementType, m: Metric, a: []const u8, b: []const u8, dim: usize) Exact {
    var sums: [3]f128 = @splat(0);
    var absolute: f128 = 0;
    for (0..dim) |index| {
        const x = element(t, a, index);
        const y = element(t, b, index);
        const term = if (m == .l2sq) (x - y) * (x - y) else x * y;
        sums[0] += term;
        absolute += @abs(term);
        sums[1] += x * x;
        sums[2] += y * y;
    }
    if (!isCosine(m)) return .{ .score = sums[0], .condition = absolute };
    const similarity: f128 = if (sums[1] == 0 or sums[2] == 0) 0 else sums[0] / (@sqrt(sums[1]) * @sqrt(sums[2]));
    return .{ .score = if (m == .cosine) similarity else 1 - similarity, .condition = 1 };
}

/// The spacing of f32 at `value` rounded to f32.
fn ulpOf(value: f128) f128 {
    const rounded: f32 = @floatCast(@abs(value));
    if (rounded == 0) return 0x1p-149;
    const next = std.math.nextAfter(f32, rounded, std.math.inf(f32));
    return if (std.math.isInf(next)) @as(f128, std.math.floatMax(f32)) - std.math.nextAfter(f32, std.math.floatMax(f32), 0) else @as(f128, next) - rounded;
}

/// The largest errors seen, for the README's table; `std.testing.log_level = .info` prints them.
const Worst = struct {
    ulps: f64 = 0,
    /// The error beyond `ulp_max` ULPs, relative to the condition: what the condition part bounds.
    condition: f64 = 0,

    fn note(self: *Worst, ulps: f64, condition: f64) void {
        self.ulps = @max(self.ulps, ulps);
        self.condition = @max(self.condition, condition);
    }
};

const log = std.log.scoped(.accuracy);

/// Checks one pair at every level against the bound; records the worst errors per level.
fn expectWithinBound(t: ElementType, m: Metric, a: []const u8, b: []const u8, dim: u32, worst: *[3]Worst) !void {
    const reference = exact(t, m, a, b, dim);
    const bound = boundOf(t, m);
    const condition_max = bound.condition_floor + bound.condition_per_element * @as(f64, @floatFromInt(dim));
    for (levels(), 0..) |maybe_set, rank| {
        const set = maybe_set orelse continue;
        const got = set.pairOf(t, m).?(a.ptr, b.ptr, dim);
        const rounded: f32 = @floatCast(reference.score);
        if (std.math.isInf(rounded)) {
            try std.testing.expectEqual(rounded, got);
            continue;
        }
        const err = @abs(@as(f128, got) - reference.score);
        const ulps: f64 = @floatCast(err / ulpOf(reference.score));
        const beyond_ulps = @max(0, err - bound.ulp_max * ulpOf(reference.score));
        const condition: f64 = if (reference.condition == 0) 0 else @floatCast(beyond_ulps / reference.condition);
        worst[rank].note(ulps, condition);
        const allowed = bound.ulp_max * ulpOf(reference.score) + condition_max * reference.condition;
        if (!(err <= allowed)) {
            std.debug.print("level {d} {t} {t} dim {d}: exact {e}, got {e}: {d:.2} ulp, {e} of Σ|terms| {e}\n", .{
                rank, t, m, dim, @as(f64, @floatCast(reference.score)), got, ulps, condition, @as(f64, @floatCast(reference.condition)),
            });
            return error.TestUnexpectedResult;
        }
    }
}

/// The ways to fill a vector pair; each is built to defeat a different shortcut.
const Shape = enum {
    /// Uniform in [0, scale): no cancellation, so the bound is ULPs alone.
    positive,
    /// Uniform in [−scale, scale): the ordinary case, with mild cancellation.
    signed,
    /// |x| = 10^u, u uniform in [−30, 30], random signs: the whole range in one vector.
    wide_range,
    /// f32 subnormals and the smallest normals, random signs.
    subnormal,
    /// Pairs of terms that cancel to about a millionth, spread across lanes, plus one small term.
    cancelling,
    /// b = a · (1 + 2^-20·noise): l2sq of nearly equal vectors, cosine near 1.
    nearly_equal,
};

fn randomF32(random: std.Random, shape: Shape, scale: f32) f32 {
    const sign: f32 = if (random.boolean()) 1 else -1;
    return switch (shape) {
        .positive => random.float(f32) * scale,
        .signed, .cancelling, .nearly_equal => (random.float(f32) * 2 - 1) * scale,
        .wide_range => sign * @as(f32, @floatCast(std.math.pow(f64, 10, random.float(f64) * 60 - 30))),
        .subnormal => sign * @as(f32, @bitCast(random.intRangeAtMost(u32, 1, 0x0100_0000))),
    };
}

fn store(t: ElementType, bytes: []u8, index: usize, value: f32) void {
    switch (t) {
        .f32 => std.mem.writeInt(u32, bytes[index * 4 ..][0..4], @bitCast(value), .little),
        .f16 => std.mem.writeInt(u16, bytes[index * 2 ..][0..2], @bitCast(@as(f16, @floatCast(value))), .little),
        .i8 => bytes[index] = @bitCast(@as(i8, @intFromFloat(std.math.clamp(@round(value), -128, 127)))),
        .binary => unreachable,
    }
}

fn fill(random: std.Random, t: ElementType, shape: Shape, scale: f32, a: []u8, b: []u8, dim: usize) void {
    for (0..dim) |index| {
        const x = randomF32(random, shape, scale);
        store(t, a, index, x);
        const y = switch (shape) {
            .nearly_equal => x * (1 + (random.float(f32) - 0.5) * 0x1p-20),
            else => randomF32(random, shape, scale),
        };
        store(t, b, index, y);
    }
    if (shape != .cancelling or dim < 3) return;
    // Element dim/2 + i repeats element i of a, against minus element i of b nudged by one part in
    // 2^20, so each pair of terms cancels to a millionth; the halves sit in different lanes and
    // accumulators whenever dim/2 is not a multiple of the vector width. The last element adds a
    // term far below the others, which the sum must not lose.
    const half = dim / 2;
    for (0..half) |index| {
        const x: f32 = @floatCast(element(t, a, index));
        const y: f32 = @floatCast(element(t, b, index));
        store(t, a, half + index, x);
        store(t, b, half + index, -y * (1 + (random.float(f32) - 0.5) * 0x1p-20));
    }
    store(t, a, dim - 1, scale * 0x1p-10);
    store(t, b, dim - 1, scale * 0x1p-10);
}

fn scalesOf(t: ElementType) []const f32 {
    return switch (t) {
        .f32 => &.{ 1e-30, 1e-20, 1, 1e20, 1e30 },
        .f16 => &.{ 1e-3, 1, 100 },
        .i8 => &.{127},
        .binary => unreachable,
    };
}

fn shapesOf(t: ElementType) []const Shape {
    return switch (t) {
        .f32 => std.enums.values(Shape),
        .f16 => &.{ .positive, .signed, .cancelling, .nearly_equal },
        .i8 => &.{ .positive, .signed },
        .binary => unreachable,
    };
}

fn checkType(t: ElementType) !void {
    const a_buffer = try std.testing.allocator.alloc(u8, 4 * dim_max + 8);
    defer std.testing.allocator.free(a_buffer);
    const b_buffer = try std.testing.allocator.alloc(u8, 4 * dim_max + 8);
    defer std.testing.allocator.free(b_buffer);
    var prng: std.Random.DefaultPrng = .init(0xacc0 + @backingInt(t));
    const numeric = [_]Metric{ .dot, .l2sq, .cosine, .cosine_distance };
    var worst: [numeric.len][3]Worst = @splat(@splat(.{}));
    for (shapesOf(t)) |shape| {
        const scales = if (shape == .wide_range or shape == .subnormal) scalesOf(t)[0..1] else scalesOf(t);
        for (scales) |scale| {
            for (dims, 0..) |dim, case| {
                // Unaligned starts, different for a and b.
                const a = a_buffer[case % 4 ..];
                const b = b_buffer[(case * 3 + 1) % 8 ..];
                fill(prng.random(), t, shape, scale, a, b, dim);
                for (numeric, &worst) |m, *row| try expectWithinBound(t, m, a, b, dim, row);
            }
        }
    }
    for (numeric, worst) |m, row| {
        for (row, 0..) |w, rank| {
            if (levels()[rank] == null) continue;
            log.info("{t} {t} level {d}: max {d:.3} ulp, max {e} of the condition", .{ t, m, rank, w.ulps, w.condition });
        }
    }
}

test "f32 kernels stay within 1 ULP plus dim · 2^-53 of Σ|terms| at every level, on adversarial inputs" {
    try checkType(.f32);
}

test "f16 kernels stay within 1 ULP plus the f32-accumulation bound at every level" {
    try checkType(.f16);
}

test "i8 dot and l2sq are correctly rounded, cosine within 1 ULP, at every level" {
    try checkType(.i8);
}

test "the scans score adversarial rows bit for bit as the pair kernels do" {
    const dim = 1000;
    const row_count = 6;
    const rows = try std.testing.allocator.alloc(u8, 4 * dim * row_count + 4);
    defer std.testing.allocator.free(rows);
    var query: [4 * dim]u8 = undefined;
    var scratch: [4 * dim]u8 = undefined;
    var prng: std.Random.DefaultPrng = .init(0xacc1);
    const shapes = std.enums.values(Shape);
    for (0..row_count) |row| {
        fill(prng.random(), .f32, shapes[row % shapes.len], 1e20, &query, &scratch, dim);
        @memcpy(rows[4 + row * 4 * dim ..][0 .. 4 * dim], &scratch);
    }
    for (levels()) |maybe_set| {
        const set = maybe_set orelse continue;
        for ([_]Metric{ .dot, .l2sq, .cosine, .cosine_distance }) |m| {
            var out: [row_count]f32 = undefined;
            set.manyOf(.f32, m).?(&query, rows[4..].ptr, row_count, dim, dim, &out);
            for (0..row_count) |row| {
                const expected = set.pairOf(.f32, m).?(&query, rows[4 + row * 4 * dim ..].ptr, dim);
                try std.testing.expectEqual(@as(u32, @bitCast(expected)), @as(u32, @bitCast(out[row])));
            }
        }
    }
}
