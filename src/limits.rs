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

/// Nesting of a Bicep file's expressions, types, objects and arrays; the Bicep parser recurses
/// on it (a few frames per level), so hostile input must not overflow a test thread's 2 MiB
/// stack. Real templates nest objects about 15 deep.
pub const BICEP_DEPTH: usize = 64;

/// Bytes a Bicep `load*()` function (`loadTextContent`, `loadJsonContent`, `loadFileAsBase64`, …)
/// may read: the compiler's own limits are 131,072 characters of text and 96 KB of binary, and
/// its JSON limit is about 1 MB; this is the same order, so real templates load what the
/// compiler loads and a hostile path (a device, a huge file) cannot exhaust memory.
pub const BICEP_LOADED_FILE_BYTES: usize = 4 << 20;

/// Steps spent following one Bicep declaration's references through variables and `existing`
/// resources to the `dependsOn` it gets. The compiler enumerates every path; indexed references
/// to `existing` loops can multiply them, so hostile input is cut off with an error instead of
/// hanging. Real files take a few hundred steps at most.
pub const BICEP_DEPENDENCY_STEPS: usize = 100_000;

/// Module files lowered for one `.bicep` file, counting each use (a module used twice is
/// lowered twice, as the compiler inlines it twice). Nesting is bounded by
/// `DEPLOYMENT_NESTING`, but ten modules each using ten others would still be 10^16; the
/// conformance corpus (all AVM patterns) stays under it.
pub const BICEP_MODULE_LOWERINGS: usize = 2_000;

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

/// Bytes of an unknown's symbol. A longer one is dropped (the unknown is then anonymous: it equals
/// nothing), since it would be copied into every symbol built from it.
pub const SYMBOL_BYTES: usize = 64 << 10;

/// Elements a function compares pairwise (quadratic in the length).
pub const PAIRWISE: usize = 10_000;

/// Nesting of arrays and objects in one value. Enforced when a value is built (a deeper one is an
/// unknown), so every walk of a value (serialisation, equality, conversion, drop) recurses at most
/// this deep: a dozen chained `reduce(…, createArray(acc))` overflowed the stack. Templates nest
/// below 40; the JSON readers stop at 200 (fast path) and 512 (jsonc-parser).
pub const VALUE_DEPTH: usize = 256;

/// Logical nodes of a value (shared children counted each time they occur) that one comparison,
/// search or conversion may walk. Values share children, so `v = createArray(v, v)` forty times is
/// a few hundred bytes standing for 2^40 nodes; a walk over more than this is refused (unknown,
/// limit) instead of never returning. A 1 MB template's largest value has at most about 2 x 10^5
/// nodes; the rules' selectors copy a body of this many nodes into about 350 MB.
pub const VALUE_WALK_NODES: u64 = 1 << 20;

/// Work of one pairwise function (`union`, `intersection` of arrays): elements times the logical
/// nodes compared, so that 10,000 elements of a large value do not compare for minutes.
pub const PAIRWISE_WORK: u64 = 1 << 26;

/// Cells (one array element or object member, or 32 bytes of string) that the functions of one
/// template evaluation may build in total, counted as they are built. A 432-byte template of
/// nested `map`/`range` built 10.8 GB before this was counted; a cell is about 32 bytes of memory,
/// so this caps what one file's evaluation builds at about 150 MB. The most demanding template of
/// the JSON and Bicep corpora builds 11,173 cells (375 times fewer). Values shared rather than
/// built (a variable read again) are not counted again.
pub const EVAL_CELLS: u64 = 4 << 20;

/// Bytes of one string cell for [`EVAL_CELLS`].
pub const CELL_BYTES: usize = 32;

// ---------------------------------------------------------------------------------------------
// Walking evaluated values and the graph.

/// Depth of the walk that finds resource IDs in evaluated properties.
pub const GRAPH_WALK_DEPTH: usize = 64;

/// Extension scopes compared as IDs (an extension of an extension of …): real IDs nest two or
/// three deep; past this the scopes compare as text.
pub const SCOPE_COMPARE_DEPTH: usize = 16;

/// Depth of a declarative rule's selector walk; deeper values count as unknown.
pub const SELECTOR_DEPTH: usize = 128;

/// Nodes (counted with repeats) a selector may find in one resource. Each descendant segment
/// after the first multiplies the nodes found (`$..*..*..*..*` over 100 nested objects finds
/// millions); beyond the limit the selection is unknown instead. Real rules find a few dozen.
pub const SELECTOR_NODES: u64 = 100_000;

// ---------------------------------------------------------------------------------------------
// The language server's transport.

/// Bytes of one LSP message body (`Content-Length`). Azure refuses templates over 4 MiB, and JSON
/// escaping can make a text up to six times longer (`\u0000`), so a whole-document `didOpen` or
/// `didChange` of any deployable template fits with room to spare; a larger frame is refused
/// before anything is allocated for it.
pub const LSP_FRAME_BYTES: u64 = 64 << 20;

/// Bytes of one message's header block (`Content-Length`, `Content-Type`). Real headers are
/// under 100 bytes; a header line that never ends must not be buffered without bound.
pub const LSP_HEADER_BYTES: u64 = 8 << 10;

/// Rule files the language server stats under the rules directories, each time it checks
/// whether a workspace's rules changed (before each lint). Real policy directories hold tens.
pub const LSP_WATCHED_RULE_FILES: usize = 10_000;

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

// ---------------------------------------------------------------------------------------------
// Reading files.

/// Bytes read from one input file or stdin. Spans are `u32`, so the limit must stay far below
/// 4 GiB; the largest templates in the corpus are about 2 MiB, and Azure rejects a template over
/// 4 MiB, so 64 MiB leaves room for generated parameter files while bounding `lint /dev/zero` or an
/// endless stdin.
pub const FILE_BYTES: usize = 64 << 20;

/// Bytes at the start of a file searched for a deployment schema URL when its `$schema` key
/// cannot be found as written (an escaped or broken key). Every template in the corpus names its
/// schema in the first 200 bytes.
pub const SNIFF_HEAD_BYTES: usize = 4096;

/// Nesting of a configuration file's YAML (`.armlint.yaml`); real configurations nest below 6,
/// and the YAML parser's work grows with the square of the depth.
pub const CONFIG_DEPTH: usize = 64;

// ---------------------------------------------------------------------------------------------
// Reporting.

/// Related locations drawn under one finding. miette lays out each snippet against every label of
/// its report, so the cost grows with the square of the labels: a finding about 13,000 VMs took
/// 20 s to print. A reader takes in the first few; the machine formats carry them all.
pub const DRAWN_RELATED: usize = 24;
