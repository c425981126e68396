use super::FunctionDef;

pub const FUNCTIONS: &[FunctionDef] = &[];

/// `uniqueString(...)`: placeholder until implemented.
pub fn unique_string(_parts: &[&str]) -> String {
    String::new()
}

/// `guid(...)`: placeholder until implemented.
pub fn guid(_parts: &[&str]) -> String {
    String::new()
}
