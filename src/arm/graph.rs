//! The resource graph: one node per expanded resource instance, edges from ID-valued properties,
//! `dependsOn`, parent/child and autoscale targets. A reference that matches no declared resource is
//! *external*; one that cannot be evaluated is *unknown*.

use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt::Write as _;
use std::sync::Arc;

use crate::arm::functions::{ParsedResourceId, parse_resource_id_symbol, parse_resource_id_value};
use crate::arm::template::{Expansion, ResourceInstance};
use crate::arm::value::{Symbol, Value};
use crate::source::json::PathSeg;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeKind {
    /// A property holds the target's resource ID.
    Reference,
    DependsOn,
    /// The target is the parent of the source (nested child or `parent/child` name).
    Parent,
    /// An autoscale setting's `targetResourceUri`.
    AutoscaleTarget,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Reference => "reference",
            EdgeKind::DependsOn => "dependsOn",
            EdgeKind::Parent => "parent",
            EdgeKind::AutoscaleTarget => "autoscaleTarget",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// An instance in this graph. `certain` is false when the match relied on an unknown scope.
    Node { index: usize, certain: bool },
    /// A resource not declared in the analysed files (its ID as evaluated or symbolic).
    External(String),
    /// The reference could not be evaluated.
    Unknown(String),
}

#[derive(Clone, Debug)]
pub struct Edge {
    pub from: usize,
    pub kind: EdgeKind,
    /// Dotted property path in the source's body (`properties.virtualMachineScaleSet.id`).
    pub path: String,
    pub target: Target,
}

/// The expansion plus its edges and an ID index.
pub struct ResourceGraph {
    pub expansion: Expansion,
    /// The edges with one target each, ordered by source. A `dependsOn` entry naming a whole
    /// collection (a copy loop, a languageVersion 2.0 symbolic name) is kept once in `groups`
    /// instead: loops depending on loops would otherwise take memory quadratic in the template.
    /// [`ResourceGraph::all_edges`] lists both, in order.
    pub edges: Vec<Edge>,
    groups: Vec<DependsOnGroup>,
    /// Parsed ID of each instance (same order as `expansion.instances`).
    pub ids: Vec<Option<ParsedResourceId>>,
    /// Hash of (type, names) → instances (candidates; [`same_names`] confirms).
    index: FxHashMap<u64, Vec<usize>>,
}

/// The index key of an ID: its type and names, hashed without building a string.
fn key_of(p: &ParsedResourceId) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    p.resource_type.hash(&mut h);
    p.names.hash(&mut h);
    h.finish()
}

/// `dependsOn` of one instance on every instance of a collection.
struct DependsOnGroup {
    /// Listed just before `edges[at]` (after the last edge when `at == edges.len()`).
    at: usize,
    from: usize,
    /// Shared by every instance whose `dependsOn` names the same collection.
    targets: Arc<[usize]>,
}

impl DependsOnGroup {
    /// The edge to the `k`-th target.
    fn edge(&self, k: usize) -> Option<Edge> {
        let &index = self.targets.get(k)?;
        Some(Edge {
            from: self.from,
            kind: EdgeKind::DependsOn,
            path: "dependsOn".into(),
            target: Target::Node {
                index,
                certain: true,
            },
        })
    }
}

/// What a `dependsOn` entry that is not a resource ID names, looked up by lower-case text in the
/// instance's deployment; built once per graph, so that resolving is linear in the entries.
#[derive(Default)]
struct NameIndex {
    /// Symbolic or copy loop name → every instance of the collection, in order.
    collections: FxHashMap<(usize, String), Arc<[usize]>>,
    /// `symbolicName[i]` of a loop → that instance.
    elements: FxHashMap<(usize, String, i64), usize>,
    /// Evaluated name, or `type/name` → the first such instance.
    names: FxHashMap<(usize, String), usize>,
}

impl NameIndex {
    fn new(expansion: &Expansion) -> NameIndex {
        let mut collections: FxHashMap<(usize, String), Vec<usize>> = FxHashMap::default();
        let mut index = NameIndex::default();
        for (j, o) in expansion.instances.iter().enumerate() {
            let dep = o.deployment;
            if let Some(d) = expansion.declarations.get(o.decl) {
                let symbolic = d.symbolic_name.as_deref().map(str::to_ascii_lowercase);
                let copy = d.copy_name.as_deref().map(str::to_ascii_lowercase);
                if let Some(sym) = &symbolic {
                    collections.entry((dep, sym.clone())).or_default().push(j);
                    if copy.is_some()
                        && let Some(i) = o.copy_path.last().and_then(Value::as_int_lenient)
                    {
                        index.elements.entry((dep, sym.clone(), i)).or_insert(j);
                    }
                }
                if let Some(c) = copy
                    && symbolic.as_ref() != Some(&c)
                {
                    collections.entry((dep, c)).or_default().push(j);
                }
            }
            if let Some(n) = o.name.as_str() {
                let name = n.to_ascii_lowercase();
                let typed = [o.resource_type.to_ascii_lowercase().as_str(), "/", &name].concat();
                index.names.entry((dep, name)).or_insert(j);
                index.names.entry((dep, typed)).or_insert(j);
            }
        }
        index.collections = collections
            .into_iter()
            .map(|(k, v)| (k, Arc::from(v)))
            .collect();
        index
    }
}

/// The targets of one `dependsOn` entry.
enum DependsOn {
    One(Target),
    Every(Arc<[usize]>),
}

/// The same type and names, each as unknown on both sides (a literal name spelled like a symbol
/// is not that symbol).
fn same_names(a: &ParsedResourceId, b: &ParsedResourceId) -> bool {
    a.resource_type == b.resource_type
        && a.names == b.names
        && a.unknown.resource_type == b.unknown.resource_type
        && a.unknown.names == b.unknown.names
}

/// Text of an ID-like value: the string, or an unknown's symbol.
fn id_text(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Unknown(u) => u.symbol.as_ref().map(Symbol::text),
        _ => None,
    }
}

fn looks_like_id(s: &str) -> bool {
    // IDs built by resourceId() and friends spell `/providers/` exactly; other spellings are rare.
    // One pass from `/` to `/`, so long non-ID strings (scripts, JSON) are scanned once.
    let b = s.as_bytes();
    if b.len() <= 12 {
        return false;
    }
    let mut from = 0;
    while let Some(i) = b
        .get(from..)
        .and_then(|r| r.iter().position(|&c| c == b'/'))
    {
        let at = from + i;
        if b.get(at..at + 11)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"/providers/"))
        {
            return true;
        }
        from = at + 1;
    }
    false
}

/// Compare two optional scope segments: Some(true) equal, Some(false) different, None unknown.
/// A segment is its text and whether it holds an unknown fragment.
fn same_segment(a: Option<(&str, bool)>, b: Option<(&str, bool)>) -> Option<bool> {
    match (a, b) {
        (Some(x), Some(y)) if x == y => Some(true),
        (Some((_, false)), Some((_, false))) => Some(false),
        (None, None) => Some(true),
        _ => None,
    }
}

/// The subscription and resource group segments of an ID, each with whether it holds an
/// unknown fragment.
fn scope_segments(p: &ParsedResourceId) -> [Option<(&str, bool)>; 2] {
    [
        p.subscription
            .as_deref()
            .map(|s| (s, p.unknown.subscription)),
        p.resource_group
            .as_deref()
            .map(|s| (s, p.unknown.resource_group)),
    ]
}

/// Compare the resources two extension IDs extend, as IDs: an extension of a connected cluster
/// is not one of a managed cluster even when both clusters' names are unknown.
fn same_parent_scope(a: &ParsedResourceId, b: &ParsedResourceId, depth: usize) -> Option<bool> {
    let (x, y) = match (&a.parent_scope, &b.parent_scope) {
        (None, None) => return Some(true),
        (Some(x), Some(y)) => (x, y),
        _ => return None,
    };
    let whole = same_segment(
        Some((x.text(), x.has_unknown())),
        Some((y.text(), y.has_unknown())),
    );
    if whole.is_some() || depth >= crate::limits::SCOPE_COMPARE_DEPTH {
        return whole;
    }
    match (parse_resource_id_symbol(x), parse_resource_id_symbol(y)) {
        (Some(p), Some(q)) => same_resource_at(&p, &q, depth + 1),
        _ => None,
    }
}

/// Whether two parsed IDs name the same resource: `Some(false)` when the type, a name or a scope
/// segment differs and both sides of it are known; `None` when they differ only where a part is
/// unresolved.
pub fn same_resource(a: &ParsedResourceId, b: &ParsedResourceId) -> Option<bool> {
    same_resource_at(a, b, 0)
}

fn same_resource_at(a: &ParsedResourceId, b: &ParsedResourceId, depth: usize) -> Option<bool> {
    let mut parts = vec![same_segment(
        Some((&a.resource_type, a.unknown.resource_type)),
        Some((&b.resource_type, b.unknown.resource_type)),
    )];
    parts.extend(
        scope_segments(a)
            .into_iter()
            .zip(scope_segments(b))
            .map(|(x, y)| same_segment(x, y)),
    );
    parts.push(same_parent_scope(a, b, depth));
    if a.names.len() == b.names.len() {
        parts.extend(a.names.iter().zip(&b.names).enumerate().map(|(k, (x, y))| {
            same_segment(Some((x, a.unknown.name(k))), Some((y, b.unknown.name(k))))
        }));
    } else {
        parts.push(None);
    }
    if parts.contains(&Some(false)) {
        Some(false)
    } else if parts.iter().all(|s| *s == Some(true)) {
        Some(true)
    } else {
        None
    }
}

impl ResourceGraph {
    pub fn build(expansion: Expansion) -> ResourceGraph {
        let ids: Vec<Option<ParsedResourceId>> = expansion
            .instances
            .iter()
            .map(|i| parse_resource_id_value(&i.id))
            .collect();
        let mut index: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
        for (i, id) in ids.iter().enumerate() {
            if let Some(p) = id {
                index.entry(key_of(p)).or_default().push(i);
            }
        }
        let mut g = ResourceGraph {
            expansion,
            edges: Vec::new(),
            groups: Vec::new(),
            ids,
            index,
        };
        g.build_edges();
        g
    }

    pub fn instances(&self) -> &[ResourceInstance] {
        &self.expansion.instances
    }

    /// JSON pointer of instance `i`'s declaration (empty when there is no such instance).
    pub fn declaration_pointer(&self, i: usize) -> String {
        self.instances()
            .get(i)
            .and_then(|inst| self.expansion.declarations.get(inst.decl))
            .map(|d| d.pointer.clone())
            .unwrap_or_default()
    }

    /// A readable name for instance `i`: its evaluated name, else the declaration's text.
    pub fn display_name(&self, i: usize) -> String {
        let Some(inst) = self.instances().get(i) else {
            return String::new();
        };
        if let Some(n) = inst.name.as_str() {
            return n.to_string();
        }
        self.expansion
            .declarations
            .get(inst.decl)
            .map(|d| {
                d.symbolic_name
                    .clone()
                    .unwrap_or_else(|| d.name_text.clone())
            })
            .unwrap_or_default()
    }

    /// Resolve a resource ID value to a target.
    pub fn resolve(&self, v: &Value) -> Target {
        let Some(text) = id_text(v) else {
            let why = v
                .first_unknown()
                .map_or_else(|| "not a resource ID".to_string(), |u| u.reason.to_string());
            return Target::Unknown(why);
        };
        let Some(parsed) = parse_resource_id_value(v) else {
            return match v {
                Value::Unknown(u) => Target::Unknown(u.reason.to_string()),
                _ => Target::External(text.to_string()),
            };
        };
        self.resolve_parsed(&parsed, text)
    }

    fn resolve_parsed(&self, parsed: &ParsedResourceId, text: &str) -> Target {
        let Some(candidates) = self.index.get(&key_of(parsed)) else {
            return Target::External(text.to_string());
        };
        let mut equal = Vec::new();
        let mut maybe = Vec::new();
        for &c in candidates {
            let Some(Some(cid)) = self.ids.get(c) else {
                continue;
            };
            if !same_names(parsed, cid) {
                continue;
            }
            let [s, g] = scope_segments(parsed);
            let [cs, cg] = scope_segments(cid);
            let scope = [
                same_segment(s, cs),
                same_segment(g, cg),
                same_parent_scope(parsed, cid, 0),
            ];
            if scope.iter().all(|s| *s == Some(true)) {
                equal.push(c);
            } else if !scope.contains(&Some(false)) {
                maybe.push(c);
            }
        }
        // Instances of one declaration under different copy indexes share an ID only when the name
        // does not depend on the index; any of them is the target.
        match (equal.first(), maybe.as_slice()) {
            (Some(&i), _) => Target::Node {
                index: i,
                certain: true,
            },
            (None, [only]) => Target::Node {
                index: *only,
                certain: false,
            },
            _ => Target::External(text.to_string()),
        }
    }

    fn build_edges(&mut self) {
        let mut edges = Vec::new();
        let mut groups = Vec::new();
        let names = OnceCell::new();
        for (i, inst) in self.expansion.instances.iter().enumerate() {
            // Properties holding resource IDs.
            let autoscale = inst.is_type("Microsoft.Insights/autoscaleSettings");
            // Shared parts make a body's logical size exponential in its memory size.
            let body = inst.body.bounded_for_walk();
            IdEdges {
                g: self,
                from: i,
                autoscale,
                edges: &mut edges,
            }
            .walk(&body, &mut Vec::new());
            // dependsOn
            for d in &inst.depends_on {
                match self.resolve_depends_on(inst, d, &names) {
                    DependsOn::One(target) => edges.push(Edge {
                        from: i,
                        kind: EdgeKind::DependsOn,
                        path: "dependsOn".into(),
                        target,
                    }),
                    DependsOn::Every(targets) => groups.push(DependsOnGroup {
                        at: edges.len(),
                        from: i,
                        targets,
                    }),
                }
            }
            // An extension resource's relative `scope` (`Microsoft.Compute/virtualMachines/vm1`,
            // as Bicep writes it): the resource it extends, in the deployment's resource group.
            if let Some(Value::String(s)) = inst.body.get("scope")
                && !looks_like_id(&s)
                && s.contains('/')
                && let Some(Some(id)) = self.ids.get(i)
                && let Some(scope) = &id.parent_scope
                && let Some(parsed) = parse_resource_id_symbol(scope)
            {
                edges.push(Edge {
                    from: i,
                    kind: EdgeKind::Reference,
                    path: "scope".into(),
                    target: self.resolve_parsed(&parsed, scope.text()),
                });
            }
            // Parent: nested child, or `parent/child` naming of a top-level declaration.
            if let Some(p) = inst.parent {
                edges.push(Edge {
                    from: i,
                    kind: EdgeKind::Parent,
                    path: String::new(),
                    target: Target::Node {
                        index: p,
                        certain: true,
                    },
                });
            } else if let Some(Some(id)) = self.ids.get(i)
                && id.names.len() > 1
            {
                let mut parent = id.clone();
                parent.names.pop();
                // The popped name's unknown bit goes with it (past the 64th they share one).
                if parent.names.len() < 63 {
                    parent.unknown.names &= !(1 << parent.names.len());
                }
                if let Some(pos) = parent.resource_type.rfind('/') {
                    parent.resource_type.truncate(pos);
                    if let Target::Node { index, certain } = self.resolve_parsed(&parent, "") {
                        edges.push(Edge {
                            from: i,
                            kind: EdgeKind::Parent,
                            path: "name".into(),
                            target: Target::Node { index, certain },
                        });
                    }
                }
            }
        }
        self.edges = edges;
        self.groups = groups;
    }

    /// The targets of one `dependsOn` entry: a copy loop or a 2.0 symbolic name of a loop means
    /// every instance of it.
    fn resolve_depends_on(
        &self,
        inst: &ResourceInstance,
        d: &Value,
        names: &OnceCell<NameIndex>,
    ) -> DependsOn {
        let Some(text) = id_text(d) else {
            return DependsOn::One(self.resolve(d));
        };
        if looks_like_id(text) {
            return DependsOn::One(self.resolve(d));
        }
        let names = names.get_or_init(|| NameIndex::new(&self.expansion));
        let dep = inst.deployment;
        let node = |index: usize| {
            DependsOn::One(Target::Node {
                index,
                certain: true,
            })
        };
        // languageVersion 2.0 `name[i]`: one instance of a loop (Bicep's dependency on an element).
        if let Some((sym, idx)) = text.strip_suffix(']').and_then(|t| t.split_once('['))
            && let Ok(idx) = idx.trim().parse::<i64>()
            && let Some(&j) = names.elements.get(&(dep, sym.to_ascii_lowercase(), idx))
        {
            return node(j);
        }
        let lower = text.to_ascii_lowercase();
        let key = (dep, lower);
        // languageVersion 2.0 symbolic name, or a copy loop name: every instance.
        if let Some(all) = names.collections.get(&key) {
            return DependsOn::Every(all.clone());
        }
        // `Namespace/type/name` or a bare resource name.
        match names.names.get(&key) {
            Some(&j) => node(j),
            None => DependsOn::One(Target::External(text.to_string())),
        }
    }

    /// Every edge, the `dependsOn` collections spelled out per target, ordered by source.
    pub fn all_edges(&self) -> impl Iterator<Item = Cow<'_, Edge>> {
        merged(&self.edges, 0, &self.groups)
    }

    /// Outgoing edges of a node, in the order of [`ResourceGraph::all_edges`].
    pub fn edges_from(&self, i: usize) -> impl Iterator<Item = Cow<'_, Edge>> {
        // Both lists are ordered by source.
        let lo = self.edges.partition_point(|e| e.from < i);
        let hi = self.edges.partition_point(|e| e.from <= i);
        let glo = self.groups.partition_point(|g| g.from < i);
        let ghi = self.groups.partition_point(|g| g.from <= i);
        merged(
            self.edges.get(lo..hi).unwrap_or_default(),
            lo,
            self.groups.get(glo..ghi).unwrap_or_default(),
        )
    }
}

/// `edges` (the first at position `offset` of the graph's list) with each group's edges just
/// before the edge it is listed before.
fn merged<'g>(edges: &'g [Edge], offset: usize, groups: &'g [DependsOnGroup]) -> Merged<'g> {
    let mut groups = groups.iter();
    Merged {
        edges: edges.iter().enumerate().peekable(),
        offset,
        next_group: groups.next(),
        groups,
        current: None,
    }
}

struct Merged<'g> {
    edges: std::iter::Peekable<std::iter::Enumerate<std::slice::Iter<'g, Edge>>>,
    offset: usize,
    groups: std::slice::Iter<'g, DependsOnGroup>,
    next_group: Option<&'g DependsOnGroup>,
    /// The group being spelled out, and how many of its edges were given.
    current: Option<(&'g DependsOnGroup, usize)>,
}

impl<'g> Iterator for Merged<'g> {
    type Item = Cow<'g, Edge>;

    fn next(&mut self) -> Option<Cow<'g, Edge>> {
        loop {
            if let Some((g, k)) = self.current {
                if let Some(e) = g.edge(k) {
                    self.current = Some((g, k + 1));
                    return Some(Cow::Owned(e));
                }
                self.current = None;
            }
            let at = self.edges.peek().map(|(k, _)| self.offset + k);
            if let Some(g) = self.next_group
                && at.is_none_or(|at| g.at <= at)
            {
                self.current = Some((g, 0));
                self.next_group = self.groups.next();
                continue;
            }
            return self.edges.next().map(|(_, e)| Cow::Borrowed(e));
        }
    }
}

/// Keys whose values name resources even when they cannot be evaluated.
fn is_id_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k == "id" || k.ends_with("resourceid") || k.ends_with("resourceuri") || k == "scope"
}

use crate::limits::GRAPH_WALK_DEPTH;

/// `properties.ipConfigurations[0].id`: the edge's path, spelled only for the edges found.
fn spell(path: &[PathSeg<'_>]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            PathSeg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathSeg::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

/// The edges from the ID-valued properties under `v`.
struct IdEdges<'g> {
    g: &'g ResourceGraph,
    from: usize,
    autoscale: bool,
    edges: &'g mut Vec<Edge>,
}

impl IdEdges<'_> {
    fn walk<'v>(&mut self, v: &'v Value, path: &mut Vec<PathSeg<'v>>) {
        if path.len() > GRAPH_WALK_DEPTH {
            return;
        }
        match v {
            Value::Object(o) => {
                for (k, child) in o.iter() {
                    // A nested deployment's parameters and the instance's own identity are not
                    // references.
                    if path.is_empty()
                        && (k.eq_ignore_ascii_case("name") || k.eq_ignore_ascii_case("type"))
                    {
                        continue;
                    }
                    path.push(PathSeg::Key(k));
                    match child {
                        Value::Unknown(u)
                            if is_id_key(k)
                                && u.symbol.as_ref().is_none_or(|s| !looks_like_id(s.text())) =>
                        {
                            self.edges.push(Edge {
                                from: self.from,
                                kind: EdgeKind::Reference,
                                path: spell(path),
                                target: Target::Unknown(u.reason.to_string()),
                            });
                        }
                        _ => self.walk(child, path),
                    }
                    path.pop();
                }
            }
            Value::Array(a) => {
                for (i, child) in a.iter().enumerate() {
                    path.push(PathSeg::Index(i));
                    self.walk(child, path);
                    path.pop();
                }
            }
            Value::String(_) | Value::Unknown(_) => {
                if let Some(text) = id_text(v)
                    && looks_like_id(text)
                    && let Some(parsed) = parse_resource_id_value(v)
                {
                    let path = spell(path);
                    let kind = if self.autoscale
                        && path.eq_ignore_ascii_case("properties.targetResourceUri")
                    {
                        EdgeKind::AutoscaleTarget
                    } else {
                        EdgeKind::Reference
                    };
                    // A resource's reference to itself (its own ID in a property) is not an edge.
                    let target = self.g.resolve_parsed(&parsed, text);
                    if target
                        != (Target::Node {
                            index: self.from,
                            certain: true,
                        })
                    {
                        self.edges.push(Edge {
                            from: self.from,
                            kind,
                            path,
                            target,
                        });
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::functions::parse_resource_id;
    use crate::arm::value::SymbolBuilder;

    fn id(s: &str) -> ParsedResourceId {
        parse_resource_id(s).unwrap()
    }

    /// An ID from known text and unknown expressions (`Err`).
    fn symbolic_id(pieces: &[Result<&str, &str>]) -> ParsedResourceId {
        let mut b = SymbolBuilder::default();
        for p in pieces {
            match p {
                Ok(text) => b.push_known(text),
                Err(expr) => b.push_symbol(&Symbol::expression(expr)),
            }
        }
        parse_resource_id_symbol(&b.finish()).unwrap()
    }

    #[test]
    fn looks_like_id_finds_providers_in_any_case() {
        let naive = |s: &str| s.len() > 12 && s.to_ascii_lowercase().contains("/providers/");
        for s in [
            "",
            "/providers/",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm",
            "/SUBSCRIPTIONS/S/PROVIDERS/MICROSOFT.X/Y/Z",
            "providers/Microsoft.Compute/x/y/z",
            "////providers/x",
            "/a/b/c/d/e/f/g/h/providers",
            "/a/b/c/d/e/f/g/h/providerss/",
            "no slash at all, but long enough",
            "/x/Providers/Microsoft.Network/vnets/v",
        ] {
            assert_eq!(looks_like_id(s), naive(s), "{s:?}");
        }
    }

    #[test]
    fn extensions_of_resources_of_different_types_are_different() {
        // `…/<cluster type>/⟪name⟫/providers/Microsoft.KubernetesConfiguration/extensions/⟪ext⟫`
        let extension = |cluster: &str, ext: Result<&str, &str>| {
            symbolic_id(&[
                Ok("/subscriptions/"),
                Err("subscription().subscriptionId"),
                Ok("/resourceGroups/rg/providers/"),
                Ok(cluster),
                Ok("/"),
                Err("parameters('clusterName')"),
                Ok("/providers/Microsoft.KubernetesConfiguration/extensions/"),
                ext,
            ])
        };
        let managed = "Microsoft.ContainerService/managedClusters";
        let connected = "Microsoft.Kubernetes/connectedClusters";
        let name = Err("parameters('name')");
        assert_eq!(
            same_resource(&extension(managed, name), &extension(connected, name)),
            Some(false)
        );
        assert_eq!(
            same_resource(&extension(managed, name), &extension(managed, name)),
            Some(true)
        );
        // The cluster's type known on one side only: not decided.
        let unknown_type = symbolic_id(&[
            Ok("/subscriptions/s/resourceGroups/rg/providers/"),
            Err("parameters('clusterType')"),
            Ok("/"),
            Err("parameters('clusterName')"),
            Ok("/providers/Microsoft.KubernetesConfiguration/extensions/x"),
        ]);
        assert_eq!(
            same_resource(&extension(managed, Ok("x")), &unknown_type),
            None
        );
    }

    #[test]
    fn same_resource_is_three_valued() {
        let group = |rg: Result<&str, &str>, name: Result<&str, &str>| {
            symbolic_id(&[
                Ok("/subscriptions/"),
                Err("subscription().subscriptionId"),
                Ok("/resourceGroups/"),
                rg,
                Ok("/providers/Microsoft.Compute/capacityReservationGroups/"),
                name,
            ])
        };
        let unresolved_rg = Err("parameters('rg')");
        // Same names and scope, compared case-insensitively.
        assert_eq!(
            same_resource(&group(Ok("rg"), Ok("crg")), &group(Ok("RG"), Ok("CRG"))),
            Some(true)
        );
        // Different names: different, whatever the scope.
        assert_eq!(
            same_resource(
                &group(Ok("rg"), Ok("crg-a")),
                &group(unresolved_rg, Ok("crg-b"))
            ),
            Some(false)
        );
        // Known resource groups that differ.
        assert_eq!(
            same_resource(&group(Ok("rg-a"), Ok("crg")), &group(Ok("rg-b"), Ok("crg"))),
            Some(false)
        );
        // Only an unresolved resource group or name differs: not known.
        assert_eq!(
            same_resource(
                &group(Ok("rg"), Ok("crg")),
                &group(unresolved_rg, Ok("crg"))
            ),
            None
        );
        assert_eq!(
            same_resource(
                &group(Ok("rg"), Ok("crg")),
                &group(Ok("rg"), Err("parameters('n')"))
            ),
            None
        );
        // A known resource group whose text is the unknown one's differs from it only when the
        // unknown does: not known, and not equal.
        assert_eq!(
            same_resource(
                &group(Ok("⟪parameters('rg')⟫"), Ok("crg")),
                &group(unresolved_rg, Ok("crg"))
            ),
            None
        );
        // Two known resource groups that differ, one spelled like an unknown.
        assert_eq!(
            same_resource(
                &group(Ok("⟪parameters('rg')⟫"), Ok("crg")),
                &group(Ok("rg"), Ok("crg"))
            ),
            Some(false)
        );
        // Another type.
        let vm = id(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/crg",
        );
        let crg = id(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/capacityReservationGroups/crg",
        );
        assert_eq!(same_resource(&vm, &crg), Some(false));
    }
}
