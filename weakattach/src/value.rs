//! How a value sits in a record: in one machine word of the record itself
//! when it fits, or else boxed with the word pointing to it. Records are all
//! the same size, so that a key's spare records serve tables of any value
//! type; `u64`, pointers, `Box`, `Arc` and `()` stay inline.

use core::marker::PhantomData;
use core::mem::{ManuallyDrop, MaybeUninit};

/// The storage of one value in a record. Pointer-typed, so that a pointer
/// stored in it (a boxed value, or an inline `Box`) keeps its provenance.
pub(crate) type Word = MaybeUninit<*mut ()>;

/// Drops the value of type `V` held by a word, for code that no longer
/// knows `V` (a key's release). One function per value type, kept by the
/// table.
pub(crate) type DropWord = unsafe fn(Word);

/// Whether a `V` is kept in the word itself.
const fn inline<V>() -> bool {
    size_of::<V>() <= size_of::<Word>() && align_of::<V>() <= align_of::<Word>()
}

/// A value of type `V` in its word: owned, and dropped with it unless it is
/// put into a record.
pub(crate) struct Owned<V> {
    word: Word,
    _value: PhantomData<V>,
}

impl<V> Owned<V> {
    pub(crate) fn new(value: V) -> Self {
        let mut word = Word::uninit();
        if inline::<V>() {
            // SAFETY: `V` fits the word in size and alignment (`inline`).
            unsafe { word.as_mut_ptr().cast::<V>().write(value) };
        } else {
            word.write(Box::into_raw(Box::new(value)).cast());
        }
        Owned {
            word,
            _value: PhantomData,
        }
    }

    /// Takes ownership of the value in `word`.
    ///
    /// # Safety
    /// `word` holds a `V` (it came from [`Owned::into_word`]) that nothing
    /// else owns.
    pub(crate) unsafe fn from_word(word: Word) -> Self {
        Owned {
            word,
            _value: PhantomData,
        }
    }

    /// The word, for a record to own.
    pub(crate) fn into_word(self) -> Word {
        ManuallyDrop::new(self).word
    }

    pub(crate) fn into_inner(self) -> V {
        let word = self.into_word();
        // SAFETY: `word` holds a `V` that we own (see `from_word`).
        unsafe {
            if inline::<V>() {
                word.as_ptr().cast::<V>().read()
            } else {
                *Box::from_raw(word.assume_init().cast::<V>())
            }
        }
    }
}

impl<V> Drop for Owned<V> {
    fn drop(&mut self) {
        // SAFETY: `self.word` holds a `V` that we own, read once here.
        drop(unsafe { Owned::<V>::from_word(self.word) }.into_inner());
    }
}

/// The value in a word.
///
/// # Safety
/// `word` holds a `V`, and no `&mut` to it exists while the result lives.
pub(crate) unsafe fn as_ref<V>(word: &Word) -> &V {
    // SAFETY: the caller's promise; a boxed value lives as long as its word.
    unsafe {
        if inline::<V>() {
            &*word.as_ptr().cast::<V>()
        } else {
            &*word.assume_init().cast::<V>()
        }
    }
}

/// The value in a word, mutably.
///
/// # Safety
/// `word` holds a `V`, and no other reference to it exists while the
/// result lives.
pub(crate) unsafe fn as_mut<V>(word: &mut Word) -> &mut V {
    // SAFETY: as in `as_ref`.
    unsafe {
        if inline::<V>() {
            &mut *word.as_mut_ptr().cast::<V>()
        } else {
            &mut *word.assume_init().cast::<V>()
        }
    }
}

/// The [`DropWord`] of `V`.
///
/// # Safety
/// `word` holds a `V` that nothing else owns.
pub(crate) unsafe fn drop_word<V>(word: Word) {
    // SAFETY: the caller's promise.
    drop(unsafe { Owned::<V>::from_word(word) });
}
