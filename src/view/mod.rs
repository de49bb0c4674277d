//! What the pages show: the page model templates see, built from the
//! analysis and the records as shown (redacted), and all escaping, one
//! function per output context.

pub mod diagram;
pub mod diff;
pub mod escape;
pub mod graphdoc;
pub mod index;
pub mod notes;
pub mod overview;
pub mod page;
pub mod shown;

pub use page::{Labels, Page, Step};
pub use shown::{Redaction, Shown};
