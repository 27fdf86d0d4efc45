use weakattach::WeakKey;

#[derive(WeakKey)]
union Bits {
    int: u32,
    float: f32,
}

fn main() {}
