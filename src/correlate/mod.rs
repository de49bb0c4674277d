//! Correlation: what each record means beyond its bytes.
//!
//! Which API operation a request denotes (`apiref`), and, from the call
//! graph, which tokens and resource ids flow between calls.

pub mod apiref;
pub mod filter;
pub mod redact;
pub mod tokens;
pub mod variables;

use crate::config::Config;
use crate::model::Record;
use apiref::{ApiRef, Catalog};

/// The API operation of every request (`None` on responses and unknown calls).
pub fn api_refs(records: &[Record], config: &Config) -> Vec<Option<ApiRef>> {
    records.iter().map(|r| api_ref(r, config)).collect()
}

/// The API operation of one request (`None` on a response or an unknown call).
pub fn api_ref(r: &Record, config: &Config) -> Option<ApiRef> {
    if !r.is_request() {
        return None;
    }
    let service = config.service_type(&r.to)?;
    Catalog::builtin().lookup(service, r)
}
