weakattach::sides! {
    trait Ages for String {
        age: u8,
        height: u16,
    }
}

fn main() {}
