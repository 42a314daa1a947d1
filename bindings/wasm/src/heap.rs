//! The Wasm memory grows by half again at a time, not by what one
//! allocation needs.
//!
//! V8 (Node and Chromium) runs a full garbage collection of the JS heap
//! every few `memory.grow`s, whatever their size: growing a memory by 64 KiB
//! 3,200 times ran 332 mark-compacts, by 16 MiB at a time 6 (BENCHMARKS.md,
//! session 21). std's Wasm allocator (dlmalloc) grows the memory by what the
//! allocation at hand lacks, so a client whose document and waiting changes
//! grow steadily had the page collect its heap over and over. After each
//! driver turn that grew the memory, [`reserve_after_growth`] takes half the
//! memory's size again from the allocator and gives it straight back:
//! dlmalloc never returns memory to Wasm, so it keeps the space for the
//! allocations to come, and the memory grows a few dozen times over its
//! life. Pages grown and not yet written cost address space, not resident
//! memory.

use core::arch::wasm32;
use std::cell::Cell;

/// A Wasm page.
const PAGE: usize = 64 * 1024;

thread_local! {
    /// The memory's size (pages) after the last reservation.
    static RESERVED_AT: Cell<usize> = const { Cell::new(0) };
}

/// If the memory grew since the last call, grows it by half its size
/// again, as free space of the allocator. Called after every driver turn;
/// public for the crate's tests only.
pub fn reserve_after_growth() {
    let pages = wasm32::memory_size::<0>();
    if pages <= RESERVED_AT.get() {
        return;
    }
    let mut spare: Vec<u8> = Vec::new();
    // Near the memory's limit this fails, and the memory grows as needed.
    let _ = spare.try_reserve_exact(pages / 2 * PAGE);
    drop(std::hint::black_box(spare));
    RESERVED_AT.set(wasm32::memory_size::<0>());
}
