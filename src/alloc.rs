//! The global allocator of the binary and the benchmark: mimalloc, called through its plain entry
//! points when the alignment allows. The `mimalloc` crate sends every request through
//! `mi_malloc_aligned`, whose extra checks were about 4% of a corpus run's instructions;
//! allocation is most of what evaluation does besides parsing. Also the process's choice of
//! transparent huge pages, which depends on the size of the run.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

/// Input of this many bytes or more is linted with transparent huge pages.
pub const HUGE_PAGES_FROM_BYTES: u64 = 256 * 1024;

/// Turn transparent huge pages on or off for this process; the kernel checks at every fault,
/// so it applies to memory touched from now on. mimalloc asks for huge pages for its arenas: the
/// first touch of each region then zeroes 2 MiB, which costs a small run about a millisecond of
/// its few, while a large one gains (measured: a 3.3 MB template 38 → 21 ms, the ~1 MB one
/// 14.4 → 10.7 ms, the corpus ~10%; a 6 KB template 4.7 → 5.4 ms). No-op off Linux.
pub fn use_huge_pages(enable: bool) {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes an integer flag and touches no memory of ours.
    unsafe {
        libc::prctl(
            libc::PR_SET_THP_DISABLE,
            libc::c_ulong::from(!enable),
            0,
            0,
            0,
        );
    }
    #[cfg(not(target_os = "linux"))]
    let _ = enable;
}

/// Huge pages for a run over `bytes` of input when that is large (see [`use_huge_pages`]).
pub fn huge_pages_for_input(bytes: u64) {
    if bytes >= HUGE_PAGES_FROM_BYTES {
        use_huge_pages(true);
    }
}

/// Every mimalloc block is aligned to a machine word (its size classes are multiples of it, and
/// pages start at least 16-byte aligned); larger alignments take the aligned entry points.
const WORD_ALIGN: usize = std::mem::size_of::<usize>();

/// mimalloc, with the fast path for word-aligned requests.
pub struct Allocator;

// SAFETY: each method forwards to the mimalloc function with the same contract; requests
// aligned beyond a word go to the aligned variants, which honour any power-of-two alignment.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `GlobalAlloc::alloc`; mimalloc accepts any size.
        unsafe {
            if layout.align() <= WORD_ALIGN {
                libmimalloc_sys::mi_malloc(layout.size()).cast()
            } else {
                libmimalloc_sys::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        unsafe {
            if layout.align() <= WORD_ALIGN {
                libmimalloc_sys::mi_zalloc(layout.size()).cast()
            } else {
                libmimalloc_sys::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator, so from mimalloc.
        unsafe { libmimalloc_sys::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`; the alignment is kept.
        unsafe {
            if layout.align() <= WORD_ALIGN {
                libmimalloc_sys::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                libmimalloc_sys::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align())
                    .cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every alignment up to a page, every small size and some large ones: the pointer honours
    /// the alignment, the memory is writable, zeroed when asked, and kept across realloc.
    #[test]
    fn blocks_are_aligned_and_usable() {
        let a = Allocator;
        for align in [1usize, 2, 4, 8, 16, 32, 64, 4096] {
            for size in (1..=130).chain([255, 4096, 65_537, 1 << 20]) {
                let Ok(layout) = Layout::from_size_align(size, align) else {
                    continue;
                };
                // SAFETY: non-zero sizes; each block is freed once, with its layout.
                unsafe {
                    let p = a.alloc_zeroed(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "size {size} align {align}");
                    assert!((0..size).all(|i| *p.add(i) == 0));
                    p.write_bytes(0xab, size);
                    let q = a.realloc(p, layout, size * 3);
                    assert_eq!(q as usize % align, 0, "realloc: size {size} align {align}");
                    assert!((0..size).all(|i| *q.add(i) == 0xab));
                    a.dealloc(q, Layout::from_size_align_unchecked(size * 3, align));
                    let r = a.alloc(layout);
                    assert_eq!(r as usize % align, 0);
                    a.dealloc(r, layout);
                }
            }
        }
    }
}
