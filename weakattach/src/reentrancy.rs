//! Re-entrancy: user code that a table call runs (a `with`/`with_mut`
//! closure, a value's `Clone`) runs inside a lookup of the table (counted in
//! its readers) or with one record to itself. A call from that code that
//! would wait for that lookup or that record would wait for itself, so each
//! such call records a [`Frame`] on the thread, and a call that would wait
//! checks the thread's frames first, and panics instead.

use core::cell::Cell;
use core::ptr;

use crate::record::Record;
use crate::table::Core;

/// A call's record that it is running user code with the lock of `record`
/// of `table`, linked into the thread's list of such records. It lives on
/// the stack of the call that runs the user code.
pub(crate) struct Frame {
    record: *const Record,
    table: *const Core,
    /// Whether the call counted itself in the table's readers (a lookup) or
    /// has the record alone (a writer).
    reading: bool,
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
    pub(crate) fn new(record: &Record, table: &Core, reading: bool) -> Self {
        Frame {
            record,
            table,
            reading,
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

/// Whether some frame of this thread satisfies `matches`.
fn any(matches: impl Fn(&Frame) -> bool) -> bool {
    // During thread-local teardown there are no frames left to find.
    let mut frame = FRAMES.try_with(Cell::get).unwrap_or(ptr::null());
    while !frame.is_null() {
        // SAFETY: a linked frame lives in a call that is still running on
        // this thread, and its `Entered` unlinks it before the call returns.
        let current = unsafe { &*frame };
        if matches(current) {
            return true;
        }
        frame = current.outer.get();
    }
    false
}

/// Whether this thread runs user code with `record`'s lock held.
pub(crate) fn holds(record: &Record) -> bool {
    any(|frame| ptr::eq(frame.record, record))
}

/// Whether this thread runs user code of a lookup of `table`: it is counted
/// in the table's readers until that code returns.
pub(crate) fn reads(table: &Core) -> bool {
    any(|frame| frame.reading && ptr::eq(frame.table, table))
}

const SAME_TABLE: &str = "weakattach: a WeakMap or WeakSet was used from code it runs (a \
     `with`/`with_mut` closure or a value's `Clone`) on the same table, in a way that would \
     wait for that code to finish";

/// Panics: this thread would wait for a lock it holds itself.
#[cold]
#[track_caller]
pub(crate) fn waits_for_itself() -> ! {
    panic!(
        "{SAME_TABLE}: the call needs the entry that the running code holds; finish the first \
         call before making the next (for example read the value with `get` first)"
    )
}

/// Panics if this thread runs user code of `table` (a `clear` then would
/// wait for itself).
#[track_caller]
pub(crate) fn check_table(table: &Core) {
    assert!(
        !any(|frame| ptr::eq(frame.table, table)),
        "{SAME_TABLE}: `clear` needs every entry of the table; call it after the closure"
    );
}
