//! The metric and element-type codes shared by the kernels (compiled once per CPU level), the
//! dispatch table, top-k and the C ABI. The numbers cross the C ABI, so they are part of it: never
//! renumber them. Both the kernel objects and the core import this file, so it must stay free of
//! anything CPU-specific.
const std = @import("std");

pub const Metric = enum(u32) {
    /// Sum of a[i]·b[i]. Larger is more similar.
    dot = 0,
    /// Sum of (a[i] − b[i])². Smaller is more similar.
    l2sq = 1,
    /// dot(a, b) / (|a|·|b|), in [−1, 1]. Larger is more similar. A zero vector has similarity 0
    /// with every vector (itself included): it has no direction, so it is neither like nor unlike.
    cosine = 2,
    /// Number of differing bits of two packed bit vectors. Smaller is more similar. Binary only.
    hamming = 3,
    /// 1 − cosine similarity, in [0, 2]. Smaller is more similar. A zero vector is at distance 1.
    cosine_distance = 4,
};

pub const ElementType = enum(u32) {
    /// IEEE binary32.
    f32 = 0,
    /// IEEE binary16, stored as its 16 bits (a Uint16Array on the JavaScript side).
    f16 = 1,
    /// Signed 8-bit integers; products are accumulated exactly in 32-bit integers.
    i8 = 2,
    /// Packed bits, 8 per byte; `dim` and `stride` count bytes.
    binary = 3,
};

pub const metrics = std.enums.values(Metric);
pub const element_types = std.enums.values(ElementType);
pub const metric_count = metrics.len;
pub const element_type_count = element_types.len;

/// The largest `dim` any export accepts. It bounds every integer accumulator (see int8.zig).
pub const dim_max: u32 = 65536;

/// The Zig type of one stored element.
pub fn Element(comptime element_type: ElementType) type {
    return switch (element_type) {
        .f32 => f32,
        .f16 => u16,
        .i8 => i8,
        .binary => u8,
    };
}

pub fn sizeBytes(element_type: ElementType) u32 {
    return switch (element_type) {
        .f32 => 4,
        .f16 => 2,
        .i8, .binary => 1,
    };
}

/// Whether a kernel exists for the pair: hamming is defined for bits only, and the others for
/// numbers only.
pub fn supports(element_type: ElementType, metric: Metric) bool {
    return (element_type == .binary) == (metric == .hamming);
}

/// The ordering top-k ranks by.
pub fn largerIsBetter(metric: Metric) bool {
    return switch (metric) {
        .dot, .cosine => true,
        .l2sq, .hamming, .cosine_distance => false,
    };
}

/// The kernel's symbol stem, e.g. "l2sq_f16"; build names append the CPU level.
pub fn kernelName(comptime element_type: ElementType, comptime metric: Metric) []const u8 {
    return @tagName(metric) ++ "_" ++ @tagName(element_type);
}

pub fn metricFromCode(code: u32) ?Metric {
    return std.enums.fromInt(Metric, code);
}

test "hamming belongs to binary alone" {
    try std.testing.expect(supports(.binary, .hamming));
    try std.testing.expect(!supports(.binary, .dot));
    try std.testing.expect(!supports(.f32, .hamming));
    try std.testing.expect(supports(.i8, .cosine_distance));
    try std.testing.expectEqual(@as(?Metric, null), metricFromCode(5));
    try std.testing.expectEqual(@as(?Metric, .cosine), metricFromCode(2));
}
