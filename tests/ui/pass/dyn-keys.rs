// Derived keys behind a trait object: `dyn Shape` is a key type.
use weakattach::{Anchor, WeakKey, WeakMap};

trait Shape: WeakKey {
    fn area(&self) -> f64;
}

#[derive(WeakKey)]
struct Circle {
    radius: f64,
    anchor: Anchor,
}

#[derive(WeakKey)]
struct Square(f64, Anchor);

impl Shape for Circle {
    fn area(&self) -> f64 {
        3.0 * self.radius * self.radius
    }
}

impl Shape for Square {
    fn area(&self) -> f64 {
        self.0 * self.0
    }
}

fn main() {
    let shapes: Vec<Box<dyn Shape>> = vec![
        Box::new(Circle { radius: 1.0, anchor: Anchor::new() }),
        Box::new(Square(2.0, Anchor::new())),
    ];
    let areas: WeakMap<dyn Shape, f64> = WeakMap::new();
    for shape in &shapes {
        areas.insert(&**shape, shape.area());
    }
    assert_eq!(areas.get(&*shapes[0]), Some(3.0));
    assert_eq!(areas.get(&*shapes[1]), Some(4.0));
}
