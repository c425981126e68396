//! The Bicep syntax tree. Every node carries the byte [`Span`] of the text it came from, so the
//! lowering can point a diagnostic at Bicep source. The tree is purely syntactic: names are not
//! resolved, types are not checked and integer literals keep their text (an out-of-range number
//! is the lowering's concern, not the parser's).

use crate::source::Span;

/// One parsed `.bicep` or `.bicepparam` file. `errors` is empty for a file the Bicep compiler's
/// parser accepts; a file with errors still has every statement that could be recovered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BicepFile {
    pub statements: Vec<Statement>,
    /// Every `//` and `/* */` comment and `#disable-…` pragma, in source order (suppressions
    /// read them).
    pub comments: Vec<Comment>,
    pub errors: Vec<SyntaxError>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentKind {
    /// `// …` (the span excludes the line break).
    Line,
    /// `/* … */`
    Block,
    /// `#disable-next-line code…` or `#disable-diagnostics code…` (a whole line).
    Pragma,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
    pub kind: CommentKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// `@name(args)` or `@ns.name(args)`; `expr` is the call expression after the `@`
/// ([`ExprKind::Call`], with `target` set for `@sys.description(…)`).
#[derive(Clone, Debug, PartialEq)]
pub struct Decorator {
    pub span: Span,
    pub expr: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// From the first decorator (if any) to the end of the statement.
    pub span: Span,
    pub decorators: Vec<Decorator>,
    pub kind: StatementKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StatementKind {
    /// `targetScope = expr`
    TargetScope(Expr),
    /// `metadata name = expr`
    Metadata {
        name: Ident,
        value: Expr,
    },
    /// `param name type [= default]`; in `.bicepparam`, `param name = value` (no type).
    Param {
        name: Ident,
        ty: Option<TypeExpr>,
        value: Option<Expr>,
    },
    /// `var name [type] = expr`
    Var {
        name: Ident,
        ty: Option<TypeExpr>,
        value: Expr,
    },
    /// `output name type = expr` or `output name resource 'type@version' = expr`
    Output {
        name: Ident,
        ty: OutputType,
        value: Expr,
    },
    /// `resource name 'type@version' [existing] = body`; `body` is an object,
    /// [`ExprKind::If`] or [`ExprKind::For`] (whose body is an object or an `If`).
    Resource {
        name: Ident,
        type_name: StringLit,
        existing: bool,
        body: Expr,
    },
    /// `module name 'path' = body`; `path` is a local path or `br:…`, `br/alias:…`, `ts:…`.
    Module {
        name: Ident,
        path: StringLit,
        body: Expr,
    },
    /// `test name 'path' = body` (the test framework's statement).
    Test {
        name: Ident,
        path: StringLit,
        body: Expr,
    },
    /// `type name = type`
    Type {
        name: Ident,
        ty: TypeExpr,
    },
    /// `func name(a string, b int) result => body`
    Func {
        name: Ident,
        params: Vec<FuncParam>,
        result: TypeExpr,
        body: Expr,
    },
    Import(Import),
    /// `extension name`, `extension 'br:…' with {…} as alias`, or the older keyword `provider`.
    Extension(Extension),
    /// `assert name = expr`
    Assert {
        name: Ident,
        value: Expr,
    },
    /// `.bicepparam`: `using 'path' [with {…}]` (`path` is `None` for `using none`).
    Using {
        path: Option<StringLit>,
        config: Option<Expr>,
    },
    /// `.bicepparam`: `extensionConfig alias with {…}`
    ExtensionConfig {
        name: Ident,
        config: Expr,
    },
    /// `.bicepparam`: `extends 'path'`
    Extends {
        path: StringLit,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum OutputType {
    Type(TypeExpr),
    /// `output x resource 'type@version' = …`
    Resource(StringLit),
}

#[derive(Clone, Debug, PartialEq)]
pub struct FuncParam {
    pub span: Span,
    pub name: Ident,
    pub ty: TypeExpr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    pub kind: ImportKind,
    /// `from '…'` (absent for the old `import 'az@1.0.0'` form).
    pub from: Option<StringLit>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ImportKind {
    /// `import {a, b as c} from '…'`
    Items(Vec<ImportItem>),
    /// `import * as ns from '…'`
    Wildcard { alias: Ident },
    /// The old provider import: `import 'az@1.0.0' [with {…}] [as alias]` or `import az as x`.
    Provider(Extension),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImportItem {
    pub span: Span,
    /// The exported name (an identifier, or the decoded text of a quoted name).
    pub name: Ident,
    pub alias: Option<Ident>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Extension {
    pub keyword: ExtensionKeyword,
    pub spec: ExtensionSpec,
    /// `with { … }`
    pub config: Option<Expr>,
    /// `as alias`
    pub alias: Option<Ident>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtensionKeyword {
    Extension,
    Provider,
    Import,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExtensionSpec {
    /// `extension microsoftGraph`
    Name(Ident),
    /// `extension 'br:…@1.0.0'`
    String(StringLit),
}

/// A string literal: decoded text pieces and `${…}` expressions in order. A `'''` multi-line
/// string is one text piece.
#[derive(Clone, Debug, PartialEq)]
pub struct StringLit {
    pub span: Span,
    pub parts: Vec<StringPart>,
    pub multiline: bool,
}

impl StringLit {
    /// The text when the string has no interpolation.
    pub fn as_plain(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                StringPart::Text { text, .. } => out.push_str(text),
                StringPart::Expr(_) => return None,
            }
        }
        Some(out)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum StringPart {
    /// Decoded text (escapes applied); `span` covers its source text.
    Text { text: String, span: Span },
    /// A `${…}` expression.
    Expr(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub span: Span,
    pub kind: ExprKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `!`
    Not,
    /// `-`
    Minus,
    /// `^` in an index: `a[^1]` is the last item.
    FromEnd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Mul,
    Div,
    Mod,
    Add,
    Sub,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    /// `==`
    Eq,
    /// `!=`
    NotEq,
    /// `=~` (case-insensitive equals)
    EqI,
    /// `!~`
    NotEqI,
    And,
    Or,
    /// `??`
    Coalesce,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// The digits as written (no sign: `-1` is `Unary(Minus, Int("1"))`).
    Int(String),
    Bool(bool),
    Null,
    String(StringLit),
    Ident(Ident),
    /// `base.name`, or `base.?name` when `safe`.
    Property {
        base: Box<Expr>,
        name: Ident,
        safe: bool,
    },
    /// `base::name`: the nested resource `name` of the resource symbol `base`.
    ChildResource {
        base: Box<Expr>,
        name: Ident,
    },
    /// `base[index]`, or `base[?index]` when `safe`.
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
        safe: bool,
    },
    /// `name(args)`, or `target.name(args)` (a namespace function such as `sys.concat(…)` or a
    /// method such as `storage.listKeys()`).
    Call {
        target: Option<Box<Expr>>,
        name: Ident,
        args: Vec<Expr>,
    },
    /// Postfix `expr!` (non-null assertion).
    NonNull(Box<Expr>),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `condition ? then : otherwise`
    Ternary {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// `x => body`, `(a, b) => body`, `() => body`
    Lambda {
        params: Vec<LambdaParam>,
        body: Box<Expr>,
    },
    Object(Vec<ObjectItem>),
    Array(Vec<ArrayItem>),
    /// `( expr )`
    Paren(Box<Expr>),
    /// `[for variable in iterable: body]`
    For(Box<ForExpr>),
    /// `if (condition) body` — a resource or module body, or the body of a `for` over them.
    If {
        condition: Box<Expr>,
        body: Box<Expr>,
    },
    /// Where an expression was expected but a syntax error was recorded instead.
    Missing,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LambdaParam {
    pub name: Ident,
    /// Typed lambda parameters (`(a string) => …`) appear in `func` declarations' style.
    pub ty: Option<TypeExpr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ForExpr {
    pub variable: ForVariable,
    pub iterable: Expr,
    pub body: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ForVariable {
    /// `for item in …`
    Item(Ident),
    /// `for (item, index) in …`
    ItemIndex { item: Ident, index: Ident },
}

#[derive(Clone, Debug, PartialEq)]
pub enum ObjectKey {
    Ident(Ident),
    /// A quoted key, possibly interpolated: `'${prefix}-name': …`.
    String(StringLit),
}

impl ObjectKey {
    pub fn span(&self) -> Span {
        match self {
            ObjectKey::Ident(i) => i.span,
            ObjectKey::String(s) => s.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ObjectItem {
    Property {
        span: Span,
        /// Decorators on an object property (allowed by Bicep only in some places, kept as found).
        decorators: Vec<Decorator>,
        key: ObjectKey,
        value: Expr,
    },
    /// `...expr`
    Spread { span: Span, value: Expr },
    /// A child resource declared inside a resource body.
    Resource(Box<Statement>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ArrayItem {
    Value(Expr),
    /// `...expr`
    Spread {
        span: Span,
        value: Expr,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub span: Span,
    pub kind: TypeKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    /// `string`, `int`, `myType`, …
    Name(Ident),
    /// `base.name`: a qualified name (`sys.string`, `ns.Type`) or a property access on a type
    /// (`T.prop`); the parser cannot tell them apart.
    Property { base: Box<TypeExpr>, name: Ident },
    /// `T.*`: the type of an object type's additional properties.
    AdditionalProperties(Box<TypeExpr>),
    /// `T[*]` (additional properties / array items): `index` is `None`; `T[0]`: `Some`.
    Index {
        base: Box<TypeExpr>,
        index: Option<Expr>,
    },
    /// A literal type: string, integer (possibly negative, `Unary(Minus, …)`), `true`, `false`,
    /// `null`.
    Literal(Expr),
    /// `a | b | c`
    Union(Vec<TypeExpr>),
    /// `T[]`
    Array(Box<TypeExpr>),
    /// `[T1, T2]`
    Tuple(Vec<TupleItem>),
    /// `{ a: T, b?: T, *: T }`
    Object(Vec<TypeProperty>),
    /// `T?`
    Nullable(Box<TypeExpr>),
    /// `T!` (the type without `null`)
    NonNullable(Box<TypeExpr>),
    /// `resource<'type@version'>`, `resourceInput<'…'>`, `resourceOutput<'…'>` (args as types).
    Parameterized { name: Ident, args: Vec<TypeExpr> },
    /// `( T )`
    Paren(Box<TypeExpr>),
    /// Where a type was expected but a syntax error was recorded instead.
    Missing,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TupleItem {
    pub span: Span,
    pub decorators: Vec<Decorator>,
    pub ty: TypeExpr,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypePropertyKey {
    Key(ObjectKey),
    /// `*` (additional properties)
    Wildcard(Span),
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeProperty {
    pub span: Span,
    pub decorators: Vec<Decorator>,
    pub key: TypePropertyKey,
    /// `name?: T`
    pub optional: bool,
    pub ty: TypeExpr,
}
