use weakattach::WeakKey;

#[derive(WeakKey)]
struct Ticket {
    #[weak_key(anchor)]
    number: u32,
}

#[derive(WeakKey)]
struct Shared(#[weak_key(anchor)] std::rc::Rc<weakattach::Anchor>);

fn main() {}
