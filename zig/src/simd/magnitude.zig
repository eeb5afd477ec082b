//! The final step of every cosine kernel, shared so that all element types and levels agree on the
//! edge cases: a zero vector has similarity 0, the result is clamped to [−1, 1] (rounding can push
//! a parallel pair a hair above 1), and the quotient is taken in f64. It returns f64 so that the
//! cosine distance, 1 − similarity, is rounded to f32 once, after the subtraction.
const std = @import("std");

/// dot / (|a|·|b|) from the three sums, 0 when either vector is zero, NaN when an input was NaN.
pub fn similarityOf(dot: anytype, a_squared: anytype, b_squared: anytype) f64 {
    const d: f64 = dot;
    const aa: f64 = a_squared;
    const bb: f64 = b_squared;
    if (std.math.isNan(d) or std.math.isNan(aa) or std.math.isNan(bb)) return std.math.nan(f64);
    if (aa == 0 or bb == 0) return 0;
    const similarity = d / (@sqrt(aa) * @sqrt(bb));
    if (std.math.isNan(similarity)) return std.math.nan(f64);
    return std.math.clamp(similarity, -1.0, 1.0);
}

test "similarity is 0 for a zero vector, NaN for NaN, and clamped to [-1, 1]" {
    try std.testing.expectEqual(@as(f64, 0), similarityOf(@as(f64, 0), @as(f64, 0), @as(f64, 4)));
    try std.testing.expect(std.math.isNan(similarityOf(std.math.nan(f64), @as(f64, 1), @as(f64, 1))));
    try std.testing.expectEqual(@as(f64, 1), similarityOf(@as(f64, 2.0000001), @as(f64, 2), @as(f64, 2)));
    try std.testing.expectEqual(@as(f64, -1), similarityOf(@as(f32, -2.5), @as(f32, 2), @as(f32, 2)));
}
