//! The index's vector space: how an f32 input vector is stored (normalized for cosine, then kept
//! as f32, narrowed to f16, quantized to i8 or packed to sign bits), which SIMD kernel (through
//! simd/dispatch.zig) compares two stored rows, and how a kernel's raw value becomes the index's
//! internal distance (always smaller-is-closer) and then a score in the metric's own units, the same
//! units `VectorStore` reports.
//!
//! Cosine and cosine distance normalize every row and query once, so the graph runs on the dot
//! kernel (a cosine kernel would recompute both norms for every pair). i8 follows the store's rules
//! (src/vectors/quantize.ts): `q = clamp(round(x · scale), −127, 127)` with a symmetric scale, fixed
//! by the options or from `127 / max |x|` of the first rows added that hold a nonzero value; dot and
//! l2sq come back divided by `scale²`, in f32 units. Binary packs `x > 0` into bits (LSB first) and
//! walks the graph by hamming; its scores are hamming unless the f32 rows are kept for re-ranking.
const std = @import("std");
const assert = std.debug.assert;
const metric_zig = @import("../simd/metric.zig");
const dispatch = @import("../simd/dispatch.zig");
const Error = @import("../support/status.zig").Error;

pub const Metric = metric_zig.Metric;
pub const ElementType = metric_zig.ElementType;

/// The fixed shape of a space; `scale` alone may change (once, when the first nonzero i8 row fixes it).
pub const Space = struct {
    dim: u32,
    metric: Metric,
    storage: ElementType,
    /// Stored elements per row: `dim`, or `ceil(dim / 8)` bytes for binary.
    row_dim: u32,
    row_bytes: u32,
    /// Whether f32 copies of the rows are kept to re-rank candidates exactly (never for f32 storage).
    keep_rows: bool,
    /// The i8 scale; 0 while unset.
    scale: f32 = 0,

    pub const Options = struct {
        dim: u32,
        metric: Metric,
        storage: ElementType = .f32,
        keep_rows: bool = false,
        scale: f32 = 0,
    };

    /// Checks the combination: hamming needs binary storage; binary storage needs hamming unless
    /// the f32 rows are kept (then the graph walks by hamming and the results are re-ranked).
    pub fn init(options: Options) Error!Space {
        if (options.dim < 1 or options.dim > metric_zig.dim_max) return error.InvalidArgument;
        if (options.metric == .hamming and options.storage != .binary) return error.InvalidArgument;
        if (options.storage == .binary and options.metric != .hamming and !options.keep_rows) return error.InvalidArgument;
        if (options.storage == .binary and options.metric == .hamming and options.keep_rows) return error.InvalidArgument;
        if (!(options.scale >= 0 and options.scale < std.math.inf(f32))) return error.InvalidArgument;
        if (options.scale != 0 and options.storage != .i8) return error.InvalidArgument;
        const row_dim = if (options.storage == .binary) (options.dim + 7) / 8 else options.dim;
        return .{
            .dim = options.dim,
            .metric = options.metric,
            .storage = options.storage,
            .row_dim = row_dim,
            .row_bytes = row_dim * metric_zig.sizeBytes(options.storage),
            .keep_rows = options.keep_rows and options.storage != .f32,
            .scale = options.scale,
        };
    }

    fn normalizes(space: *const Space) bool {
        return space.metric == .cosine or space.metric == .cosine_distance;
    }

    /// The kernel metric that walks the graph on stored rows.
    fn kernelMetric(space: *const Space, storage: ElementType) Metric {
        if (storage == .binary) return .hamming;
        return if (space.metric == .l2sq) .l2sq else .dot;
    }

    /// The pair kernel over stored rows.
    pub fn storedKernel(space: *const Space) dispatch.PairFn {
        return dispatch.kernels().pairOf(space.storage, space.kernelMetric(space.storage)).?;
    }

    /// The pair kernel that walks the graph (search and insertion): over f32 rows, the one that sums
    /// in f32 (about twice as fast at 50 to 128 dimensions; a walk only compares distances), whose
    /// results are then scored again with `storedKernel` (`walksApproximately`); else `storedKernel`.
    pub fn walkKernel(space: *const Space) dispatch.PairFn {
        if (!space.walksApproximately()) return space.storedKernel();
        return dispatch.kernels().fastPairOfF32(space.kernelMetric(.f32)).?;
    }

    /// `walkKernel` over a list of rows, where the walk sums in f32; else null (the walk calls
    /// `walkKernel` once a row).
    pub fn walkGather(space: *const Space) ?dispatch.GatherFn {
        if (!space.walksApproximately()) return null;
        return dispatch.kernels().fastGatherOfF32(space.kernelMetric(.f32)).?;
    }

    /// Whether the walk's distances are approximate (f32 sums over f32 rows), so that the results
    /// must be scored again with the stored kernel before they are ranked and reported.
    pub fn walksApproximately(space: *const Space) bool {
        return space.storage == .f32;
    }

    /// The pair kernel over kept f32 rows (re-ranking).
    pub fn exactKernel(space: *const Space) dispatch.PairFn {
        return dispatch.kernels().pairOf(.f32, space.kernelMetric(.f32)).?;
    }

    /// The factor a stored kernel's value is multiplied by to come back in f32 units.
    pub fn storedFactor(space: *const Space) f32 {
        if (space.storage != .i8 or space.scale == 0) return 1;
        return 1 / (space.scale * space.scale);
    }

    /// The internal distance (smaller is closer) of a stored kernel's value.
    pub fn storedDistance(space: *const Space, raw: f32) f32 {
        if (space.storage == .binary) return raw;
        return space.distanceOf(raw * space.storedFactor());
    }

    /// The internal distance of an f32 kernel's value over kept rows.
    pub fn exactDistance(space: *const Space, raw: f32) f32 {
        return space.distanceOf(raw);
    }

    fn distanceOf(space: *const Space, value: f32) f32 {
        return switch (space.metric) {
            .l2sq => value,
            .dot => -value,
            .cosine, .cosine_distance => 1 - value,
            .hamming => value,
        };
    }

    /// A distance as a score in the metric's units (larger-is-better metrics flip back).
    pub fn scoreOf(space: *const Space, distance: f32) f32 {
        return switch (space.metric) {
            .dot => -distance,
            .cosine => 1 - distance,
            .l2sq, .cosine_distance, .hamming => distance,
        };
    }

    /// Whether every value of `vector` is finite (NaN and ±Infinity have no place in a graph).
    pub fn finite(vector: []const f32) bool {
        for (vector) |value| {
            if (value - value != 0) return false;
        }
        return true;
    }

    /// Fixes the i8 scale from `rows` (all finite) if it is unset and they hold a nonzero value.
    /// For cosine the rows are measured as they will be stored: normalized.
    pub fn fixScale(space: *Space, rows: []const f32) void {
        if (space.storage != .i8 or space.scale != 0) return;
        var largest: f32 = 0;
        var start: usize = 0;
        while (start < rows.len) : (start += space.dim) {
            const row = rows[start..][0..space.dim];
            const inverse = if (space.normalizes()) inverseNorm(row) else 1;
            for (row) |value| largest = @max(largest, @abs(value * inverse));
        }
        if (largest > 0) space.scale = 127 / largest;
        assert(space.scale >= 0);
    }

    /// Writes `input` as stored (`stored`, row_bytes) and, when rows are kept, as its normalized f32
    /// copy (`exact`, dim values).
    pub fn encode(space: *const Space, input: []const f32, stored: []u8, exact: []f32) void {
        assert(input.len == space.dim);
        assert(stored.len == space.row_bytes);
        const inverse = if (space.normalizes()) inverseNorm(input) else 1;
        if (exact.len > 0) {
            assert(exact.len == space.dim);
            for (exact, input) |*out, value| out.* = value * inverse;
        }
        switch (space.storage) {
            .f32 => for (input, 0..) |value, index| std.mem.writeInt(u32, stored[index * 4 ..][0..4], @bitCast(value * inverse), .little),
            .f16 => for (input, 0..) |value, index| {
                const half: f16 = @floatCast(value * inverse);
                std.mem.writeInt(u16, stored[index * 2 ..][0..2], @bitCast(half), .little);
            },
            .i8 => {
                const scale = if (space.scale == 0) 1 else space.scale;
                for (input, stored) |value, *out| {
                    const scaled = std.math.clamp(@round(value * inverse * scale), -127, 127);
                    out.* = @bitCast(@as(i8, @intFromFloat(scaled)));
                }
            },
            .binary => {
                @memset(stored, 0);
                for (input, 0..) |value, index| {
                    if (value > 0) stored[index / 8] |= @as(u8, 1) << @intCast(index % 8);
                }
            },
        }
    }

    /// A stored row back in f32 (`out`, dim values): as stored, so normalized for cosine and at
    /// f16 or i8 precision; binary gives 1 for a set bit, 0 otherwise.
    pub fn decode(space: *const Space, stored: []const u8, out: []f32) void {
        assert(stored.len == space.row_bytes);
        assert(out.len == space.dim);
        switch (space.storage) {
            .f32 => for (out, 0..) |*value, index| {
                value.* = @bitCast(std.mem.readInt(u32, stored[index * 4 ..][0..4], .little));
            },
            .f16 => for (out, 0..) |*value, index| {
                const half: f16 = @bitCast(std.mem.readInt(u16, stored[index * 2 ..][0..2], .little));
                value.* = half;
            },
            .i8 => {
                // Rows encoded before the scale was fixed were all zero, whatever scale they used.
                const scale = if (space.scale == 0) 1 else space.scale;
                for (out, stored) |*value, byte| value.* = @as(f32, @floatFromInt(@as(i8, @bitCast(byte)))) / scale;
            },
            .binary => for (out, 0..) |*value, index| {
                value.* = @floatFromInt((stored[index / 8] >> @intCast(index % 8)) & 1);
            },
        }
    }
};

/// 1 / |row|, or 1 for a zero row (which stays zero: it has no direction).
fn inverseNorm(row: []const f32) f32 {
    var sum: f32 = 0;
    for (row) |value| sum += value * value;
    return if (sum > 0) 1 / @sqrt(sum) else 1;
}

test "decode gives back what encode stored, at the storage's precision" {
    const input = [_]f32{ 0.5, -0.25, 0, 1, -1, 0.125, 0.75, -0.5, 0.3 };
    inline for (.{ ElementType.f32, ElementType.f16, ElementType.i8 }) |storage| {
        var space = try Space.init(.{ .dim = input.len, .metric = .dot, .storage = storage });
        space.fixScale(&input);
        var stored: [input.len * 4]u8 = undefined;
        var out: [input.len]f32 = undefined;
        space.encode(&input, stored[0..space.row_bytes], &.{});
        space.decode(stored[0..space.row_bytes], &out);
        const tolerance: f32 = switch (storage) {
            .f32 => 0,
            .f16 => 1e-3,
            else => 1.0 / 127.0,
        };
        for (input, out) |expected, got| try std.testing.expectApproxEqAbs(expected, got, tolerance);
    }
    const binary = try Space.init(.{ .dim = input.len, .metric = .hamming, .storage = .binary });
    var bits: [2]u8 = undefined;
    var signs: [input.len]f32 = undefined;
    binary.encode(&input, &bits, &.{});
    binary.decode(&bits, &signs);
    try std.testing.expectEqualSlices(f32, &.{ 1, 0, 0, 1, 0, 1, 1, 0, 1 }, &signs);
}

test "a space refuses combinations no kernel serves" {
    try std.testing.expectError(error.InvalidArgument, Space.init(.{ .dim = 4, .metric = .hamming }));
    try std.testing.expectError(error.InvalidArgument, Space.init(.{ .dim = 4, .metric = .cosine, .storage = .binary }));
    try std.testing.expectError(error.InvalidArgument, Space.init(.{ .dim = 0, .metric = .dot }));
    try std.testing.expectError(error.InvalidArgument, Space.init(.{ .dim = 4, .metric = .dot, .scale = 2 }));
    const binary = try Space.init(.{ .dim = 20, .metric = .cosine, .storage = .binary, .keep_rows = true });
    try std.testing.expectEqual(@as(u32, 3), binary.row_bytes);
}

test "cosine rows are stored normalized and score like the cosine of the inputs" {
    const space = try Space.init(.{ .dim = 2, .metric = .cosine });
    var a: [8]u8 = undefined;
    var b: [8]u8 = undefined;
    space.encode(&.{ 3, 4 }, &a, &.{});
    space.encode(&.{ 4, 3 }, &b, &.{});
    const raw = space.storedKernel()(&a, &b, 2);
    const distance = space.storedDistance(raw);
    try std.testing.expectApproxEqAbs(@as(f32, 24.0 / 25.0), space.scoreOf(distance), 1e-6);
}

test "i8 fixes its scale from the first nonzero rows and reports f32 units" {
    var space = try Space.init(.{ .dim = 2, .metric = .dot, .storage = .i8 });
    space.fixScale(&.{ 0, 0 });
    try std.testing.expectEqual(@as(f32, 0), space.scale);
    space.fixScale(&.{ 0.5, -1 });
    try std.testing.expectEqual(@as(f32, 127), space.scale);
    var a: [2]u8 = undefined;
    space.encode(&.{ 0.5, -1 }, &a, &.{});
    try std.testing.expectEqual(@as(i8, 64), @as(i8, @bitCast(a[0])));
    const raw = space.storedKernel()(&a, &a, 2);
    const score = space.scoreOf(space.storedDistance(raw));
    try std.testing.expectApproxEqAbs(@as(f32, 1.25), score, 0.02);
}
