//! `#[weak_key(crate = "...")]` through a renamed dependency: this crate
//! depends on `weakattach` only as `renamed_weakattach`, so the derive's
//! default path `::weakattach` does not exist here.

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
}
