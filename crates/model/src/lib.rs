//! # pokeval-model
//!
//! The language every stage speaks: the domain types of the evaluation and
//! the one rule that turns a typed municipality name into a CBS code.
//!
//! **Owns:** waves, action lines and their payment routes, size classes,
//! municipalities ([`domain`]); the municipality register ([`register`])
//! and name resolution with mapping file, aliases, mergers and fuzzy
//! matching ([`resolve`]); sources, spans (Unicode code points, end
//! exclusive) and segments; what a reader reports ([`Reject`],
//! [`InputSummary`], [`Progress`]); the input error type ([`Error`]); and
//! the small text helpers every reader needs ([`text`]: decoding, folding,
//! name keys; [`table`]: small CSV tables with line numbers).
//!
//! **Does not:** use polars, read survey exports, notes or archives, or
//! write files. Its only input is what a register needs: the register,
//! mergers and mapping CSV files.

#![forbid(unsafe_code)]

mod accounting;
pub mod domain;
pub mod error;
pub mod front_matter;
pub mod fsio;
pub mod register;
pub mod resolve;
pub mod table;
pub mod text;

pub use accounting::{
    par_chunks_counted, par_map_counted, InputSummary, NoProgress, Progress, Reject, RejectKind,
};
pub use domain::*;
pub use error::{Error, Result};
pub use register::{Conflict, Register};
pub use resolve::{Resolution, Resolver, ResolverFiles, ReviewItem, Unresolved};
