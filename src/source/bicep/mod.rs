//! The Bicep front end's parser: `.bicep` and `.bicepparam` text to a syntax tree
//! ([`syntax::BicepFile`]). It knows nothing of ARM; the lowering does.

pub mod syntax;
