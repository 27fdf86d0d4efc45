//! `#[weak_key(crate = "...")]`: the derive names the runtime through the
//! given path, for crates that re-export `weakattach`. (A dependency renamed
//! in `Cargo.toml` is tested by the `tests/crate-rename` workspace member.)

use weakattach::WeakKey;

/// A crate's public re-export of the runtime.
mod reexport {
    pub use weakattach as wa;
}

#[derive(WeakKey)]
#[weak_key(crate = "crate::reexport::wa", side(pub score: u32))]
struct Player {
    name: &'static str,
    anchor: reexport::wa::Anchor,
}

mod nested {
    use weakattach::WeakKey;

    #[derive(WeakKey)]
    #[weak_key(crate = "super::reexport::wa", side(pub(crate) lives: u8))]
    pub(crate) struct Enemy(pub(crate) super::reexport::wa::Anchor);
}

/// A runtime look-alike whose `WeakKey` is a trait of its own: a struct
/// derived with `crate = "shim"` implements this trait and not the real one,
/// which shows that the derive names what the path says.
mod shim {
    pub use weakattach::Anchor;

    pub trait WeakKey {
        fn anchor(&self) -> &Anchor;
    }

    impl WeakKey for Anchor {
        fn anchor(&self) -> &Anchor {
            self
        }
    }
}

#[derive(WeakKey)]
#[weak_key(crate = "shim")]
struct Shimmed {
    anchor: weakattach::Anchor,
}

static_assertions::assert_impl_all!(Shimmed: shim::WeakKey);
static_assertions::assert_not_impl_any!(Shimmed: weakattach::WeakKey);
static_assertions::assert_impl_all!(Player: weakattach::WeakKey);

#[test]
fn a_reexported_runtime_works() {
    let ada = Player {
        name: "ada",
        anchor: reexport::wa::Anchor::new(),
    };
    let names: reexport::wa::WeakMap<Player, &str> = reexport::wa::WeakMap::new();
    names.insert(&ada, ada.name);
    ada.score().set(7);
    ada.score().with_mut(|s| *s += 1);
    assert_eq!(names.get(&ada), Some("ada"));
    assert_eq!(ada.score().get(), Some(8));
    assert!(std::ptr::eq(ada.anchor(), &raw const ada.anchor));

    let enemy = nested::Enemy(reexport::wa::Anchor::new());
    enemy.lives().set(3);
    assert_eq!(enemy.lives().get(), Some(3));
    assert!(std::ptr::eq(enemy.anchor(), &raw const enemy.0));
}

#[test]
fn the_derive_implements_the_trait_the_path_names() {
    let shimmed = Shimmed {
        anchor: weakattach::Anchor::new(),
    };
    assert!(std::ptr::eq(
        shim::WeakKey::anchor(&shimmed),
        &raw const shimmed.anchor
    ));
}
