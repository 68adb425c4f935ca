//! pxgate: a telecom open-API gateway.
#![forbid(unsafe_code)]

pub mod domain;
pub mod store;
