//! What a rule sees (the expanded template's graph and the source) and what it reports.

use std::cell::OnceCell;
use std::sync::Arc;

use crate::arm::graph::ResourceGraph;
use crate::arm::template::ResourceInstance;
use crate::capacity::instance_view::InstanceView;
use crate::capacity::model::{CapacityAssumptions, CapacityModel};
use crate::diagnostic::Severity;
use crate::source::SourceFile;
use crate::source::json::JsonValue;

pub struct RuleContext<'a> {
    pub graph: &'a ResourceGraph,
    pub file: &'a Arc<SourceFile>,
    pub root: &'a JsonValue<'a>,
    /// The capacity model, built on first use and shared by the capacity rules.
    capacity: OnceCell<CapacityModel>,
    /// Live instance views of capacity reservation groups (`--instance-view`).
    views: &'a [InstanceView],
    assumptions: CapacityAssumptions,
    /// Each instance's body as the declarative rules' selectors see it, made on first use and
    /// shared by those rules.
    documents: OnceCell<Vec<OnceCell<crate::rules::declarative::selector::Document>>>,
}

/// A rule's finding before it becomes a [`Diagnostic`](crate::diagnostic::Diagnostic): positions are
/// JSON pointers, resolved to spans by the engine.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The instance the finding is about (its declaration is the diagnostic's `resource`).
    pub instance: usize,
    /// Pointer of the primary location (a property inside the declaration, or the declaration).
    pub pointer: String,
    pub message: String,
    pub help: Option<String>,
    pub related: Vec<RelatedFinding>,
    /// For rules whose severity depends on the case (CRG011: error for Block groups, note for
    /// zero-size reservations); `None` is the rule's own severity.
    pub severity: Option<Severity>,
}

#[derive(Clone, Debug)]
pub struct RelatedFinding {
    pub pointer: String,
    pub message: String,
}

impl<'a> RuleContext<'a> {
    pub fn new(
        graph: &'a ResourceGraph,
        file: &'a Arc<SourceFile>,
        root: &'a JsonValue<'a>,
    ) -> Self {
        RuleContext {
            graph,
            file,
            root,
            capacity: OnceCell::new(),
            views: &[],
            assumptions: CapacityAssumptions::default(),
            documents: OnceCell::new(),
        }
    }

    /// The same, with live instance views for the capacity model.
    pub fn with_views(mut self, views: &'a [InstanceView]) -> Self {
        self.views = views;
        self
    }

    /// The same, under other assumptions about groups declared in the files.
    pub fn with_assumptions(mut self, assumptions: CapacityAssumptions) -> Self {
        self.assumptions = assumptions;
        self
    }

    pub fn capacity(&self) -> &CapacityModel {
        self.capacity
            .get_or_init(|| CapacityModel::build_assuming(self.graph, self.views, self.assumptions))
    }

    /// Instance `i`'s body as a selector document.
    pub(crate) fn document(
        &self,
        i: usize,
    ) -> Option<&crate::rules::declarative::selector::Document> {
        let inst = self.instance(i)?;
        let docs = self.documents.get_or_init(|| {
            (0..self.graph.instances().len())
                .map(|_| OnceCell::new())
                .collect()
        });
        Some(
            docs.get(i)?
                .get_or_init(|| crate::rules::declarative::selector::Document::new(&inst.body)),
        )
    }

    /// The text of the JSON string at a pointer, as written (an expression keeps its brackets).
    pub fn source_text(&self, pointer: &str) -> Option<String> {
        match crate::source::json::lookup_pointer(self.root, pointer)? {
            JsonValue::StringLit(s) => Some(s.value.to_string()),
            _ => None,
        }
    }
    pub fn instance(&self, i: usize) -> Option<&ResourceInstance> {
        self.graph.instances().get(i)
    }

    /// Pointer of an instance's declaration.
    pub fn decl_pointer(&self, i: usize) -> String {
        self.graph.declaration_pointer(i)
    }

    /// Pointer of a property of an instance's declaration (`properties.virtualMachineScaleSet`);
    /// the engine falls back to the nearest existing ancestor when the path was built by evaluation.
    pub fn property_pointer(&self, i: usize, dotted: &str) -> String {
        let mut p = self.decl_pointer(i);
        for seg in dotted.split('.') {
            p.push('/');
            p.push_str(&crate::source::json::pointer_token(seg));
        }
        p
    }

    /// A readable name for an instance: its evaluated name, else the declaration's text.
    pub fn display_name(&self, i: usize) -> String {
        self.graph.display_name(i)
    }
}
