use std::borrow::Cow;

use weakattach::Keyed;

weakattach::sides! {
    trait Names for Keyed<u8> {
        nickname: &str,
        motto: Option<Cow<'_, str>>,
    }
}

fn main() {}
