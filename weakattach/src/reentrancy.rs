//! Re-entrancy: a table call made from user code that the same table is
//! running (a `with` closure, a value's `Clone`) would wait for a lock its
//! own thread holds. Each such call records a [`Frame`] on the thread, and
//! every table call checks the thread's frames first, so it panics instead.

use core::cell::Cell;
use core::ptr;

/// A call's record that it is running user code of a table, linked into the
/// thread's list of such records, so that a call on the same table from that
/// code panics instead of deadlocking. It lives on the stack of the call that
/// runs the user code.
pub(crate) struct Frame {
    table: *const (),
    outer: Cell<*const Frame>,
}

thread_local_const! {
    /// The innermost live `Frame` of this thread, and through `Frame::outer`
    /// the others: every frame in the list lives in a call that is still
    /// running on this thread, and its `Entered` unlinks it before that
    /// call returns, also when it unwinds.
    static FRAMES: Cell<*const Frame> = Cell::new(ptr::null());
}

impl Frame {
    pub(crate) fn new(table: *const ()) -> Self {
        Frame {
            table,
            outer: Cell::new(ptr::null()),
        }
    }

    /// Links the frame in until the result is dropped.
    #[inline]
    pub(crate) fn enter(&self) -> Entered<'_> {
        self.outer.set(FRAMES.with(|frames| frames.replace(self)));
        Entered { frame: self }
    }
}

pub(crate) struct Entered<'a> {
    frame: &'a Frame,
}

impl Drop for Entered<'_> {
    #[inline]
    fn drop(&mut self) {
        FRAMES.with(|frames| frames.set(self.frame.outer.get()));
    }
}

#[inline]
pub(crate) fn check_not_reentrant(table: *const ()) {
    let mut frame = FRAMES.with(Cell::get);
    while !frame.is_null() {
        // SAFETY: a linked frame lives in a call that is still running on this
        // thread, and its `InUserCode` unlinks it before the call returns.
        let current = unsafe { &*frame };
        assert!(
            current.table != table,
            "weakattach: a WeakMap or WeakSet was used from code it runs (a `with`/`with_mut` \
             closure or a value's `Clone`) on the same table; finish the first call before \
             making the next (for example read the value with `get` first)"
        );
        frame = current.outer.get();
    }
}
