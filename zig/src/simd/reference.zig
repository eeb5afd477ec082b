//! Test support: the f64 reference every kernel is checked against, the tolerance it is held to,
//! and deterministic vector data. Kept apart from the kernels so that the reference shares no code
//! with what it checks (it decodes f16 through the compiler's own conversion, not half.zig).
const std = @import("std");
const metric = @import("metric.zig");
const ElementType = metric.ElementType;
const Metric = metric.Metric;

/// Element `index` of a packed vector of type `t`, as f64.
pub fn element(t: ElementType, bytes: []const u8, index: usize) f64 {
    return switch (t) {
        .f32 => @as(f32, @bitCast(std.mem.readInt(u32, bytes[index * 4 ..][0..4], .little))),
        .f16 => @as(f16, @bitCast(std.mem.readInt(u16, bytes[index * 2 ..][0..2], .little))),
        .i8 => @as(i8, @bitCast(bytes[index])),
        .binary => @floatFromInt(bytes[index]),
    };
}

/// The score in f64, with the documented conventions (zero vectors have cosine similarity 0).
pub fn score(t: ElementType, m: Metric, a: []const u8, b: []const u8, dim: usize) f64 {
    var sums: [3]f64 = @splat(0);
    var differing_bits: u64 = 0;
    for (0..dim) |index| {
        if (t == .binary) {
            differing_bits += @popCount(a[index] ^ b[index]);
            continue;
        }
        const x = element(t, a, index);
        const y = element(t, b, index);
        sums[0] += if (m == .l2sq) (x - y) * (x - y) else x * y;
        sums[1] += x * x;
        sums[2] += y * y;
    }
    const cosine = if (sums[1] == 0 or sums[2] == 0) 0 else sums[0] / (@sqrt(sums[1]) * @sqrt(sums[2]));
    return switch (m) {
        .dot, .l2sq => sums[0],
        .cosine => cosine,
        .cosine_distance => 1 - cosine,
        .hamming => @floatFromInt(differing_bits),
    };
}

/// The error the kernels may make: relative to the sum of absolute terms (the condition of the sum,
/// so that cancellation in a signed dot product is not held against the kernel), plus f32's denormal
/// spacing once per element. Cosine is relative to 1. i8 and binary sums are exact before rounding.
pub fn tolerance(t: ElementType, m: Metric, a: []const u8, b: []const u8, dim: usize, relative: f64) f64 {
    const denormal_spacing = 0x1p-149 * @as(f64, @floatFromInt(dim));
    switch (t) {
        .binary => return 0,
        .i8 => return if (m == .cosine or m == .cosine_distance) 1e-6 else @abs(score(t, m, a, b, dim)) * 0x1p-24,
        .f32, .f16 => {},
    }
    if (m == .cosine or m == .cosine_distance) return relative * conditionOfCosine(t, a, b, dim) + 1e-6;
    var magnitude_sum: f64 = 0;
    for (0..dim) |index| {
        const x = element(t, a, index);
        const y = element(t, b, index);
        magnitude_sum += if (m == .l2sq) (x - y) * (x - y) else @abs(x * y);
    }
    return relative * magnitude_sum + denormal_spacing;
}

fn conditionOfCosine(t: ElementType, a: []const u8, b: []const u8, dim: usize) f64 {
    var sums: [3]f64 = @splat(0);
    for (0..dim) |index| {
        const x = element(t, a, index);
        const y = element(t, b, index);
        sums[0] += @abs(x * y);
        sums[1] += x * x;
        sums[2] += y * y;
    }
    if (sums[1] == 0 or sums[2] == 0) return 0;
    return @max(1, sums[0] / (@sqrt(sums[1]) * @sqrt(sums[2])));
}

/// Fills `bytes` with `dim` random elements of type `t`: floats in [−scale, scale), all i8 values,
/// all bit patterns.
pub fn fill(random: std.Random, t: ElementType, bytes: []u8, dim: usize, scale: f32) void {
    for (0..dim) |index| {
        const value = (random.float(f32) * 2 - 1) * scale;
        switch (t) {
            .f32 => std.mem.writeInt(u32, bytes[index * 4 ..][0..4], @bitCast(value), .little),
            .f16 => std.mem.writeInt(u16, bytes[index * 2 ..][0..2], @bitCast(@as(f16, @floatCast(value))), .little),
            .i8, .binary => bytes[index] = random.int(u8),
        }
    }
}

/// Whether `got` is within `allowed` of `expected`, treating equal infinities and NaNs as equal.
pub fn close(expected: f64, got: f32, allowed: f64) bool {
    if (std.math.isNan(expected)) return std.math.isNan(got);
    if (std.math.isInf(expected) or @abs(expected) > std.math.floatMax(f32)) {
        return std.math.isInf(got) and std.math.signbit(got) == std.math.signbit(expected);
    }
    return @abs(@as(f64, got) - expected) <= allowed;
}
