//! What the page does, one module per action; components call these, and these update the
//! [`crate::state::Ui`] signals and the [`crate::engine`].

pub mod colour;
pub mod export;
pub mod faithfulness;
pub mod find;
pub mod keys;
pub mod layout;
pub mod link;
pub mod load;
pub mod map;
pub mod pick;
pub mod project;
pub mod select;
