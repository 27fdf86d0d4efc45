//! `#[weak_key(crate = "...")]` and `sides!` through a renamed dependency:
//! this crate depends on `weakattach` only as `renamed_weakattach`, so the
//! default path `::weakattach` does not exist here. And `sides!` declared
//! downstream, for the key types of another crate (`weakattach-widgets`).

#[cfg(test)]
mod tests {
    use renamed_weakattach::{Anchor, WeakKey, WeakMap};

    #[derive(WeakKey)]
    #[weak_key(crate = "renamed_weakattach", side(pub score: u32))]
    struct Player {
        anchor: Anchor,
    }

    #[test]
    fn derive_through_a_renamed_dependency() {
        let player = Player {
            anchor: Anchor::new(),
        };
        let names: WeakMap<Player, &str> = WeakMap::new();
        names.insert(&player, "ada");
        player.score().set(7);
        assert_eq!(names.get(&player), Some("ada"));
        assert_eq!(player.score().get(), Some(7));
        assert!(core::ptr::eq(player.anchor(), &raw const player.anchor));
    }

    mod downstream {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::thread;

        use weakattach_widgets::{Button, Control};

        /// Counts its drops in the `AtomicUsize` it shares.
        pub struct Tracked(pub Arc<AtomicUsize>);

        impl Drop for Tracked {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }

        renamed_weakattach::sides! {
            /// What this crate attaches to buttons it does not own.
            pub trait ButtonExt for Button {
                /// How often the button was clicked.
                clicks: u32,
                tracked: Tracked,
            }
            /// What this crate attaches to any control.
            pub trait ControlExt for dyn Control {
                tooltip: String,
            }
        }

        #[test]
        fn sides_for_the_types_of_another_crate() {
            let drops = Arc::new(AtomicUsize::new(0));
            let ok = Button::new("OK");
            ok.clicks().set(2);
            ok.tracked().set(Tracked(Arc::clone(&drops)));
            let control: &dyn Control = &ok;
            control.tooltip().set(format!("press {}", control.text()));
            assert_eq!(ok.clicks().get(), Some(2));
            assert_eq!(control.tooltip().get().as_deref(), Some("press OK"));

            drop(ok);
            assert_eq!(drops.load(Ordering::SeqCst), 1, "dropped with the button");

            let cancel = Button::new("Cancel");
            cancel.tracked().set(Tracked(Arc::clone(&drops)));
            thread::spawn(move || drop(cancel)).join().unwrap();
            assert_eq!(drops.load(Ordering::SeqCst), 2, "and on another thread");
        }
    }
}
