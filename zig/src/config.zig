//! The library's options in one table (`options`), in the manner of mimalloc's options.c: each has a
//! default and an `OFFHEAP_<NAME>` environment override, read once at first use; the values and the
//! layout `heap.options()` decodes them by follow from the same table. Sizes accept K, M and G
//! suffixes. A value that does not parse is reported on stderr and replaced by the default: a
//! misspelt environment variable must never take a process down.
const std = @import("std");
const os = @import("os/os.zig");

pub const SimdLevel = enum(u8) { baseline = 0, avx2 = 1, avx512 = 2 };
pub const NumaPolicy = enum(u8) { local = 0, interleave = 1, preferred = 2 };
/// huge: "auto" | "always" | "never". The numbering is ABI (offheap_alloc_ex flags).
pub const HugeMode = enum(u2) { auto = 0, always = 1, never = 2 };

pub const Config = struct {
    /// OFFHEAP_SIMD: force a lower kernel level (baseline|avx2|avx512); null picks the best.
    simd: ?SimdLevel = null,
    /// OFFHEAP_CACHE_BUDGET: bytes of freed mapped-tier regions kept mapped for reuse.
    cache_budget_bytes: u64 = 64 << 20,
    /// OFFHEAP_DECAY_MS: how long an idle cached region keeps its pages before MADV_FREE.
    decay_ms: u64 = 1000,
    /// OFFHEAP_HUGE_THRESHOLD: requests above this many bytes go to the huge tier.
    huge_threshold_bytes: u64 = 2 << 20,
    /// OFFHEAP_NUMA: the policy applied when an allocation names none.
    numa_policy: NumaPolicy = .local,
    /// OFFHEAP_POISON: fill freed small and medium blocks with 0xDE so stale reads are visible.
    poison: bool = false,
    /// OFFHEAP_HUGE: the hugepage mode of allocations that name none (auto|always|never).
    huge_mode: HugeMode = .auto,
    /// OFFHEAP_HUGETLB_RETRY_MS: after a hugetlb mapping fails, how long to go straight to THP.
    hugetlb_retry_ms: u64 = 1000,
};

var loaded: std.atomic.Value(bool) = .init(false);
var current: Config = .{};

/// The options, parsed from the environment on first call. Concurrent first calls parse the same
/// environment and store the same values, so no lock is needed.
pub fn get() *const Config {
    if (!loaded.load(.acquire)) {
        current = fromEnvironment(environmentLookup);
        loaded.store(true, .release);
    }
    return &current;
}

const Lookup = *const fn (name: [*:0]const u8) ?[]const u8;

fn environmentLookup(name: [*:0]const u8) ?[]const u8 {
    return os.environmentValue(name);
}

/// One option: the `Config` field it sets, its `OFFHEAP_<NAME>` environment variable, and the name
/// `heap.options()` reports it under (null: not reported). How a value parses follows from the
/// field's type: u64 takes a size with a K/M/G suffix, an enum its tag name, a bool 0 or 1.
pub const Option = struct {
    field: []const u8,
    environment: [:0]const u8,
    name: ?[]const u8,
};

/// The options table, in the order `offheap_config` writes the reported ones (see `layout_json`).
pub const options = [_]Option{
    .{ .field = "simd", .environment = "OFFHEAP_SIMD", .name = null },
    .{ .field = "cache_budget_bytes", .environment = "OFFHEAP_CACHE_BUDGET", .name = "cacheBudgetBytes" },
    .{ .field = "decay_ms", .environment = "OFFHEAP_DECAY_MS", .name = "decayMs" },
    .{ .field = "huge_threshold_bytes", .environment = "OFFHEAP_HUGE_THRESHOLD", .name = "hugeThresholdBytes" },
    .{ .field = "numa_policy", .environment = "OFFHEAP_NUMA", .name = "numa" },
    .{ .field = "poison", .environment = "OFFHEAP_POISON", .name = "poison" },
    .{ .field = "huge_mode", .environment = "OFFHEAP_HUGE", .name = "huge" },
    .{ .field = "hugetlb_retry_ms", .environment = "OFFHEAP_HUGETLB_RETRY_MS", .name = "hugetlbRetryMs" },
};

comptime {
    // Every field of Config has exactly one row.
    for (@typeInfo(Config).@"struct".field_names) |field_name| {
        var rows: usize = 0;
        for (options) |option| rows += @intFromBool(std.mem.eql(u8, option.field, field_name));
        if (rows != 1) @compileError("config.options needs exactly one row for Config." ++ field_name);
    }
}

pub const reported_count: usize = blk: {
    var count: usize = 0;
    for (options) |option| count += @intFromBool(option.name != null);
    break :blk count;
};

fn parseValue(comptime T: type, name: []const u8, text: []const u8) ?T {
    return switch (@typeInfo(T)) {
        .optional => |optional| parseValue(optional.child, name, text),
        .int => parseSize(name, text),
        .@"enum" => parseEnum(T, name, text),
        .bool => (parseSize(name, text) orelse return null) != 0,
        else => @compileError("config: no parser for " ++ @typeName(T)),
    };
}

pub fn fromEnvironment(lookup: Lookup) Config {
    var config: Config = .{};
    inline for (options) |option| {
        if (lookup(option.environment)) |text| {
            const slot = &@field(config, option.field);
            if (parseValue(@TypeOf(slot.*), option.environment, text)) |value| slot.* = value;
        }
    }
    // A threshold below the medium limit would send medium requests to mappings they cannot be
    // served from; one above 1 GiB would make the region cache's bins meaningless.
    if (config.huge_threshold_bytes < 16 << 10 or config.huge_threshold_bytes > 1 << 30) {
        config.huge_threshold_bytes = warn(u64, "OFFHEAP_HUGE_THRESHOLD", "(out of range 16K..1G)") orelse (Config{}).huge_threshold_bytes;
    }
    return config;
}

/// The reported options' values in table order: integers as they are, an enum as its number, a
/// bool as 0 or 1.
pub fn values(config: *const Config) [reported_count]f64 {
    var out: [reported_count]f64 = undefined;
    var at: usize = 0;
    inline for (options) |option| {
        if (option.name == null) continue;
        const value = @field(config, option.field);
        out[at] = switch (@typeInfo(@TypeOf(value))) {
            .int => @floatFromInt(value),
            .@"enum" => @floatFromInt(@backingInt(value)),
            .bool => @floatFromInt(@intFromBool(value)),
            else => @compileError("config: no encoding for " ++ option.field),
        };
        at += 1;
    }
    return out;
}

/// The reported options as JSON: `[{"name", "environment", "values"?: [enum tags], "type"}]`, in
/// the order of `values`; an enum's number indexes its "values", a bool is 0 or 1.
pub const layout_json: []const u8 = blk: {
    @setEvalBranchQuota(10_000);
    var text: []const u8 = "[";
    for (options) |option| {
        const name = option.name orelse continue;
        const T = @FieldType(Config, option.field);
        text = text ++ "{\"name\":\"" ++ name ++ "\",\"environment\":\"" ++ option.environment ++ "\",";
        text = text ++ switch (@typeInfo(T)) {
            .int => "\"type\":\"number\"",
            .bool => "\"type\":\"boolean\"",
            .@"enum" => enum_blk: {
                var tags: []const u8 = "";
                for (std.enums.values(T)) |tag| tags = tags ++ (if (tags.len == 0) "" else ",") ++ "\"" ++ @tagName(tag) ++ "\"";
                break :enum_blk "\"type\":\"choice\",\"values\":[" ++ tags ++ "]";
            },
            else => @compileError("config: no layout for " ++ option.field),
        } ++ "},";
    }
    break :blk text[0 .. text.len - 1] ++ "]";
};

/// A decimal integer with an optional K, M or G suffix (powers of 1024).
pub fn parseSize(name: []const u8, text: []const u8) ?u64 {
    const trimmed = std.mem.trim(u8, text, " \t");
    if (trimmed.len == 0) return warn(u64, name, text);
    const last = std.ascii.toUpper(trimmed[trimmed.len - 1]);
    const shift: u6 = switch (last) {
        'K' => 10,
        'M' => 20,
        'G' => 30,
        else => 0,
    };
    const digits = if (shift == 0) trimmed else trimmed[0 .. trimmed.len - 1];
    const number = std.fmt.parseInt(u64, digits, 10) catch return warn(u64, name, text);
    if (number > (@as(u64, std.math.maxInt(u64)) >> shift)) return warn(u64, name, text);
    return number << shift;
}

fn parseEnum(comptime E: type, name: []const u8, text: []const u8) ?E {
    const trimmed = std.mem.trim(u8, text, " \t");
    for (std.enums.values(E)) |value| {
        if (std.ascii.eqlIgnoreCase(trimmed, @tagName(value))) return value;
    }
    return warn(E, name, text);
}

fn warn(comptime T: type, name: []const u8, text: []const u8) ?T {
    if (@import("builtin").is_test) return null;
    var buffer: [256]u8 = undefined;
    const message = std.fmt.bufPrint(&buffer, "offheap: ignoring {s}={s}: not a valid value; using the default\n", .{ name, text }) catch return null;
    os.writeStderr(message);
    return null;
}

test "sizes accept K, M and G suffixes and reject garbage" {
    try std.testing.expectEqual(@as(?u64, 64 << 20), parseSize("X", "64M"));
    try std.testing.expectEqual(@as(?u64, 3 << 10), parseSize("X", "3k"));
    try std.testing.expectEqual(@as(?u64, 1 << 30), parseSize("X", "1G"));
    try std.testing.expectEqual(@as(?u64, 12), parseSize("X", " 12 "));
    try std.testing.expectEqual(@as(?u64, null), parseSize("X", "-5"));
    try std.testing.expectEqual(@as(?u64, null), parseSize("X", "lots"));
    try std.testing.expectEqual(@as(?u64, null), parseSize("X", "99999999999999999999G"));
}

test "an invalid environment value falls back to the default" {
    const Fake = struct {
        fn lookup(name: [*:0]const u8) ?[]const u8 {
            const key = std.mem.span(name);
            if (std.mem.eql(u8, key, "OFFHEAP_CACHE_BUDGET")) return "banana";
            if (std.mem.eql(u8, key, "OFFHEAP_SIMD")) return "AVX2";
            if (std.mem.eql(u8, key, "OFFHEAP_NUMA")) return "sideways";
            if (std.mem.eql(u8, key, "OFFHEAP_HUGE_THRESHOLD")) return "1";
            if (std.mem.eql(u8, key, "OFFHEAP_HUGE")) return "never";
            return null;
        }
    };
    const config = fromEnvironment(Fake.lookup);
    try std.testing.expectEqual(@as(u64, 64 << 20), config.cache_budget_bytes);
    try std.testing.expectEqual(@as(?SimdLevel, .avx2), config.simd);
    try std.testing.expectEqual(NumaPolicy.local, config.numa_policy);
    try std.testing.expectEqual(@as(u64, 2 << 20), config.huge_threshold_bytes);
    try std.testing.expectEqual(HugeMode.never, config.huge_mode);
}

test "the reported options' layout lists them in value order, enums with their tags" {
    const config: Config = .{ .numa_policy = .interleave, .poison = true };
    const reported = values(&config);
    try std.testing.expectEqual(@as(usize, 7), reported.len);
    try std.testing.expectEqual(@as(f64, 64 << 20), reported[0]);
    try std.testing.expectEqual(@as(f64, 1), reported[3]);
    try std.testing.expectEqual(@as(f64, 1), reported[4]);
    try std.testing.expect(std.mem.startsWith(u8, layout_json, "[{\"name\":\"cacheBudgetBytes\",\"environment\":\"OFFHEAP_CACHE_BUDGET\",\"type\":\"number\"}"));
    try std.testing.expect(std.mem.indexOf(u8, layout_json, "\"name\":\"numa\",\"environment\":\"OFFHEAP_NUMA\",\"type\":\"choice\",\"values\":[\"local\",\"interleave\",\"preferred\"]") != null);
}
