//! Operator precedence and associativity, written once: both ways of parsing an item (pest's
//! pairs in [`super::build`], the fast path in [`super::fast`]) turn an expression into the
//! flat sequence of [`Piece`]s the grammar's `expr` rule describes and fold it here.
//!
//! The fold is pest's Pratt parser (`pest::pratt_parser`), which this crate used before and
//! whose trees the snapshots pin: every operator is left-associative, a prefix operator
//! takes everything that binds tighter than itself, and a postfix operator applies to what
//! has been folded so far when its level is reached.

use crate::ast::{BinaryOp, Expr, ExprKind, Ident, UnaryOp};
use crate::diagnostic::Diagnostic;
use crate::source::{Span, Spanned};

/// One element of an expression as written, in order.
pub(super) enum Piece {
    /// `not` or `-` before an operand; the span is the operator's.
    Prefix(UnaryOp, Span),
    /// An operand (a literal, a name, a bracketed expression, a quantifier…), built.
    Operand(Expr),
    /// `.field`, `is missing`, `is present` after an operand; the span is the operator's.
    Postfix(Postfix, Span),
    /// A binary operator between operands.
    Infix(BinaryOp),
}

/// A postfix operator.
pub(super) enum Postfix {
    /// `.name`
    Field(Ident),
    /// `is present` (`true`) or `is missing` (`false`).
    Presence(bool),
}

/// How tightly each operator binds, loosest first:
/// `or` < `and` < `not` < comparisons, word operators and `is missing` < `??` < `+ -` <
/// `* /` < prefix `-` < `.field`.
fn precedence(piece: &Piece) -> u8 {
    match piece {
        Piece::Infix(op) => match op {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::In
            | BinaryOp::NotIn
            | BinaryOp::Contains
            | BinaryOp::StartsWith
            | BinaryOp::EndsWith
            | BinaryOp::Matches
            | BinaryOp::Within
            | BinaryOp::Before
            | BinaryOp::After => 4,
            BinaryOp::Coalesce => 5,
            BinaryOp::Add | BinaryOp::Sub => 6,
            BinaryOp::Mul | BinaryOp::Div => 7,
        },
        Piece::Prefix(UnaryOp::Not, _) => 3,
        Piece::Postfix(Postfix::Presence(_), _) => 4,
        Piece::Prefix(UnaryOp::Neg, _) => 8,
        Piece::Postfix(Postfix::Field(_), _) => 9,
        // an operand never follows an operand: the grammar puts an operator between
        Piece::Operand(_) => 0,
    }
}

/// Folds the pieces of one expression (as the grammar's `expr` rule yields them) into a
/// tree; `span` (the whole expression) locates the internal error of a sequence the
/// grammar cannot produce.
pub(super) fn fold(pieces: Vec<Piece>, span: Span) -> Result<Expr, Diagnostic> {
    let mut pieces = pieces.into_iter().peekable();
    let expr = fold_above(&mut pieces, 0, span)?;
    match pieces.next() {
        None => Ok(expr),
        Some(_) => Err(super::build::internal(span)),
    }
}

type Pieces = std::iter::Peekable<std::vec::IntoIter<Piece>>;

/// Folds an operand and every operator after it that binds tighter than `floor`.
fn fold_above(pieces: &mut Pieces, floor: u8, span: Span) -> Result<Expr, Diagnostic> {
    let mut lhs = match pieces.next() {
        Some(Piece::Operand(e)) => e,
        Some(piece @ Piece::Prefix(op, op_span)) => {
            let operand = fold_above(pieces, precedence(&piece) - 1, span)?;
            prefix(op, op_span, operand)
        }
        _ => return Err(super::build::internal(span)),
    };
    while let Some(next) = pieces.peek() {
        let level = precedence(next);
        if level <= floor || matches!(next, Piece::Operand(_) | Piece::Prefix(..)) {
            break;
        }
        lhs = match pieces.next() {
            // left-associative: the right operand takes only what binds tighter
            Some(Piece::Infix(op)) => {
                let rhs = fold_above(pieces, level, span)?;
                let span = lhs.span.to(rhs.span);
                Spanned::new(ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span)
            }
            Some(Piece::Postfix(op, op_span)) => postfix(lhs, op, op_span),
            _ => return Err(super::build::internal(span)),
        };
    }
    Ok(lhs)
}

fn prefix(op: UnaryOp, op_span: Span, operand: Expr) -> Expr {
    let span = op_span.to(operand.span);
    // `-5` is a literal, so the formatter and the checker see a number
    if let (UnaryOp::Neg, ExprKind::Number(n)) = (op, &operand.node) {
        return Spanned::new(ExprKind::Number(-n), span);
    }
    Spanned::new(ExprKind::Unary(op, Box::new(operand)), span)
}

fn postfix(operand: Expr, op: Postfix, op_span: Span) -> Expr {
    let span = operand.span.to(op_span);
    let kind = match op {
        Postfix::Field(name) => ExprKind::Field(Box::new(operand), name),
        Postfix::Presence(present) => ExprKind::Presence(Box::new(operand), present),
    };
    Spanned::new(kind, span)
}
