//! The call graph: pairing requests with responses and nesting calls.
