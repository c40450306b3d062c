//! sopflow's HTTP service: the JSON API (`/api/v1/…`) and the 看板 page (`/`)
//! over [`sopflow_runtime`].
//!
//! This crate is the only one that speaks HTTP as a server. It knows the
//! runtime's public API and nothing of its tables; the page is static files
//! embedded in the binary (nothing is loaded from the internet) that read
//! the same JSON API every other client uses.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod assets;
pub mod page;
pub mod page_api;
