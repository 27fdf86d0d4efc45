//! `dyn` keys: one table over nodes of different types.
//!
//! ```text
//! cargo run --example graph
//! ```
//!
//! `trait Node: WeakKey` makes `dyn Node` a key type, so a
//! `WeakSet<dyn Node>` or a `WeakMap<dyn Node, _>` holds tasks and files
//! alike. A file is a `Keyed<PathBuf>`: `Keyed` gives identity to a type
//! this crate does not own. The traversal below marks nodes in a "visited"
//! set that does not keep them alive, and memoizes a cost per node.

use std::path::PathBuf;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use weakattach::{Anchor, Keyed, WeakKey, WeakMap, WeakSet};

/// A node of a build graph. `WeakKey` as a supertrait makes `dyn Node` a
/// valid key type.
trait Node: WeakKey {
    fn label(&self) -> String;
    fn deps(&self) -> &[Rc<dyn Node>];
    /// The work of this node alone.
    fn own_cost(&self) -> u64;
}

#[derive(WeakKey)]
struct Task {
    name: &'static str,
    deps: Vec<Rc<dyn Node>>,
    anchor: Anchor,
}

impl Node for Task {
    fn label(&self) -> String {
        format!("task {}", self.name)
    }
    fn deps(&self) -> &[Rc<dyn Node>] {
        &self.deps
    }
    fn own_cost(&self) -> u64 {
        1
    }
}

/// A source file: a foreign type (`PathBuf`) given identity by `Keyed`.
impl Node for Keyed<PathBuf> {
    fn label(&self) -> String {
        format!("file {}", self.display())
    }
    fn deps(&self) -> &[Rc<dyn Node>] {
        &[]
    }
    fn own_cost(&self) -> u64 {
        10
    }
}

fn task(name: &'static str, deps: &[&Rc<dyn Node>]) -> Rc<dyn Node> {
    Rc::new(Task {
        name,
        deps: deps.iter().map(|&dep| Rc::clone(dep)).collect(),
        anchor: Anchor::new(),
    })
}

fn file(path: &str) -> Rc<dyn Node> {
    Rc::new(Keyed::new(PathBuf::from(path)))
}

/// Depth-first walk that visits each node once, however many paths lead to
/// it. `visited` remembers nodes without keeping them alive.
///
/// A plain `&dyn Node` will do: a table only borrows its keys, so a
/// `WeakSet<dyn Node>` (that is, of `dyn Node + 'static`) also takes keys of
/// shorter lifetimes.
fn walk(node: &dyn Node, visited: &WeakSet<dyn Node>, depth: usize, order: &mut Vec<String>) {
    if !visited.insert(node) {
        println!(
            "{:indent$}{} (already visited)",
            "",
            node.label(),
            indent = depth * 2
        );
        return;
    }
    println!("{:indent$}{}", "", node.label(), indent = depth * 2);
    order.push(node.label());
    for dep in node.deps() {
        walk(&**dep, visited, depth + 1, order);
    }
}

/// Memoized cost of a node and everything below it. The factory of
/// `get_or_insert_with` runs with no lock held, so it may recurse into the
/// same table.
static COST: WeakMap<dyn Node, u64> = WeakMap::new();
static COMPUTED: AtomicUsize = AtomicUsize::new(0);

fn cost(node: &dyn Node) -> u64 {
    COST.get_or_insert_with(node, || {
        COMPUTED.fetch_add(1, Relaxed);
        node.own_cost() + node.deps().iter().map(|dep| cost(&**dep)).sum::<u64>()
    })
}

/// A note attached to a node that counts its drops.
static NOTES_DROPPED: AtomicUsize = AtomicUsize::new(0);

struct Note(String);

impl Drop for Note {
    fn drop(&mut self) {
        NOTES_DROPPED.fetch_add(1, Relaxed);
    }
}

fn main() {
    //   all -> app -> lib -> lib.rs
    //              -> main.rs
    //       -> test -> lib
    let lib_rs = file("src/lib.rs");
    let main_rs = file("src/main.rs");
    let lib = task("lib", &[&lib_rs]);
    let app = task("app", &[&lib, &main_rs]);
    let test = task("test", &[&lib]);
    let all = task("all", &[&app, &test]);
    let probes: Vec<Weak<dyn Node>> = [&lib_rs, &main_rs, &lib, &app, &test, &all]
        .into_iter()
        .map(Rc::downgrade)
        .collect();
    drop((lib_rs, main_rs, lib, app, test));
    println!("A build graph of tasks and files; `lib` is reached by two paths.");

    println!("\n== Walk with a WeakSet<dyn Node> of visited nodes");
    let visited: WeakSet<dyn Node> = WeakSet::new();
    let mut order = Vec::new();
    walk(&*all, &visited, 0, &mut order);
    assert_eq!(
        order,
        [
            "task all",
            "task app",
            "task lib",
            "file src/lib.rs",
            "file src/main.rs",
            "task test"
        ]
    );
    println!("{} nodes, each visited once", order.len());

    println!("\n== Memoized cost in a WeakMap<dyn Node, u64>");
    let total = cost(&*all);
    // all 1 + app (1 + lib (1 + 10) + main.rs 10) + test (1 + lib 11)
    assert_eq!(total, 35);
    assert_eq!(COMPUTED.load(Relaxed), 6);
    assert_eq!(cost(&*all), 35);
    assert_eq!(COMPUTED.load(Relaxed), 6);
    println!("cost(all) = {total}; the factory ran 6 times, once per node (lib's cost was reused)");

    println!("\n== Notes on any node");
    let notes: WeakMap<dyn Node, Note> = WeakMap::new();
    for node in probes.iter().filter_map(Weak::upgrade) {
        notes.insert(&*node, Note(format!("cost {}", cost(&*node))));
    }
    let note = notes.with(&*all, |note| note.0.clone());
    assert_eq!(note.as_deref(), Some("cost 35"));
    println!("a note on each of the 6 nodes, tasks and files in one table; all's: {note:?}");

    println!("\n== Dropping the graph");
    drop(all);
    let alive = probes.iter().filter(|node| node.strong_count() > 0).count();
    assert_eq!(alive, 0);
    assert_eq!(NOTES_DROPPED.load(Relaxed), 6);
    println!("drop(all): {alive} nodes alive; the visited set kept none of them alive,");
    println!(
        "and all {} notes were dropped with their nodes",
        NOTES_DROPPED.load(Relaxed)
    );
}
