//! Just enough GraphQL execution to imitate the SpaceX API over a [`Dataset`]: parse the POST
//! body, pick the operation, resolve the root fields and project each stored record onto the
//! selection set.
//!
//! There is no schema: any collection of the dataset is a list root field, and any field of a
//! stored record can be selected. Type conditions of fragments are ignored for the same reason.

use std::collections::HashMap;

use graphql_parser::query::{
    self as ast, Definition, FragmentDefinition, OperationDefinition, Selection,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::dataset::{has_id, Broken, Dataset};
use crate::node::Node;

type SelectionSet = ast::SelectionSet<'static, String>;
type Field = ast::Field<'static, String>;
type GqlValue = ast::Value<'static, String>;

/// Fragment spreads nested deeper than this are taken for a cycle (invalid GraphQL).
const MAX_FRAGMENT_DEPTH: usize = 32;

/// A request the server refuses before execution, answered with HTTP 400 like Apollo Server
/// does for parse and validation errors.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    message: String,
    /// Apollo's `extensions.code`, e.g. `GRAPHQL_VALIDATION_FAILED`.
    code: &'static str,
}

impl Failure {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code,
        }
    }

    fn validation(message: impl Into<String>) -> Self {
        Self::new("GRAPHQL_VALIDATION_FAILED", message)
    }

    /// The response body: `{"data": null, "errors": [{"message", "extensions": {"code"}}]}`.
    pub(crate) fn body(&self) -> Vec<u8> {
        let error = json!({"message": self.message, "extensions": {"code": self.code}});
        response_body(None, &[error])
    }
}

/// Serializes a GraphQL response; `errors` is left out when empty, `data` is `null` when absent.
pub(crate) fn response_body(data: Option<&Node>, errors: &[Value]) -> Vec<u8> {
    #[derive(Serialize)]
    struct Envelope<'a> {
        data: Option<&'a Node>,
        #[serde(skip_serializing_if = "<[Value]>::is_empty")]
        errors: &'a [Value],
    }
    // Serializing JSON values with string keys into memory cannot fail.
    serde_json::to_vec(&Envelope { data, errors }).unwrap_or_default()
}

/// The JSON body of a GraphQL POST.
#[derive(Deserialize)]
struct PostBody {
    query: String,
    #[serde(default)]
    variables: Option<Map<String, Value>>,
    #[serde(default, rename = "operationName")]
    operation_name: Option<String>,
}

/// A parsed request, ready to run against any dataset.
#[derive(Debug)]
pub(crate) struct Query {
    root: SelectionSet,
    fragments: HashMap<String, FragmentDefinition<'static, String>>,
    /// The request's variables, completed with the operation's defaults.
    variables: Map<String, Value>,
}

impl Query {
    /// Parses a POST body and selects its operation.
    pub(crate) fn parse(body: &[u8]) -> Result<Self, Failure> {
        let post: PostBody = serde_json::from_slice(body).map_err(|e| {
            Failure::new(
                "BAD_REQUEST",
                format!("POST body is not a GraphQL request: {e}"),
            )
        })?;
        let document = ast::parse_query::<String>(&post.query)
            .map_err(|e| Failure::new("GRAPHQL_PARSE_FAILED", format!("Syntax Error: {e}")))?
            .into_static();

        let mut fragments = HashMap::new();
        let mut operations = Vec::new();
        for definition in document.definitions {
            match definition {
                Definition::Fragment(fragment) => {
                    fragments.insert(fragment.name.clone(), fragment);
                }
                Definition::Operation(operation) => operations.push(operation),
            }
        }
        let operation = match post.operation_name.as_deref() {
            Some(wanted) => operations
                .into_iter()
                .find(|op| operation_name(op) == Some(wanted))
                .ok_or_else(|| {
                    Failure::validation(format!("Unknown operation named \"{wanted}\"."))
                })?,
            None if operations.len() == 1 => operations.remove(0),
            None => {
                return Err(Failure::validation(
                    "Must provide operation name if query contains multiple operations.",
                ))
            }
        };
        let (root, definitions) = match operation {
            OperationDefinition::SelectionSet(set) => (set, Vec::new()),
            OperationDefinition::Query(query) => (query.selection_set, query.variable_definitions),
            OperationDefinition::Mutation(_) | OperationDefinition::Subscription(_) => {
                return Err(Failure::validation(
                    "This fake SpaceX API only answers queries.",
                ))
            }
        };

        let mut variables = post.variables.unwrap_or_default();
        for definition in definitions {
            if let (Some(default), false) = (
                &definition.default_value,
                variables.contains_key(&definition.name),
            ) {
                let default = to_json(default, &Map::new());
                variables.insert(definition.name, default);
            }
        }
        Ok(Self {
            root,
            fragments,
            variables,
        })
    }

    /// The distinct root field names (not aliases), in order; what faults and counters match on.
    pub(crate) fn root_fields(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (_, fields) in self.collect(&[&self.root]).unwrap_or_default() {
            if !names.contains(&fields[0].name) {
                names.push(fields[0].name.clone());
            }
        }
        names
    }

    /// The first root response key (alias or name), used to label injected payloads.
    pub(crate) fn first_key(&self) -> Option<String> {
        let groups = self.collect(&[&self.root]).ok()?;
        groups.first().map(|(key, _)| (*key).to_owned())
    }

    /// Answers the query from `dataset`: the `data` object of the response, and the `errors`
    /// of broken resolvers (each nulls its field, as Apollo does when a resolver throws).
    pub(crate) fn execute(&self, dataset: &Dataset) -> Result<(Node, Vec<Value>), Failure> {
        let mut run = Run {
            dataset,
            path: Vec::new(),
            errors: Vec::new(),
        };
        let mut data = Vec::new();
        for (key, fields) in self.collect(&[&self.root])? {
            let field = fields[0];
            run.path.push(key.into());
            let node = match dataset.broken(&field.name) {
                _ if field.name == "__typename" => Node::Leaf("Query".into()),
                Some(Broken::Error(message)) => run.fail(message),
                serves => {
                    let name = match serves {
                        Some(Broken::Serves(other)) => other.as_str(),
                        _ => field.name.as_str(),
                    };
                    match self.resolve(dataset, field, name)? {
                        (Resolved::List(records), type_name) => {
                            let mut items = Vec::with_capacity(records.len());
                            for (index, record) in records.into_iter().enumerate() {
                                run.path.push(index.into());
                                items.push(self.project(&mut run, record, &fields, &type_name)?);
                                run.path.pop();
                            }
                            Node::List(items)
                        }
                        (Resolved::One(Some(record)), type_name) => {
                            self.project(&mut run, record, &fields, &type_name)?
                        }
                        (Resolved::One(None), _) => Node::NULL,
                    }
                }
            };
            run.path.pop();
            data.push((key.to_owned(), node));
        }
        Ok((Node::Object(data), run.errors))
    }

    /// Finds what a root field stands for, answering it as root field `name` (the field's own
    /// name unless a broken resolver serves another collection); unknown names are a
    /// validation error. Type names follow the field asked for, not the collection served.
    fn resolve<'d>(
        &self,
        dataset: &'d Dataset,
        field: &Field,
        name: &str,
    ) -> Result<(Resolved<'d>, String), Failure> {
        // `launches`, or `launchesPast` / `launchesUpcoming` filtered on the `upcoming` flag.
        let list = [(name, None), (name, Some("Past")), (name, Some("Upcoming"))]
            .into_iter()
            .find_map(|(name, suffix)| {
                let base = match suffix {
                    Some(suffix) => name.strip_suffix(suffix)?,
                    None => name,
                };
                Some((
                    base,
                    dataset.collection(base)?,
                    suffix.map(|s| s == "Upcoming"),
                ))
            });
        if let Some((base, records, upcoming)) = list {
            let offset = self.count_argument(field, "offset")?;
            let limit = match self.count_argument(field, "limit")? {
                0 => usize::MAX, // like the real server: 0 or absent means all
                limit => limit,
            };
            let page = records
                .iter()
                .filter(|r| upcoming.is_none_or(|u| r.get("upcoming") == Some(&Value::Bool(u))))
                .skip(offset)
                .take(limit)
                .collect();
            let asked = field.name.strip_suffix(&name[base.len()..]).unwrap_or(base);
            return Ok((Resolved::List(page), type_name(asked)));
        }
        if let Some(object) = dataset.object(name) {
            return Ok((Resolved::One(Some(object)), capitalize(name)));
        }
        // `launch(id:)` looks a record up in `launches`, `rocket(id:)` in `rockets`, …
        for plural in [format!("{name}s"), format!("{name}es")] {
            if let Some(records) = dataset.collection(&plural) {
                let id = match self.argument(field, "id") {
                    Value::String(id) => id,
                    Value::Number(id) => id.to_string(),
                    _ => return Ok((Resolved::One(None), capitalize(name))),
                };
                let record = records.iter().find(|record| has_id(record, &id));
                return Ok((Resolved::One(record), capitalize(name)));
            }
        }
        Err(Failure::validation(format!(
            "Cannot query field \"{name}\" on type \"Query\"."
        )))
    }

    /// Projects a stored value onto the selection sets of `fields` (all with one response key).
    fn project(
        &self,
        run: &mut Run<'_>,
        value: &Value,
        fields: &[&Field],
        type_name: &str,
    ) -> Result<Node, Failure> {
        if fields
            .iter()
            .all(|field| field.selection_set.items.is_empty())
        {
            return Ok(Node::Leaf(value.clone()));
        }
        match value {
            Value::Array(items) => {
                let mut nodes = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    run.path.push(index.into());
                    nodes.push(self.project(run, item, fields, type_name)?);
                    run.path.pop();
                }
                Ok(Node::List(nodes))
            }
            Value::Object(record) => {
                let sets: Vec<&SelectionSet> = fields.iter().map(|f| &f.selection_set).collect();
                let mut out = Vec::new();
                for (key, group) in self.collect(&sets)? {
                    let name = group[0].name.as_str();
                    run.path.push(key.into());
                    let broken = run.dataset.broken(&format!("{type_name}.{name}"));
                    let node = match (broken, record.get(name)) {
                        _ if name == "__typename" => Node::Leaf(type_name.into()),
                        (Some(Broken::Error(message)), _) => run.fail(message),
                        (_, None) => Node::NULL,
                        // Nested types are named loosely: Launch + links → LaunchLinks.
                        (_, Some(v)) => {
                            let nested = format!("{type_name}{}", capitalize(name));
                            self.project(run, v, &group, &nested)?
                        }
                    };
                    run.path.pop();
                    out.push((key.to_owned(), node));
                }
                Ok(Node::Object(out))
            }
            scalar => Ok(Node::Leaf(scalar.clone())),
        }
    }

    /// Groups the fields of selection sets by response key, in order of first appearance, with
    /// fragments expanded (GraphQL's CollectFields, minus type checks).
    fn collect<'q>(
        &'q self,
        sets: &[&'q SelectionSet],
    ) -> Result<Vec<(&'q str, Vec<&'q Field>)>, Failure> {
        let mut groups = Vec::new();
        for set in sets {
            self.collect_into(set, &mut groups, 0)?;
        }
        Ok(groups)
    }

    fn collect_into<'q>(
        &'q self,
        set: &'q SelectionSet,
        groups: &mut Vec<(&'q str, Vec<&'q Field>)>,
        depth: usize,
    ) -> Result<(), Failure> {
        if depth > MAX_FRAGMENT_DEPTH {
            return Err(Failure::validation(
                "Fragments are nested too deeply (a cycle?).",
            ));
        }
        for selection in &set.items {
            match selection {
                Selection::Field(field) => {
                    let key = field.alias.as_deref().unwrap_or(&field.name);
                    match groups.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, fields)) => fields.push(field),
                        None => groups.push((key, vec![field])),
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.collect_into(&inline.selection_set, groups, depth + 1)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.fragment_name;
                    let fragment = self.fragments.get(name).ok_or_else(|| {
                        Failure::validation(format!("Unknown fragment \"{name}\"."))
                    })?;
                    self.collect_into(&fragment.selection_set, groups, depth + 1)?;
                }
            }
        }
        Ok(())
    }

    /// An argument's value as JSON, variables substituted; `null` when absent.
    fn argument(&self, field: &Field, name: &str) -> Value {
        field
            .arguments
            .iter()
            .find(|(arg, _)| arg == name)
            .map_or(Value::Null, |(_, value)| to_json(value, &self.variables))
    }

    /// `limit`/`offset`: a non-negative Int, 0 when absent or null.
    fn count_argument(&self, field: &Field, name: &str) -> Result<usize, Failure> {
        match self.argument(field, name) {
            Value::Null => Ok(0),
            value => value
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| {
                    Failure::validation(format!(
                        "Argument \"{name}\" must be a non-negative Int, got {value}."
                    ))
                }),
        }
    }
}

/// The state of one execution: where it is in the answer, and the errors so far.
struct Run<'d> {
    dataset: &'d Dataset,
    /// Response keys and list indexes down to the field being answered.
    path: Vec<Value>,
    errors: Vec<Value>,
}

impl Run<'_> {
    /// A broken resolver at the current path: `null`, and an error pointing at it.
    fn fail(&mut self, message: &str) -> Node {
        self.errors.push(json!({
            "message": message,
            "path": self.path,
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
        }));
        Node::NULL
    }
}

/// What a root field resolved to.
enum Resolved<'d> {
    List(Vec<&'d Value>),
    One(Option<&'d Value>),
}

fn operation_name<'a>(operation: &'a OperationDefinition<'static, String>) -> Option<&'a str> {
    match operation {
        OperationDefinition::SelectionSet(_) => None,
        OperationDefinition::Query(op) => op.name.as_deref(),
        OperationDefinition::Mutation(op) => op.name.as_deref(),
        OperationDefinition::Subscription(op) => op.name.as_deref(),
    }
}

fn to_json(value: &GqlValue, variables: &Map<String, Value>) -> Value {
    match value {
        GqlValue::Variable(name) => variables.get(name).cloned().unwrap_or(Value::Null),
        GqlValue::Int(n) => n.as_i64().map_or(Value::Null, Value::from),
        GqlValue::Float(f) => Value::from(*f),
        GqlValue::String(s) | GqlValue::Enum(s) => Value::from(s.as_str()),
        GqlValue::Boolean(b) => Value::Bool(*b),
        GqlValue::Null => Value::Null,
        GqlValue::List(items) => items.iter().map(|item| to_json(item, variables)).collect(),
        GqlValue::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, value)| (key.clone(), to_json(value, variables)))
                .collect(),
        ),
    }
}

/// The GraphQL type of a collection's records, loosely: `launches` → `Launch`,
/// `histories` → `History`, `ships` → `Ship`.
fn type_name(collection: &str) -> String {
    let singular = if let Some(stem) = collection.strip_suffix("ies") {
        format!("{stem}y")
    } else if ["ches", "shes", "sses", "xes"]
        .iter()
        .any(|end| collection.ends_with(end))
    {
        collection[..collection.len() - 2].to_owned()
    } else {
        collection
            .strip_suffix('s')
            .unwrap_or(collection)
            .to_owned()
    };
    capitalize(&singular)
}

fn capitalize(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(query: &str, dataset: &Dataset) -> Result<String, Failure> {
        let body = json!({"query": query}).to_string();
        let (data, errors) = Query::parse(body.as_bytes())?.execute(dataset)?;
        assert_eq!(errors, Vec::<Value>::new());
        Ok(serde_json::to_string(&data).unwrap())
    }

    fn dataset() -> Dataset {
        let mut dataset = Dataset::new();
        *dataset.collection_mut("launches") = vec![
            json!({"id": "1", "upcoming": false, "links": {"wikipedia": "w1", "flickr_images": ["a"]}}),
            json!({"id": "2", "upcoming": true, "links": null}),
        ];
        dataset
    }

    #[test]
    fn projects_aliases_fragments_and_typenames() {
        let query = r#"
            query Q { first: launches(limit: 1) { ...L id links { __typename wikipedia } }
                      __typename }
            fragment L on Launch { __typename id links { flickr_images } missing }
        "#;
        assert_eq!(
            run(query, &dataset()).unwrap(),
            r#"{"first":[{"__typename":"Launch","id":"1","links":{"flickr_images":["a"],"__typename":"LaunchLinks","wikipedia":"w1"},"missing":null}],"__typename":"Query"}"#
        );
    }

    #[test]
    fn filters_pages_and_looks_up_by_id() {
        let data = dataset();
        assert_eq!(
            run("{launchesUpcoming{id}}", &data).unwrap(),
            r#"{"launchesUpcoming":[{"id":"2"}]}"#
        );
        assert_eq!(
            run("{launches(offset:1, limit:0){id}}", &data).unwrap(),
            r#"{"launches":[{"id":"2"}]}"#
        );
        assert_eq!(
            run("{launch(id: 2){id}}", &data).unwrap(),
            r#"{"launch":{"id":"2"}}"#
        );
        assert_eq!(
            run("{launch(id: \"9\"){id}}", &data).unwrap(),
            r#"{"launch":null}"#
        );
    }

    #[test]
    fn rejects_what_the_real_server_rejects() {
        let data = dataset();
        let unknown = run("{ships{id}}", &data).unwrap_err();
        assert_eq!(
            unknown.message,
            "Cannot query field \"ships\" on type \"Query\"."
        );
        assert_eq!(
            run("{launches(limit: -1){id}}", &data).unwrap_err().code,
            "GRAPHQL_VALIDATION_FAILED"
        );
        assert_eq!(
            run("{launches{id}", &data).unwrap_err().code,
            "GRAPHQL_PARSE_FAILED"
        );
        assert!(run("mutation { x }", &data).is_err());
        assert!(run("query A {launches{id}} query B {launches{id}}", &data).is_err());
        assert!(Query::parse(b"not json").is_err());
    }

    #[test]
    fn variables_and_defaults_feed_arguments() {
        let body = json!({
            "query": "query($o: Int = 1, $l: Int) { launches(offset: $o, limit: $l) { id } }",
            "variables": {"l": 5},
        });
        let query = Query::parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(query.root_fields(), ["launches"]);
        let (data, _) = query.execute(&dataset()).unwrap();
        assert_eq!(
            serde_json::to_string(&data).unwrap(),
            r#"{"launches":[{"id":"2"}]}"#
        );
    }

    #[test]
    fn broken_resolvers_null_their_field_with_an_error_or_serve_another_collection() {
        let mut data = dataset();
        data.collection_mut("landpads")
            .push(json!({"id": "LZ-1", "full_name": "Landing Zone 1"}));
        data.break_resolver("Launch.links", Broken::Error("no links".into()));
        data.break_resolver("launchpads", Broken::Serves("landpads".into()));
        data.break_resolver("payloads", Broken::Error("cannot parse".into()));
        let body = json!({"query": "{ launches { id links { wikipedia } } \
                                     launchpads { __typename id name } payloads { id } }"});
        let (answer, errors) = Query::parse(body.to_string().as_bytes())
            .unwrap()
            .execute(&data)
            .unwrap();
        assert_eq!(
            serde_json::to_string(&answer).unwrap(),
            r#"{"launches":[{"id":"1","links":null},{"id":"2","links":null}],"launchpads":[{"__typename":"Launchpad","id":"LZ-1","name":null}],"payloads":null}"#
        );
        let paths: Vec<&Value> = errors.iter().map(|e| &e["path"]).collect();
        assert_eq!(
            paths,
            [
                &json!(["launches", 0, "links"]),
                &json!(["launches", 1, "links"]),
                &json!(["payloads"])
            ]
        );
        assert_eq!(errors[2]["message"], "cannot parse");
    }

    #[test]
    fn names_types_loosely() {
        assert_eq!(type_name("launches"), "Launch");
        assert_eq!(type_name("histories"), "History");
        assert_eq!(type_name("ships"), "Ship");
        assert_eq!(type_name("company"), "Company");
    }
}
