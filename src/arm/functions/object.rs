use super::FunctionDef;

pub const FUNCTIONS: &[FunctionDef] = &[];
