//! The api-ref lookup, fed requests that went through the real parser.
//!
//! The input is `METHOD\nURL\nMICROVERSION\nBODY...`: it is written out as a
//! requestshook record (so the lookup sees exactly what a capture produces)
//! and looked up under every built-in service type.
//! Invariants: no panic; a match's stripped prefix is a prefix of the path,
//! its path parameters are non-empty, and the lookup is deterministic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tracedoc::input::Capture;
use tracedoc::openstack::apiref::Catalog;
use tracedoc::openstack::DEFAULT_SERVICES;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(4, '\n');
    let method = parts.next().unwrap_or("GET");
    let url = parts.next().unwrap_or("/");
    let version = parts.next().unwrap_or("");
    let body = parts.next().unwrap_or("none");
    let log = format!(
        "### (fuzz) REQ >>> (svc) : {method} {url}\nOpenStack-API-Version: {version}\nX-OpenStack-Nova-API-Version: {version}\n\n{body}\n"
    );
    let Ok(capture) = Capture::from_vec(Path::new("fuzz.log"), log.into_bytes(), None) else {
        return;
    };
    let Ok((records, _)) = capture.read_all() else {
        return;
    };
    let catalog = Catalog::builtin();
    for record in records.iter().filter(|r| r.is_request()) {
        let path = record.path();
        for (_, service) in DEFAULT_SERVICES {
            let found = catalog.lookup(service, record);
            if let Some(a) = &found {
                assert!(path.starts_with(&a.prefix), "{a:?} for {path:?}");
                assert_eq!(a.service, *service);
                for (name, value) in &a.params {
                    assert!(!name.is_empty() && !value.is_empty(), "{a:?}");
                }
            }
            assert_eq!(
                found,
                catalog.lookup(service, record),
                "lookup is not deterministic"
            );
        }
    }
});
