//! The C ABI of region pins: a JavaScript thread opens one pin owner, and pins each region it views
//! so that a free elsewhere cannot unmap memory under its views (alloc/pin_owner.zig). The pins of
//! an owner whose thread has ended are dropped by a later sweep.
//!
//!   offheap_pin_owner_open() f64                            owner id for the calling JS thread, or status
//!   offheap_region_pin(address: f64, owner: f64) i32        status
//!   offheap_region_unpin(address: f64, owner: f64) i32      status
const std = @import("std");
const args = @import("args.zig");
const pin_owner = @import("../alloc/pin_owner.zig");
const status = @import("../support/status.zig");

/// Opens the pin owner of the calling JavaScript thread: its pins are dropped once the thread has
/// ended, since its views ended with it.
pub export fn offheap_pin_owner_open() f64 {
    const owner = pin_owner.open() catch |err| return args.failure(err);
    return @floatFromInt(owner);
}

/// Pins the live region starting at `address` for `owner` until the matching unpin.
pub export fn offheap_region_pin(address: f64, owner: f64) i32 {
    const checked = args.address(address) catch |err| return status.code(err);
    // pin_owner refuses any id that is not open.
    const owner_id = args.id(owner) catch |err| return status.code(err);
    pin_owner.pin(owner_id, checked) catch |err| return status.code(err);
    return 0;
}

/// Drops one of `owner`'s pins of the region at `address`.
pub export fn offheap_region_unpin(address: f64, owner: f64) i32 {
    const checked = args.address(address) catch |err| return status.code(err);
    const owner_id = args.id(owner) catch |err| return status.code(err);
    pin_owner.unpin(owner_id, checked) catch |err| return status.code(err);
    return 0;
}
