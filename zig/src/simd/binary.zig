//! The binary pair kernel: hamming distance of packed bit vectors, exact. Whole vectors are XORed
//! and popcounted per 64-bit lane (vpopcntq with AVX-512 VPOPCNTDQ, a nibble table with AVX2, bit
//! arithmetic on baseline); the tail goes through 64-bit words, then single bytes, so short rows
//! such as 96 bytes (768 bits) never take a byte-at-a-time path for most of their length.
const std = @import("std");

const vector_bytes = 8 * @max(2, (std.simd.suggestVectorLength(u64) orelse 2));
const V = @Vector(vector_bytes / 8, u64);

inline fn load(p: [*]const u8, index: usize) V {
    // Through a pointer cast: a @bitCast of the byte array lowers to byte-by-byte shifts.
    return @as(*align(1) const [vector_bytes / 8]u64, @ptrCast(p + index)).*;
}

fn popCount(x: V) V {
    return @popCount(x);
}

/// Number of differing bits in `dim` bytes.
pub inline fn hamming(a: [*]const u8, b: [*]const u8, dim: u32) f32 {
    var acc: [2]V = @splat(@splat(0));
    var index: usize = 0;
    while (index + 2 * vector_bytes <= dim) : (index += 2 * vector_bytes) {
        inline for (0..2) |u| acc[u] += popCount(load(a, index + u * vector_bytes) ^ load(b, index + u * vector_bytes));
    }
    if (index + vector_bytes <= dim) {
        acc[0] += popCount(load(a, index) ^ load(b, index));
        index += vector_bytes;
    }
    var total: u64 = @reduce(.Add, acc[0] + acc[1]);
    while (index + 8 <= dim) : (index += 8) {
        const word_a = @as(*align(1) const u64, @ptrCast(a + index)).*;
        const word_b = @as(*align(1) const u64, @ptrCast(b + index)).*;
        total += @popCount(word_a ^ word_b);
    }
    while (index < dim) : (index += 1) total += @popCount(a[index] ^ b[index]);
    return @floatFromInt(total);
}
