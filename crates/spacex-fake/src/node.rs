//! The answer tree of one GraphQL request.
//!
//! `serde_json::Map` sorts its keys (the workspace does not enable `preserve_order`, and turning it
//! on would change map order for every crate in the build), but a GraphQL server answers the
//! fields in the order the selection set asked for them. This small tree keeps that order.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

/// One value of a GraphQL answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// A scalar (or `null`), or a stored value that was asked for without a selection set.
    Leaf(Value),
    /// A list whose elements were projected one by one.
    List(Vec<Node>),
    /// An object with its response keys in selection order.
    Object(Vec<(String, Node)>),
}

impl Node {
    /// The `null` leaf.
    pub(crate) const NULL: Node = Node::Leaf(Value::Null);

    /// The first non-null scalar found depth-first (used by `Fault::WrongType`).
    pub(crate) fn first_scalar_mut(&mut self) -> Option<&mut Node> {
        match self {
            Node::Leaf(Value::Null | Value::Array(_) | Value::Object(_)) => None,
            Node::Leaf(_) => Some(self),
            Node::List(items) => items.iter_mut().find_map(Node::first_scalar_mut),
            Node::Object(fields) => fields
                .iter_mut()
                .find_map(|(_, node)| node.first_scalar_mut()),
        }
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Leaf(value) => value.serialize(serializer),
            Node::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Object(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (key, value) in fields {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_selection_order_and_finds_first_scalar() {
        let mut node = Node::Object(vec![
            ("z".into(), Node::NULL),
            (
                "a".into(),
                Node::List(vec![Node::Object(vec![(
                    "id".into(),
                    Node::Leaf(json!("7")),
                )])]),
            ),
        ]);
        assert_eq!(
            serde_json::to_string(&node).unwrap(),
            r#"{"z":null,"a":[{"id":"7"}]}"#
        );
        assert_eq!(node.first_scalar_mut(), Some(&mut Node::Leaf(json!("7"))));
    }
}
