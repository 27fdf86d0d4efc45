// A type of another crate, given identity by `Keyed`, with docs and
// attributes on the trait and on its fields.
use std::sync::Arc;

use weakattach::{Keyed, Side};

type Widget = Keyed<String>;

weakattach::sides! {
    /// What this crate attaches to widgets.
    pub trait WidgetExt for Widget {
        /// How often it was clicked.
        clicks: u32,
        #[cfg(any())]
        never: u8,
        owner: Arc<str>,
        #[must_use = "a side handle does nothing until used"]
        parents: Vec<Self>,
    }
}

// A `cfg` on the trait reaches its impl too: an impl left behind would name
// a trait that is not there, and this file would not compile.
weakattach::sides! {
    #[cfg(any())]
    trait Never for Widget {
        never: u8,
    }
}

fn main() {
    let ok = Widget::new("OK".to_owned());
    ok.clicks().set(1);
    ok.owner().set("dialog".into());
    let side: Side<'_, Widget, u32> = ok.clicks();
    assert_eq!(side.get(), Some(1));
    assert_eq!(ok.owner().get().as_deref(), Some("dialog"));
    ok.parents().set(vec![Widget::new("root".to_owned())]);
    assert_eq!(ok.parents().with(|p| p[0].len()), Some(4));
}
