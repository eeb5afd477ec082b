//! The final step of every cosine kernel, shared so that all element types and levels agree on the
//! edge cases: a zero vector has similarity 0, the result is clamped to [−1, 1] (rounding can push
//! a parallel pair a hair above 1), and the quotient is taken in f64.
const std = @import("std");

/// Squared norms below this (2^-100) may have lost precision to denormal products in f32.
const f32_norm_squared_min: f32 = 0x1p-100;

/// Whether f32 cosine sums can be trusted: both squared norms are finite and far from denormal.
pub fn f32SumsAccurate(dot: f32, a_squared: f32, b_squared: f32) bool {
    if (!std.math.isFinite(dot)) return false;
    if (!(a_squared >= f32_norm_squared_min and a_squared <= std.math.floatMax(f32))) return false;
    return b_squared >= f32_norm_squared_min and b_squared <= std.math.floatMax(f32);
}

/// dot / (|a|·|b|) from the three sums, 0 when either vector is zero, NaN when an input was NaN.
pub fn cosineOf(dot: anytype, a_squared: anytype, b_squared: anytype) f32 {
    const d: f64 = dot;
    const aa: f64 = a_squared;
    const bb: f64 = b_squared;
    if (std.math.isNan(d) or std.math.isNan(aa) or std.math.isNan(bb)) return std.math.nan(f32);
    if (aa == 0 or bb == 0) return 0;
    const similarity = d / (@sqrt(aa) * @sqrt(bb));
    if (std.math.isNan(similarity)) return std.math.nan(f32);
    return @floatCast(std.math.clamp(similarity, -1.0, 1.0));
}
