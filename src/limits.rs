//! Every limit armlint puts on its own work, and the limits of Azure it enforces, in one place.
//!
//! Input is hostile until proven otherwise: a template, parameter file, configuration or editor
//! message may be written to exhaust time, memory or stack. Each limit below bounds one of them; a
//! limit of armlint's own is set far above what real templates need (the corpus figures are given
//! where they were measured), and reaching it is reported (`evaluation-limit`), never a crash, a
//! hang or a silently wrong answer. This module imports nothing, so every stage of the pipeline may
//! read it.

// ---------------------------------------------------------------------------------------------
// Reading text.

/// JSON nesting handled by the fast parser; deeper documents are left to jsonc-parser (which
/// limits them at 512 open ranges). Real templates nest below 40.
pub const JSON_FAST_DEPTH: usize = 200;

/// Nesting of an expression's calls, brackets and member accesses; the parser recurses on it, so
/// hostile input must not overflow the stack.
pub const EXPRESSION_DEPTH: usize = 128;

// ---------------------------------------------------------------------------------------------
// Evaluating one template under one parameter set.

/// Function calls (lambda bodies included) evaluated per template and parameter set before
/// evaluation stops. The largest templates in the corpus need about 10^5.
pub const EVAL_CALLS: u64 = 2_000_000;

/// Nested evaluations of variables, parameter defaults, user functions and deployments (each
/// refers to the next). Real templates stay below 20.
pub const EVAL_NESTING: u32 = 48;

/// Nested lambda / user-function evaluation inside one expression, which recursion in a template
/// could exhaust.
pub const LAMBDA_DEPTH: usize = 64;

/// Resource instances per template before expansion stops.
pub const INSTANCES: usize = 50_000;

/// Nested deployment depth.
pub const DEPLOYMENT_NESTING: usize = 16;

/// Bytes of one string a function builds; nested string functions could otherwise grow without
/// bound.
pub const STRING_BYTES: usize = 4 << 20;

/// Elements of one array a function builds (concatenation and flattening could otherwise grow
/// without bound).
pub const ARRAY_LEN: usize = 1_000_000;

/// Elements a function compares pairwise (quadratic in the length).
pub const PAIRWISE: usize = 10_000;

// ---------------------------------------------------------------------------------------------
// Walking evaluated values and the graph.

/// Depth of the walk that finds resource IDs in evaluated properties.
pub const GRAPH_WALK_DEPTH: usize = 64;

/// Depth of a declarative rule's selector walk; deeper values count as unknown.
pub const SELECTOR_DEPTH: usize = 128;

/// Nodes (counted with repeats) a selector may find in one resource. Each descendant segment
/// after the first multiplies the nodes found (`$..*..*..*..*` over 100 nested objects finds
/// millions); beyond the limit the selection is unknown instead. Real rules find a few dozen.
pub const SELECTOR_NODES: u64 = 100_000;

// ---------------------------------------------------------------------------------------------
// Azure's own limits, enforced as Azure enforces them.

/// Azure's limit on copy loop counts.
pub const AZURE_COPY_COUNT: i64 = 800;

/// Azure's documented limit on `range()` counts.
pub const AZURE_RANGE_COUNT: i64 = 10_000;

/// ARM's template literal limit (characters), enforced by functions that pad or hash.
pub const AZURE_LITERAL_CHARS: usize = 131_072;

/// .NET's limit on composite format indexes and alignments (`format()`).
pub const DOTNET_FORMAT_INDEX: i64 = 1_000_000;
