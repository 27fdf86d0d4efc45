use weakattach::{WeakKey, WeakMap};

#[derive(WeakKey)]
enum Shape {
    Circle,
    Square,
}

fn main() {
    let areas: WeakMap<Shape, f64> = WeakMap::new();
    areas.insert(&Shape::Circle, 3.14);
    areas.insert(&Shape::Square, 1.0);
}
