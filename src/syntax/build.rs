//! pest pairs → AST. Precedence and associativity live in [`pratt`].

use pest::iterators::Pair;

use super::Rule;
use super::pratt::{self, Piece, Postfix};
use crate::ast::{
    Aggregate, BinaryOp, Classify, Expr, ExprKind, FieldDecl, Ident, Item, Let, Quantifier, Row,
    Schema, TypeExpr, UnaryOp,
};
use crate::diagnostic::{Code, Diagnostic};
use crate::semantics::time;
use crate::source::{FileId, Span, Spanned};

/// Turns pairs of one item into AST nodes; `offset` is where the item starts in its file.
pub(super) struct Builder {
    file: FileId,
    offset: usize,
    /// For every byte offset of the item, where the content before it ends (see
    /// [`content_ends`]).
    content_ends: Vec<u32>,
}

type Built<T> = Result<T, Diagnostic>;

impl Builder {
    /// A builder for the item `chunk`, which starts at `offset` in `file`.
    pub fn new(file: FileId, offset: usize, chunk: &str) -> Builder {
        Builder {
            file,
            offset,
            content_ends: content_ends(chunk),
        }
    }

    /// The pair's span without the whitespace and comments pest lets a rule end with.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        let end = self
            .content_ends
            .get(s.end())
            .map_or(s.end(), |&e| e as usize)
            .max(s.start());
        Span::new(self.file, self.offset + s.start(), self.offset + end)
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Spanned::new(pair.as_str().to_string(), self.span(&pair))
    }

    /// One top-level item.
    pub fn item(&self, pair: Pair<'_, Rule>) -> Built<Item> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner().filter(|p| !is_keyword(p.as_rule()));
        let mut next = || inner.next().ok_or_else(|| internal(span));
        match rule {
            Rule::schema_item => {
                let name = self.ident(next()?);
                let fields = self.record_fields(next()?)?;
                Ok(Item::Schema(Schema { name, fields, span }))
            }
            Rule::let_item => {
                let name = self.ident(next()?);
                let value = self.expr(next()?)?;
                Ok(Item::Let(Let { name, value, span }))
            }
            Rule::classify_item => {
                let name = self.ident(next()?);
                let mut guard = None;
                let mut rows = Vec::new();
                let mut otherwise = None;
                for part in inner {
                    match part.as_rule() {
                        Rule::guard => guard = Some(self.expr(self.only_child(part)?)?),
                        Rule::classify_row => rows.push(self.row(part)?),
                        Rule::otherwise_row => otherwise = Some(self.ident(self.only_child(part)?)),
                        _ => return Err(internal(self.span(&part))),
                    }
                }
                Ok(Item::Classify(Classify {
                    name,
                    guard,
                    rows,
                    otherwise,
                    span,
                }))
            }
            _ => Err(internal(span)),
        }
    }

    /// The single non-keyword child of a pair.
    fn only_child<'i>(&self, pair: Pair<'i, Rule>) -> Built<Pair<'i, Rule>> {
        let span = self.span(&pair);
        pair.into_inner()
            .find(|p| !is_keyword(p.as_rule()))
            .ok_or_else(|| internal(span))
    }

    fn row(&self, pair: Pair<'_, Rule>) -> Built<Row> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().filter(|p| !is_keyword(p.as_rule()));
        let value = self.ident(inner.next().ok_or_else(|| internal(span))?);
        let cond = self.expr(inner.next().ok_or_else(|| internal(span))?)?;
        Ok(Row { value, cond, span })
    }

    fn record_fields(&self, pair: Pair<'_, Rule>) -> Built<Vec<FieldDecl>> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::field_decl)
            .map(|f| self.field_decl(f))
            .collect()
    }

    fn field_decl(&self, pair: Pair<'_, Rule>) -> Built<FieldDecl> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().filter(|p| !is_keyword(p.as_rule()));
        let name = self.ident(inner.next().ok_or_else(|| internal(span))?);
        let ty = self.type_expr(inner.next().ok_or_else(|| internal(span))?)?;
        let optional = inner
            .next()
            .is_some_and(|p| p.as_rule() == Rule::optional_mark);
        Ok(FieldDecl {
            name,
            ty,
            optional,
            span,
        })
    }

    fn type_expr(&self, pair: Pair<'_, Rule>) -> Built<TypeExpr> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::named_type => Ok(TypeExpr::Named(self.ident(self.only_child(pair)?))),
            Rule::record_type => Ok(TypeExpr::Record(self.record_fields(pair)?, span)),
            Rule::list_type => Ok(TypeExpr::ListOf(
                Box::new(self.type_expr(self.only_child(pair)?)?),
                span,
            )),
            Rule::one_of_type => {
                let values = pair
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::string)
                    .map(|p| Ok(Spanned::new(self.string(&p)?, self.span(&p))))
                    .collect::<Built<Vec<_>>>()?;
                Ok(TypeExpr::OneOf(values, span))
            }
            _ => Err(internal(span)),
        }
    }

    /// An expression, folded by precedence ([`pratt`]).
    pub fn expr(&self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        let mut pieces = Vec::new();
        for part in pair.into_inner() {
            let rule = part.as_rule();
            let op_span = self.span(&part);
            pieces.push(match rule {
                Rule::op_not => Piece::Prefix(UnaryOp::Not, op_span),
                Rule::op_neg => Piece::Prefix(UnaryOp::Neg, op_span),
                Rule::field_access => {
                    let name = self.ident(self.only_child(part)?);
                    Piece::Postfix(Postfix::Field(name), op_span)
                }
                Rule::is_missing => Piece::Postfix(Postfix::Presence(false), op_span),
                Rule::is_present => Piece::Postfix(Postfix::Presence(true), op_span),
                _ => match binary_op(rule) {
                    Some(op) => Piece::Infix(op),
                    None => Piece::Operand(self.primary(part)?),
                },
            });
        }
        pratt::fold(pieces, span)
    }

    fn primary(&self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::paren => {
                // keep the parentheses' span so diagnostics underline what was written
                let inner = self.expr(self.only_child(pair)?)?;
                return Ok(Spanned::new(inner.node, span));
            }
            Rule::kw_true => ExprKind::Bool(true),
            Rule::kw_false => ExprKind::Bool(false),
            Rule::kw_now => ExprKind::Now,
            Rule::ident => ExprKind::Name(pair.as_str().to_string()),
            Rule::number => ExprKind::Number(self.number(&pair)?),
            Rule::string => ExprKind::String(self.string(&pair)?),
            Rule::date_lit => ExprKind::Date(pair.as_str().parse().map_err(|e| {
                invalid_literal(span, format!("`{}` is not a valid date", pair.as_str()), e)
            })?),
            Rule::datetime_lit => {
                ExprKind::DateTime(time::parse_written(pair.as_str()).map_err(|e| {
                    let message = format!("`{}` is not a valid datetime", pair.as_str());
                    if time::civil_part_is_valid(pair.as_str()) {
                        Diagnostic::new(Code::InvalidLiteral, span, message)
                            .with_label("outside the datetimes that can be represented")
                            .with_help("datetimes run from the year -9999 to 9999-12-30")
                    } else {
                        invalid_literal(span, message, e)
                    }
                })?)
            }
            Rule::duration_lit => {
                let mut inner = pair.into_inner();
                let amount_pair = inner.next().ok_or_else(|| internal(span))?;
                let amount = self.number(&amount_pair)?;
                let unit = inner.next().ok_or_else(|| internal(span))?;
                ExprKind::Duration(time::duration_of(amount, unit.as_str()).ok_or_else(|| {
                    Diagnostic::new(
                        Code::InvalidLiteral,
                        span,
                        format!("duration `{}` is out of range", amount_pair.as_str()),
                    )
                    .with_label("too long")
                })?)
            }
            Rule::list_lit => ExprKind::List(
                pair.into_inner()
                    .filter(|p| p.as_rule() == Rule::expr)
                    .map(|p| self.expr(p))
                    .collect::<Built<_>>()?,
            ),
            Rule::quantifier => {
                let mut inner = pair.into_inner();
                let kind = match inner.next().map(|p| p.as_rule()) {
                    Some(Rule::kw_all) => Quantifier::All,
                    _ => Quantifier::Any,
                };
                let mut inner = inner.filter(|p| !is_keyword(p.as_rule()));
                let var = self.ident(inner.next().ok_or_else(|| internal(span))?);
                let list = self.expr(inner.next().ok_or_else(|| internal(span))?)?;
                let body = self.expr(inner.next().ok_or_else(|| internal(span))?)?;
                ExprKind::Quantifier {
                    kind,
                    var,
                    list: Box::new(list),
                    body: Box::new(body),
                }
            }
            Rule::aggregate => {
                let mut value = None;
                let mut var = None;
                let mut list = None;
                let mut filter = None;
                let mut kind = Aggregate::Count;
                let mut after_where = false;
                for part in pair.into_inner() {
                    match part.as_rule() {
                        Rule::aggregate_fn => {
                            kind = match part.as_str() {
                                "sum" => Aggregate::Sum,
                                "min" => Aggregate::Min,
                                "max" => Aggregate::Max,
                                _ => Aggregate::Count,
                            }
                        }
                        Rule::aggregate_value => {
                            value = Some(Box::new(self.expr(self.only_child(part)?)?))
                        }
                        Rule::ident => var = Some(self.ident(part)),
                        Rule::kw_where => after_where = true,
                        Rule::expr if after_where => filter = Some(Box::new(self.expr(part)?)),
                        Rule::expr => list = Some(Box::new(self.expr(part)?)),
                        _ => {}
                    }
                }
                ExprKind::Aggregate {
                    kind,
                    value,
                    var: var.ok_or_else(|| internal(span))?,
                    list: list.ok_or_else(|| internal(span))?,
                    filter,
                }
            }
            Rule::call => {
                let mut inner = pair.into_inner();
                let name = self.ident(inner.next().ok_or_else(|| internal(span))?);
                let args = inner
                    .filter(|p| p.as_rule() == Rule::expr)
                    .map(|p| self.expr(p))
                    .collect::<Built<_>>()?;
                ExprKind::Call(name, args)
            }
            _ => return Err(internal(span)),
        };
        Ok(Spanned::new(kind, span))
    }

    fn number(&self, pair: &Pair<'_, Rule>) -> Built<f64> {
        number(pair.as_str(), self.span(pair))
    }

    fn string(&self, pair: &Pair<'_, Rule>) -> Built<String> {
        string(pair.as_str(), self.span(pair))
    }
}

/// The value of a number literal as written (digits, `_` between groups, an optional
/// fraction) at `span`.
pub(super) fn number(written: &str, span: Span) -> Built<f64> {
    let text: std::borrow::Cow<'_, str> = if written.contains('_') {
        written
            .chars()
            .filter(|&c| c != '_')
            .collect::<String>()
            .into()
    } else {
        written.into()
    };
    match text.parse::<f64>() {
        // a whole number that a 64-bit float cannot hold exactly would silently become
        // another number (99999999999999999999999 is 99999999999999991611392)
        Ok(n) if n.is_finite() && !text.contains('.') && !whole_number_is_exact(&text, n) => {
            Err(Diagnostic::new(
                Code::InvalidLiteral,
                span,
                format!("number `{written}` cannot be represented exactly"),
            )
            .with_label("it would be rounded")
            .with_help(format!(
                "numbers are exact up to {} (2^53); compare with a smaller number, or keep such values as text",
                1u64 << 53
            )))
        }
        Ok(n) if n.is_finite() => Ok(n),
        _ => Err(Diagnostic::new(
            Code::InvalidLiteral,
            span,
            format!("number `{written}` is too large"),
        )),
    }
}

/// The value of a string literal as written (quotes included) at `span`, escapes resolved.
pub(super) fn string(raw: &str, span: Span) -> Built<String> {
    let body = &raw[1..raw.len() - 1];
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, '"')) => out.push('"'),
            Some((_, '\\')) => out.push('\\'),
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((j, other)) => {
                let start = span.start as usize + 1 + i;
                let end = span.start as usize + 1 + j + other.len_utf8();
                return Err(Diagnostic::new(
                    Code::InvalidLiteral,
                    Span::new(span.file, start, end),
                    format!("unknown escape `\\{other}` in a string"),
                )
                .with_label("unknown escape")
                .with_help(r#"the escapes are `\"`, `\\`, `\n` and `\t`"#));
            }
            None => out.push('\\'),
        }
    }
    Ok(out)
}

/// For every byte offset `i` of `text` (and its end), the end of the last character before
/// `i` that is neither whitespace nor part of a comment: where a pair ending at `i` really
/// ends. One pass, so that spans cost nothing per pair (trimming each pair's own text was
/// quadratic in nested pairs such as `list of list of …`).
fn content_ends(text: &str) -> Vec<u32> {
    let mut ends = vec![0u32; text.len() + 1];
    let mut last = 0u32;
    let mut next = 0usize;
    for (i, c, class) in super::scan::scan(text) {
        ends[next..=i].fill(last);
        next = i + 1;
        let trivia = class == super::scan::Class::Comment
            || (class == super::scan::Class::Code && c.is_whitespace());
        if !trivia {
            last = (i + c.len_utf8()) as u32;
        }
    }
    ends[next..].fill(last);
    ends
}

/// The length of `text` without trailing whitespace and `#` comments.
pub(super) fn content_len(text: &str) -> usize {
    let mut end = text.len();
    loop {
        let trimmed = text[..end].trim_end();
        end = trimmed.len();
        let line_start = trimmed.rfind('\n').map_or(0, |i| i + 1);
        match super::scan::comment_start(&trimmed[line_start..]) {
            Some(i) => end = line_start + i,
            None => return end,
        }
    }
}

/// Keyword pairs carry no information beyond their position in the rule.
fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_schema
            | Rule::kw_let
            | Rule::kw_classify
            | Rule::kw_when
            | Rule::kw_otherwise
            | Rule::kw_in
            | Rule::kw_any
            | Rule::kw_all
            | Rule::kw_for
            | Rule::kw_where
            | Rule::kw_one
            | Rule::kw_of
            | Rule::kw_list
            | Rule::assign
            | Rule::colon
            | Rule::comma
            | Rule::lbrace
            | Rule::rbrace
            | Rule::lparen
            | Rule::rparen
            | Rule::lbracket
            | Rule::rbracket
    )
}

fn binary_op(rule: Rule) -> Option<BinaryOp> {
    Some(match rule {
        Rule::op_or => BinaryOp::Or,
        Rule::op_and => BinaryOp::And,
        Rule::op_eq => BinaryOp::Eq,
        Rule::op_ne => BinaryOp::Ne,
        Rule::op_lt => BinaryOp::Lt,
        Rule::op_le => BinaryOp::Le,
        Rule::op_gt => BinaryOp::Gt,
        Rule::op_ge => BinaryOp::Ge,
        Rule::op_in => BinaryOp::In,
        Rule::op_not_in => BinaryOp::NotIn,
        Rule::op_contains => BinaryOp::Contains,
        Rule::op_starts_with => BinaryOp::StartsWith,
        Rule::op_ends_with => BinaryOp::EndsWith,
        Rule::op_matches => BinaryOp::Matches,
        Rule::op_within => BinaryOp::Within,
        Rule::op_before => BinaryOp::Before,
        Rule::op_after => BinaryOp::After,
        Rule::op_coalesce => BinaryOp::Coalesce,
        Rule::op_add => BinaryOp::Add,
        Rule::op_sub => BinaryOp::Sub,
        Rule::op_mul => BinaryOp::Mul,
        Rule::op_div => BinaryOp::Div,
        _ => return None,
    })
}

/// Whether a whole-number literal (digits only) is exactly the float it parsed to.
fn whole_number_is_exact(digits: &str, n: f64) -> bool {
    let written = digits.trim_start_matches('0');
    let written = if written.is_empty() { "0" } else { written };
    // every whole number below 10^15 < 2^53 is exact: no need to print it back
    written.len() <= 15 || format!("{n:.0}") == written
}

fn invalid_literal(span: Span, message: String, error: jiff::Error) -> Diagnostic {
    // jiff's own text names its parameters ("parameter 'month'"); say it in our words
    let detail = error.to_string();
    let label = if detail.contains("month") {
        "there is no such month"
    } else if detail.contains("day") {
        "there is no such day in that month"
    } else if detail.contains("hour") || detail.contains("minute") || detail.contains("second") {
        "there is no such time of day"
    } else {
        "not a valid calendar value"
    };
    Diagnostic::new(Code::InvalidLiteral, span, message)
        .with_label(label)
        .with_help("dates are written `YYYY-MM-DD`, datetimes `YYYY-MM-DDTHH:MM:SSZ`")
}

/// A pairing the grammar guarantees did not hold: a bug in qualify, reported as a diagnostic
/// rather than a panic.
pub(super) fn internal(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::Syntax,
        span,
        "internal error: unexpected parse tree (please report this)",
    )
}
