//! Key types of a library that knows nothing of the crates annotating them.

use weakattach::{Anchor, WeakKey};

/// Anything on screen.
pub trait Control: WeakKey + Send + Sync {
    /// What the control shows.
    fn text(&self) -> &str;
}

/// A button.
#[derive(WeakKey, Debug, Default)]
pub struct Button {
    /// Its label.
    pub label: String,
    anchor: Anchor,
}

impl Button {
    /// A button labelled `label`.
    #[must_use]
    pub fn new(label: &str) -> Self {
        Button {
            label: label.to_owned(),
            anchor: Anchor::new(),
        }
    }
}

impl Control for Button {
    fn text(&self) -> &str {
        &self.label
    }
}
