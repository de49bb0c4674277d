//! What the whole-capture stages keep of every record: a few numbers.
//!
//! Pairing, nesting, tokens, variables and the diagram need every record
//! before the first page line can be written; the records themselves are
//! too big to keep (a busy cloud logs gigabytes). So the first pass reads
//! each record once and keeps its [`Facts`]: names as [`Sym`]s, ids and
//! paths as 64-bit keys, and its position to read it again. Everything that
//! needs text reads the record again from its position.

use rustc_hash::FxHashMap as HashMap;

use crate::model::{At, Direction};

/// An interned string: an index into [`Names`].
pub type Sym = u32;

/// Interned strings: service names, methods, status texts, token values.
#[derive(Debug, Clone, Default)]
pub struct Names {
    list: Vec<String>,
    index: HashMap<Box<str>, Sym>,
}

impl Names {
    /// The symbol of a string, adding it when new.
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(&k) = self.index.get(s) {
            return k;
        }
        let k = self.list.len() as Sym;
        self.list.push(s.to_string());
        self.index.insert(s.into(), k);
        k
    }

    /// The symbol of a string, if it was interned.
    pub fn get(&self, s: &str) -> Option<Sym> {
        self.index.get(s).copied()
    }

    /// The string of a symbol (empty for an unknown one).
    pub fn str(&self, k: Sym) -> &str {
        self.list.get(k as usize).map_or("", String::as_str)
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Adds every name of `other`; returns, for each of its symbols, the symbol here.
    pub fn absorb(&mut self, other: &Names) -> Vec<Sym> {
        other.list.iter().map(|s| self.intern(s)).collect()
    }
}

/// A 64-bit key of a string: equal strings, equal keys (FNV-1a: the same on
/// every run and platform, and quick on the short ids it is used for).
pub fn key(s: &str) -> u64 {
    key_bytes(s.as_bytes())
}

/// [`key`] over bytes.
pub fn key_bytes(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // 0 means "none" in the compact fields below.
    h.max(1)
}

/// The correlation signals of a record, as keys: what a call carries that
/// names its cause, and the credentials it uses. Which headers they come
/// from is the domain's knowledge (`openstack`); the graph only compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Signals {
    /// Request ids: on a request, the ids it propagates from the call it
    /// was made for; on a response, the ids the served request is known
    /// by. 0 = none.
    pub ids: [u64; 2],
    /// The credential a request is made with (a token), as a symbol + 1; 0 = none.
    pub credential: u32,
    /// A second credential (a service token), as a symbol + 1; 0 = none.
    pub service: u32,
    /// The credential a request asks about (token validation), or a
    /// response hands out (token issue), as a symbol + 1; 0 = none.
    pub subject: u32,
    /// The order the three credentials came in, 2 bits each (credential,
    /// service, subject): token names go by first appearance.
    pub order: u8,
}

impl Signals {
    /// Rank (0..3) in header order of credential 0, service 1 or subject 2.
    pub fn rank(&self, what: u8) -> u8 {
        (self.order >> (2 * what)) & 3
    }

    /// Records that credential `what` came `rank`-th.
    pub fn set_rank(&mut self, what: u8, rank: u8) {
        self.order = (self.order & !(3 << (2 * what))) | ((rank & 3) << (2 * what));
    }
}

/// Kinds of call the domain knows about, as bits (see `openstack`).
pub mod flag {
    /// Asking for a token (`POST .../auth/tokens`).
    pub const TOKEN_REQUEST: u8 = 1;
    /// Validating a token (`GET .../auth/tokens`).
    pub const TOKEN_CHECK: u8 = 2;
    /// Version discovery on the identity service.
    pub const DISCOVERY: u8 = 4;
    /// A version document of any service.
    pub const VERSION_DOCUMENT: u8 = 8;
}

/// What is kept of one record between the passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub at: At,
    pub direction: Direction,
    pub from: Sym,
    pub to: Sym,
    pub method: Sym,
    /// Status code of a response (0 = none or not numeric), and its text.
    pub code: u16,
    pub status: Sym,
    /// Key of the URL path (to prefer a same-path request when pairing by order).
    pub path: u64,
    /// Pairing hint (0 = none), and whether the format guarantees it.
    pub pair: u64,
    pub exact: bool,
    /// Span ids where the format has them (0 = none).
    pub own: u64,
    pub parent: u64,
    pub signals: Signals,
    /// [`flag`] bits, for requests.
    pub flags: u8,
    /// Key of what the diagram would show for the call (method, path and
    /// the query parameters it shows), for folding repeats.
    pub shown: u64,
}

impl Facts {
    pub fn is_request(&self) -> bool {
        self.direction == Direction::Request
    }

    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

#[cfg(test)]
mod size_tests {
    #[test]
    fn facts_stay_small() {
        // A big capture keeps one of these per record.
        eprintln!("Facts: {} bytes", std::mem::size_of::<super::Facts>());
        assert!(std::mem::size_of::<super::Facts>() <= 128);
    }
}
