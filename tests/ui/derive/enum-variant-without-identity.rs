use weakattach::WeakKey;

#[derive(WeakKey)]
enum Shape {
    Circle { radius: f64 },
    Square { side: f64 },
}

fn main() {}
