// Side accessors carry the declared visibility and doc comments.
mod model {
    use weakattach::{Anchor, WeakKey};

    #[derive(WeakKey)]
    #[weak_key(side(
        /// How often the page was viewed.
        pub views: u64
    ))]
    #[weak_key(side(
        /// Notes for this crate only.
        pub(crate) notes: Vec<String>
    ), side(secret: u32))]
    pub struct Page {
        pub url: String,
        anchor: Anchor,
    }

    impl Page {
        pub fn new(url: &str) -> Self {
            Page { url: url.into(), anchor: Anchor::new() }
        }

        pub fn bump_secret(&self) -> u32 {
            self.secret().get_or_insert_with(|| 0);
            self.secret().with_mut(|n| {
                *n += 1;
                *n
            })
            .unwrap()
        }
    }
}

use model::Page;

fn main() {
    let page = Page::new("/");
    assert_eq!(page.views().get(), None);
    page.views().set(2);
    page.views().with_mut(|v| *v += 1);
    assert_eq!(page.views().get(), Some(3));

    page.notes().set(vec!["first".into()]);
    page.notes().with_mut(|n| n.push("second".into()));
    assert_eq!(page.notes().with(Vec::len), Some(2));

    assert_eq!(page.bump_secret(), 1);
    assert_eq!(page.bump_secret(), 2);

    // Each instance has its own slot.
    let other = Page::new("/other");
    assert!(!other.views().is_set());
    assert_eq!(page.url, "/");
}
