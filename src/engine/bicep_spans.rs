//! Maps diagnostics found in lowered Bicep (generated ARM JSON) back to the `.bicep` files the
//! user wrote: every location in the generated file, primary and related, goes through the
//! lowering's span map to the innermost Bicep construct behind it.

use std::sync::Arc;

use crate::arm::bicep::span_map::{BicepFileId, SpanMap};
use crate::diagnostic::{Diagnostic, Location};
use crate::source::{SourceFile, Span};

/// One lowered Bicep template: the generated JSON the engine evaluated, the map back, and the
/// Bicep sources by [`BicepFileId`] (index 0 is the entry file).
#[derive(Debug, Clone)]
pub struct LoweredSources {
    pub generated: Arc<SourceFile>,
    pub map: SpanMap,
    pub files: Vec<Arc<SourceFile>>,
}

impl LoweredSources {
    fn bicep_file(&self, id: BicepFileId) -> Option<&Arc<SourceFile>> {
        self.files.get(usize::try_from(id.0).ok()?)
    }

    /// `location` in Bicep terms. A location outside every mapped range (the lowering records
    /// every value it writes, so only the template's outer braces qualify) goes to the start of
    /// the entry file rather than into generated text the user never sees.
    fn map_location(&self, location: &mut Location) {
        if !Arc::ptr_eq(&location.file, &self.generated) {
            return;
        }
        let mapped = self
            .map
            .lookup(location.span)
            .and_then(|origin| Some((self.bicep_file(origin.file)?, origin.span)));
        match mapped {
            Some((file, span)) => {
                location.file = Arc::clone(file);
                location.span = span;
            }
            None => {
                if let Some(entry) = self.files.first() {
                    location.file = Arc::clone(entry);
                    location.span = Span::new(0, 0);
                }
            }
        }
    }

    /// The Bicep file and span behind `span` of the generated text (the entry file's start when
    /// nothing recorded covers it).
    pub fn locate(&self, span: Span) -> Option<(Arc<SourceFile>, Span)> {
        let mut location = Location {
            file: Arc::clone(&self.generated),
            span,
            pointer: String::new(),
        };
        self.map_location(&mut location);
        (!Arc::ptr_eq(&location.file, &self.generated)).then_some((location.file, location.span))
    }

    /// Rewrites every location of `diagnostic` that points into the generated text.
    pub fn map_back(&self, diagnostic: &mut Diagnostic) {
        self.map_location(&mut diagnostic.location);
        for related in &mut diagnostic.related {
            self.map_location(&mut related.location);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::bicep::span_map::BicepSpan;
    use crate::diagnostic::{Related, Severity};

    fn location(file: &Arc<SourceFile>, start: usize, end: usize) -> Location {
        Location {
            file: Arc::clone(file),
            span: Span::new(start, end),
            pointer: "/resources/0".into(),
        }
    }

    #[test]
    fn primary_and_related_locations_land_in_their_bicep_files() {
        let generated = Arc::new(SourceFile::new("main.json", "x".repeat(200)));
        let main = Arc::new(SourceFile::new("main.bicep", "resource vm ...".to_string()));
        let module = Arc::new(SourceFile::new(
            "mod.bicep",
            "resource other ...".to_string(),
        ));
        let other = Arc::new(SourceFile::new("other.json", "{}".to_string()));
        let mut map = SpanMap::new();
        let main_id = map.file_id("main.bicep".into());
        let module_id = map.file_id("mod.bicep".into());
        map.record(
            Span::new(10, 50),
            BicepSpan {
                file: main_id,
                span: Span::new(0, 11),
            },
        );
        map.record(
            Span::new(100, 150),
            BicepSpan {
                file: module_id,
                span: Span::new(0, 14),
            },
        );
        let lowered = LoweredSources {
            generated: Arc::clone(&generated),
            map,
            files: vec![Arc::clone(&main), Arc::clone(&module)],
        };
        let mut diagnostic = Diagnostic {
            rule: "CRG001",
            name: "flex-vm-missing-crg",
            severity: Severity::Error,
            message: "m".into(),
            help: None,
            location: location(&generated, 12, 20),
            resource: None,
            related: vec![
                Related {
                    location: location(&generated, 110, 120),
                    message: "r".into(),
                },
                Related {
                    location: location(&other, 0, 2),
                    message: "untouched".into(),
                },
                Related {
                    location: location(&generated, 0, 1),
                    message: "unmapped".into(),
                },
            ],
            parameters: None,
        };
        lowered.map_back(&mut diagnostic);
        assert!(Arc::ptr_eq(&diagnostic.location.file, &main));
        assert_eq!(diagnostic.location.span, Span::new(0, 11));
        let related: Vec<(String, Span)> = diagnostic
            .related
            .iter()
            .map(|r| (r.location.file.display_path(), r.location.span))
            .collect();
        assert_eq!(
            related,
            vec![
                ("mod.bicep".to_string(), Span::new(0, 14)),
                ("other.json".to_string(), Span::new(0, 2)),
                ("main.bicep".to_string(), Span::new(0, 0)),
            ]
        );
    }
}
