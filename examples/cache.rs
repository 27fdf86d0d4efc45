//! Per-object memoization: compute something about an object once, and keep
//! the result exactly as long as the object.
//!
//! ```text
//! cargo run --example cache
//! ```
//!
//! A `static WeakMap<Image, Arc<Histogram>>` caches one histogram per image.
//! `get_or_insert_with` runs the computation only on a miss, and an image's
//! cached histogram is dropped when the image is: the cache never needs a
//! purge step and never outgrows the set of live images.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use weakattach::{Anchor, WeakKey, WeakMap};

#[derive(WeakKey)]
struct Image {
    name: String,
    pixels: Vec<u8>,
    anchor: Anchor,
}

impl Image {
    fn new(name: &str, pixels: Vec<u8>) -> Self {
        Image {
            name: name.to_owned(),
            pixels,
            anchor: Anchor::new(),
        }
    }
}

/// The expensive result: how many pixels fall in each quarter of `0..=255`.
struct Histogram {
    of: String,
    buckets: [usize; 4],
}

/// How many histograms were computed, and how many were dropped.
static COMPUTED: AtomicUsize = AtomicUsize::new(0);
static FREED: AtomicUsize = AtomicUsize::new(0);

impl Drop for Histogram {
    fn drop(&mut self) {
        FREED.fetch_add(1, Relaxed);
        if !self.of.starts_with("frame") {
            println!("    dropped: histogram of {}", self.of);
        }
    }
}

static HISTOGRAMS: WeakMap<Image, Arc<Histogram>> = WeakMap::new();

/// The histogram of `image`, computed on the first call only.
fn histogram(image: &Image) -> Arc<Histogram> {
    HISTOGRAMS.get_or_insert_with(image, || {
        COMPUTED.fetch_add(1, Relaxed);
        let mut buckets = [0; 4];
        for &pixel in &image.pixels {
            buckets[usize::from(pixel / 64)] += 1;
        }
        Arc::new(Histogram {
            of: image.name.clone(),
            buckets,
        })
    })
}

fn counts() -> (usize, usize) {
    (COMPUTED.load(Relaxed), FREED.load(Relaxed))
}

fn main() {
    println!("== A miss computes, a hit does not");
    let mut sky = Image::new("sky.png", vec![200, 220, 250, 90]);
    let grass = Image::new("grass.png", vec![10, 70, 80, 130]);
    let first = histogram(&sky);
    let second = histogram(&sky);
    let third = histogram(&grass);
    assert!(Arc::ptr_eq(&first, &second));
    assert_eq!(counts(), (2, 0));
    println!(
        "3 lookups, 2 computations; sky.png: {:?}, grass.png: {:?}",
        first.buckets, third.buckets
    );
    drop((first, second, third));

    println!("\n== Invalidate by hand when the object changes");
    sky.pixels.push(10);
    let stale = HISTOGRAMS.remove(&sky).expect("sky.png was cached");
    assert_eq!(stale.buckets, [0, 1, 0, 3]);
    drop(stale);
    let fresh = histogram(&sky);
    assert_eq!(fresh.buckets, [1, 1, 0, 3]);
    assert_eq!(counts(), (3, 1));
    println!(
        "remove(&sky) took the stale entry out; the next call recomputed: {:?}",
        fresh.buckets
    );
    drop(fresh);

    println!("\n== The entry goes with its image");
    println!("drop(grass):");
    drop(grass);
    assert_eq!(counts(), (3, 2));

    println!("\n== A clone handed out lives on its own");
    let kept = histogram(&sky);
    assert_eq!(Arc::strong_count(&kept), 2);
    println!("kept = histogram(&sky): 2 owners of the histogram, `kept` and the cache");
    drop(sky);
    assert_eq!(counts(), (3, 2));
    assert_eq!(Arc::strong_count(&kept), 1);
    println!("drop(sky): the cache's clone went with sky, `kept` is the last owner");
    println!("kept.buckets is still {:?}; drop(kept):", kept.buckets);
    drop(kept);
    assert_eq!(counts(), (3, 3));

    println!("\n== Many short-lived objects: nothing accumulates");
    let before = counts();
    for frame in 0..10_000_u32 {
        let image = Image::new(&format!("frame {frame}"), vec![frame.to_le_bytes()[0]; 16]);
        let total: usize = histogram(&image).buckets.iter().sum();
        assert_eq!(total, 16);
        // `image` is dropped here, and its histogram with it.
    }
    let (computed, freed) = counts();
    assert_eq!((computed, freed), (10_003, 10_003));
    println!(
        "10,000 images, each dropped after one lookup: {} histograms computed, {} dropped",
        computed - before.0,
        freed - before.1
    );

    println!("\n== clear() empties the cache; the keys stay usable");
    let logo = Image::new("logo.png", vec![255; 4]);
    histogram(&logo);
    println!("histogram(&logo); HISTOGRAMS.clear():");
    HISTOGRAMS.clear();
    assert_eq!(counts(), (10_004, 10_004));
    assert!(!HISTOGRAMS.contains_key(&logo));
    histogram(&logo);
    assert!(HISTOGRAMS.contains_key(&logo));
    println!("logo.png recomputed after clear(); drop(logo):");
    drop(logo);
    assert_eq!(counts(), (10_005, 10_005));
}
