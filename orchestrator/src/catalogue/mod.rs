//! The published catalogue: departments, materials, matters and the bundles that combine them.
//!
//! The catalogue is data. It is read from TOML sources (one folder, any number of files, each file
//! holding any of the four tables), checked as a whole, and then never changes while the server
//! runs. Every check names the file and the entry, because the person who reads the error is the
//! one editing those files.
//!
//! `entries` holds what the files declare, `load` reads and checks them, `lookup` is the checked
//! catalogue and its look-ups, `graph` the dependency order, critical path and cycles, and `codes`
//! the national codes of a matter (基本编码, 实施编码, 事项类型) with their checks and fallbacks.

mod codes;
mod entries;
mod graph;
mod load;
mod lookup;

#[cfg(test)]
mod tests;

pub use codes::{ExchangeCodes, matter_type_name};
pub use entries::{
    Bundle, BundleBranch, DeadlineAction, Department, FormField, Material, Matter, Role,
};
pub use load::CatalogueSource;
pub use lookup::Catalogue;
