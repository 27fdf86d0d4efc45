//! The JavaScript `WeakMap` / `WeakSet` story, told in Rust.
//!
//! ```text
//! cargo run --example tour
//! ```
//!
//! Every value in the tour prints a line when it is dropped, and every claim
//! the tour prints is checked (with `assert!`) against what really happened.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use weakattach::{Anchor, WeakKey, WeakMap, WeakSet};

// ---------------------------------------------------------------------------
// A log of drops: each value below reports here when it is dropped.

static DROPPED: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn report_drop(what: String) {
    println!("      dropped: {what}");
    DROPPED.lock().unwrap().push(what);
}

/// What was dropped since the last call, in order.
fn drops() -> Vec<String> {
    std::mem::take(&mut *DROPPED.lock().unwrap())
}

// ---------------------------------------------------------------------------
// The objects of the story.

/// A user. `Anchor` is its identity; `visits` is a side field, a value
/// attached to each user from the outside and dropped with the user.
#[derive(WeakKey, PartialEq, Eq, Hash)]
#[weak_key(side(
    /// How many times the user visited.
    visits: Visits
))]
struct User {
    name: String,
    anchor: Anchor,
}

impl User {
    fn new(name: &str) -> Self {
        User {
            name: name.to_owned(),
            anchor: Anchor::new(),
        }
    }
}

impl Drop for User {
    fn drop(&mut self) {
        report_drop(format!("user {}", self.name));
    }
}

#[derive(WeakKey, PartialEq, Eq, Hash)]
struct Dog {
    name: String,
    anchor: Anchor,
}

impl Dog {
    fn new(name: &str) -> Rc<Self> {
        Rc::new(Dog {
            name: name.to_owned(),
            anchor: Anchor::new(),
        })
    }
}

impl Drop for Dog {
    fn drop(&mut self) {
        report_drop(format!("dog {}", self.name));
    }
}

#[derive(WeakKey)]
struct Message {
    id: u32,
    text: String,
    anchor: Anchor,
}

impl Message {
    fn new(id: u32, text: &str) -> Self {
        Message {
            id,
            text: text.to_owned(),
            anchor: Anchor::new(),
        }
    }
}

impl Drop for Message {
    fn drop(&mut self) {
        report_drop(format!("message #{}", self.id));
    }
}

/// A value to attach: a note.
struct Note(String);

impl Note {
    fn new(text: &str) -> Self {
        Note(text.to_owned())
    }
}

impl Drop for Note {
    fn drop(&mut self) {
        report_drop(self.0.clone());
    }
}

/// A value to attach: a visit counter.
struct Visits(u32);

impl Drop for Visits {
    fn drop(&mut self) {
        report_drop(format!("visit count {}", self.0));
    }
}

/// A value to attach: a computed summary of a message.
struct Summary {
    of: u32,
    words: usize,
}

impl Drop for Summary {
    fn drop(&mut self) {
        report_drop(format!("summary of message #{}", self.of));
    }
}

// ---------------------------------------------------------------------------

fn main() {
    println!("weakattach tour: JavaScript's WeakMap and WeakSet, in Rust.");
    println!("Values print a \"dropped:\" line at the moment they are dropped. A JS variable");
    println!("is a reference, so an Rc plays its part here: drop(john) is `john = null`.");
    vec_keeps_its_elements();
    hash_map_keeps_its_keys();
    weak_map_lets_go();
    snickers_and_sunny();
    keys_must_be_objects();
    counting_visits();
    caching();
    read_messages();
    assert!(drops().is_empty());
    println!("\nEnd of the tour.");
}

fn section(title: &str) {
    println!("\n== {title}");
}

/// JS: `let array = [john]; john = null;` keeps John alive in the array.
fn vec_keeps_its_elements() {
    section("1. A Vec keeps its elements alive");
    let john = Rc::new(User::new("John"));
    let array = vec![Rc::clone(&john)];
    println!("let array = vec![Rc::clone(&john)]; drop(john): nothing is dropped,");
    drop(john);
    assert!(drops().is_empty());
    assert_eq!(array[0].name, "John");
    println!("array[0].name is still {:?}. drop(array):", array[0].name);
    drop(array);
    assert_eq!(drops(), ["user John"]);
}

/// JS: `map.set(john, "...")` keeps John alive as a key of the map.
// Clippy flags keys holding an `Anchor` (an atomic inside); `Anchor`'s `Hash`
// and `Eq` never look at it, so the lint does not apply.
#[allow(clippy::mutable_key_type)]
fn hash_map_keeps_its_keys() {
    section("2. A HashMap keeps its keys alive");
    let john = Rc::new(User::new("John"));
    let mut map = HashMap::new();
    map.insert(Rc::clone(&john), "...");
    println!("map.insert(Rc::clone(&john), \"...\"); drop(john): nothing is dropped,");
    drop(john);
    assert!(drops().is_empty());
    let keys: Vec<&str> = map.keys().map(|user| user.name.as_str()).collect();
    assert_eq!(keys, ["John"]);
    println!("map.keys() still gives him back: {keys:?}. drop(map):");
    drop(map);
    assert_eq!(drops(), ["user John"]);
}

/// JS: `weakMap.set(john, "..."); john = null;` and John is gone, entry too.
fn weak_map_lets_go() {
    section("3. A WeakMap lets go");
    let notes: WeakMap<User, Note> = WeakMap::new();
    let john = User::new("John");
    notes.insert(&john, Note::new("note for John"));
    let read = notes.with(&john, |note| note.0.clone()).unwrap();
    assert_eq!(read, "note for John");
    assert!(notes.contains_key(&john));
    println!("notes.insert(&john, Note::new({read:?})); notes.contains_key(&john) is true");
    println!("drop(john):");
    drop(john);
    assert_eq!(drops(), ["user John", "note for John"]);
    println!("the note was dropped inside drop(john): no garbage collector to wait for.");
}

/// The dogs of the JS story: a strong map leaks, a weak map does not.
#[allow(clippy::mutable_key_type)] // as in `hash_map_keeps_its_keys`
fn snickers_and_sunny() {
    section("4. Snickers and Sunny: a strong map and a weak map");
    println!(
        "Each map gets its own two dogs (a dog in both would be kept alive by the strong one)."
    );
    let mut strong: HashMap<Rc<Dog>, &str> = HashMap::new();
    let weak: WeakMap<Dog, Note> = WeakMap::new();

    let (dog1, dog2) = (Dog::new("Snickers"), Dog::new("Sunny"));
    strong.insert(Rc::clone(&dog1), "Snickers is the best!");
    strong.insert(Rc::clone(&dog2), "Sunny is the 2nd best!");
    println!("strong.insert(Rc::clone(&dog1), ..); the same for dog2; drop(dog1); drop(dog2);");
    drop(dog1);
    drop(dog2);
    assert!(drops().is_empty());
    assert_eq!(strong.len(), 2);
    println!(
        "  nothing is dropped: strong.len() is {}, yet no variable reaches those dogs. A memory leak.",
        strong.len()
    );

    let (dog1, dog2) = (Dog::new("Snickers"), Dog::new("Sunny"));
    weak.insert(&dog1, Note::new("Snickers is the best!"));
    weak.insert(&dog2, Note::new("Sunny is the 2nd best!"));
    println!("weak.insert(&dog1, ..); weak.insert(&dog2, ..); drop(dog1); drop(dog2);");
    drop(dog1);
    drop(dog2);
    assert_eq!(
        drops(),
        [
            "dog Snickers",
            "Snickers is the best!",
            "dog Sunny",
            "Sunny is the 2nd best!"
        ]
    );
    println!("  the weak map let both go at once. weak.len()? There is none: like a JS WeakMap");
    println!("  it cannot be counted or listed, so nothing can reach a dead dog through it.");
    println!("drop(strong) ends the leak:");
    drop(strong);
    let mut dropped = drops();
    dropped.sort();
    assert_eq!(dropped, ["dog Snickers", "dog Sunny"]);
}

/// JS throws on `weakMap.set("test", ..)`; Rust does not compile it.
fn keys_must_be_objects() {
    section("5. Keys must be objects");
    println!(
        "JS throws on weakMap.set(\"test\", ..). In Rust a key without identity does not compile:"
    );
    println!("  let m: WeakMap<&str, u8> = WeakMap::new();");
    println!("  error[E0277]: `&str` cannot be used as a weak key: it has no instance identity");
    println!("Keys are structs that #[derive(WeakKey)] with an Anchor field, Anchor itself,");
    println!("Keyed<T> (identity for any value), or dyn Trait where Trait: WeakKey.");
}

/// Counts a visit of `user` in its `visits` side field.
fn visit(user: &User) {
    let visits = user.visits();
    if visits.with_mut(|count| count.0 += 1).is_none() {
        visits.set(Visits(1));
    }
}

/// JS: `visitsCountMap.set(user, count + 1)`; gone when the user is.
fn counting_visits() {
    section("6. Counting visits");
    let john = User::new("John");
    let pete = User::new("Pete");
    for _ in 0..3 {
        visit(&john);
    }
    visit(&pete);
    let john_visits = john.visits().with(|count| count.0).unwrap();
    let pete_visits = pete.visits().with(|count| count.0).unwrap();
    assert_eq!((john_visits, pete_visits), (3, 1));
    println!(
        "visits is a side field: #[weak_key(side(visits: Visits))] on User, a WeakMap inside."
    );
    println!(
        "John visits 3 times, Pete once: john.visits() reads {john_visits}, pete.visits() {pete_visits}"
    );
    println!("John leaves, drop(john):");
    drop(john);
    assert_eq!(drops(), ["user John", "visit count 3"]);
    assert_eq!(pete.visits().with(|count| count.0), Some(1));
    println!("Pete's count is untouched: {pete_visits}. drop(pete):");
    drop(pete);
    assert_eq!(drops(), ["user Pete", "visit count 1"]);
}

/// A per-message cache: computed once, dropped with the message.
static SUMMARIES: WeakMap<Message, Arc<Summary>> = WeakMap::new();

fn summary(message: &Message) -> Arc<Summary> {
    SUMMARIES.get_or_insert_with(message, || {
        println!("  (computing the summary of message #{})", message.id);
        Arc::new(Summary {
            of: message.id,
            words: message.text.split_whitespace().count(),
        })
    })
}

fn caching() {
    section("7. Caching a result per object");
    let message = Message::new(1, "the quick brown fox");
    let first = summary(&message);
    let again = summary(&message);
    assert!(Arc::ptr_eq(&first, &again));
    assert_eq!(first.words, 4);
    println!(
        "summary(&message) twice: computed once, both calls got the same Arc ({} words)",
        again.words
    );
    drop((first, again));
    assert!(drops().is_empty());
    println!("drop(message):");
    drop(message);
    assert_eq!(drops(), ["message #1", "summary of message #1"]);
}

/// JS: a `WeakSet` of read messages.
fn read_messages() {
    section("8. Read messages: a WeakSet");
    let mut messages = vec![
        Message::new(1, "hello"),
        Message::new(2, "how goes?"),
        Message::new(3, "see you"),
    ];
    let read: WeakSet<Message> = WeakSet::new();
    read.insert(&messages[0]);
    read.insert(&messages[2]);
    let flags: Vec<bool> = messages.iter().map(|m| read.contains(m)).collect();
    assert_eq!(flags, [true, false, true]);
    println!("read.insert(&messages[0]); read.insert(&messages[2]); read.contains: {flags:?}");
    println!("messages.remove(0): the set does not keep #1 alive");
    messages.remove(0);
    assert_eq!(drops(), ["message #1"]);
    let flags: Vec<bool> = messages.iter().map(|m| read.contains(m)).collect();
    assert_eq!(flags, [false, true]);
    println!(
        "#3 moved down the Vec and is still read: {flags:?} (identity is the Anchor, not the address)"
    );
    println!("drop(messages):");
    drop(messages);
    assert_eq!(drops(), ["message #2", "message #3"]);
}
