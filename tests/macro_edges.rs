//! Inputs at the edges of what the macro accepts: `Self` in message types and
//! where clauses, `#[cfg]` and `#[deprecated]` handlers, raw identifiers, and
//! handlers whose names clash with trait methods in scope.

#![deny(warnings)]

use genserver::prelude::*;

/// A node that can adopt children and hand out copies of itself.
#[derive(Clone, Debug, PartialEq, Default)]
struct Node {
    children: Vec<Node>,
}

#[gen_server]
impl Node {
    /// `Self` in an argument type.
    #[cast]
    fn adopt(&mut self, children: Vec<Self>) {
        self.children.extend(children);
    }

    /// `Self` in the reply type.
    #[call]
    fn child(&self, index: usize) -> Option<Self> {
        self.children.get(index).cloned()
    }

    /// `Self::` paths, too.
    #[call]
    fn count(&self, _hint: <Self as Marked>::Marker) -> usize {
        self.children.len()
    }
}

/// An associated type reached through `Self`.
trait Marked {
    type Marker;
}

impl Marked for Node {
    type Marker = ();
}

#[tokio::test]
async fn self_in_message_types() {
    let node = Node::start(Node::default()).await.unwrap();
    node.adopt(vec![Node {
        children: vec![Node::default()],
    }]);
    let child = node.child(0).await.unwrap().unwrap();
    assert_eq!(child.children.len(), 1);
    assert_eq!(node.child(1).await.unwrap(), None);
    assert_eq!(node.count(()).await.unwrap(), 1);
}

/// `Self` in the impl's where clause.
struct Holder<T> {
    value: T,
}

#[gen_server]
impl<T> Holder<T>
where
    T: Clone,
    Self: Sized,
{
    #[call]
    fn get(&self) -> T {
        self.value.clone()
    }
}

#[tokio::test]
async fn self_in_the_where_clause() {
    let holder = Holder::start(Holder { value: 5u8 }).await.unwrap();
    assert_eq!(holder.get().await.unwrap(), 5);
}

/// Handlers under `#[cfg]`, one compiled out; a deprecated one; raw names;
/// and a handler named like a method of a trait implemented for the type.
struct Odd {
    n: u32,
}

impl Iterator for Odd {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        None
    }
}

#[gen_server]
impl Odd {
    #[cfg(any())]
    #[cast]
    fn gone(&mut self) {}

    #[cfg(test)]
    #[cast]
    fn here(&mut self) {
        self.n += 1;
    }

    /// Use `here` instead.
    #[deprecated = "use here"]
    #[cast]
    fn old(&mut self) {
        self.n += 100;
    }

    /// Named like `Iterator::next`, which `Odd` also has.
    #[call]
    fn next(&self) -> u32 {
        self.n
    }

    /// A raw identifier as the handler and as an argument named `reply`.
    #[call]
    fn r#type(&self, r#reply: u32) -> u32 {
        self.n + r#reply
    }
}

#[tokio::test]
async fn cfg_deprecated_raw_and_shadowing_handlers() {
    let odd = Odd::start(Odd { n: 0 }).await.unwrap();
    odd.here();
    #[allow(deprecated)]
    odd.old();
    assert_eq!(odd.next().await.unwrap(), 101);
    assert_eq!(odd.r#type(1).await.unwrap(), 102);
}
