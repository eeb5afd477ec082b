//! The cache's key hash: FNV-1a over the encoded key, then murmur3's 32-bit finalizer. It is written
//! so that a few lines of JavaScript (Math.imul) reproduce it exactly: the facade's reference models
//! and this code must agree on which shard and which sketch counters a key uses.
const std = @import("std");

/// The seed of the index hash (which shard, which slot, the slot's tag).
pub const index_seed: u32 = 0x811c9dc5;
/// Mixed into the index hash to give the adaptive policy's sketch hash.
pub const sketch_seed: u32 = 0x9747b28c;

pub fn fmix32(value: u32) u32 {
    var h = value;
    h ^= h >> 16;
    h *%= 0x85ebca6b;
    h ^= h >> 13;
    h *%= 0xc2b2ae35;
    h ^= h >> 16;
    return h;
}

/// The sketch hash of a key, derived from its index hash (one pass over the key, not two).
pub fn sketchOf(index_hash: u32) u32 {
    return fmix32(index_hash ^ sketch_seed);
}

pub fn hash32(bytes: []const u8, seed: u32) u32 {
    var h = seed;
    for (bytes) |byte| {
        h ^= byte;
        h *%= 16777619;
    }
    return fmix32(h);
}

test "hash32 is FNV-1a then fmix32, and the seeds differ" {
    try std.testing.expectEqual(fmix32(index_seed), hash32("", index_seed));
    const one = hash32("\x01key", index_seed);
    try std.testing.expect(one != sketchOf(one));
    try std.testing.expect(one != hash32("\x01kez", index_seed));
    // Known values, shared with the facade's reference models (test/cache/), so both sides agree.
    try std.testing.expectEqual(@as(u32, 0xd984b786), hash32("\x01key", index_seed));
    try std.testing.expectEqual(@as(u32, 0x789c7829), sketchOf(0xd984b786));
}
