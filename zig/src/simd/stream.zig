//! The streaming-read kernel: sums f32 values as fast as one core can read them. It does nothing
//! useful with the data; it exists so that a benchmark can measure the single-core read roofline
//! in the same run as the vector scans, and judge them against it. Eight independent accumulators
//! keep the adds far from being the bottleneck.
const std = @import("std");

const lanes = std.simd.suggestVectorLength(f32) orelse 4;
const V = @Vector(lanes, f32);
const unroll = 8;

pub fn sum(data: [*]const u8, count: usize) f32 {
    var acc: [unroll]V = @splat(@splat(0));
    var index: usize = 0;
    while (index + lanes * unroll <= count) : (index += lanes * unroll) {
        inline for (0..unroll) |u| {
            acc[u] += @as(*align(1) const [lanes]f32, @ptrCast(data + (index + u * lanes) * 4)).*;
        }
    }
    var vector_total: V = @splat(0);
    inline for (acc) |each| vector_total += each;
    var total = @reduce(.Add, vector_total);
    while (index < count) : (index += 1) {
        total += @bitCast(std.mem.readInt(u32, data[index * 4 ..][0..4], .little));
    }
    return total;
}
