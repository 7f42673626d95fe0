//! One module per command: its arguments (a clap `Args` struct) and `run`.

pub mod bench;
pub mod inspect;
pub mod knn;
pub mod map;
pub mod project;
