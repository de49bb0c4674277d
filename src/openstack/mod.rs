//! What tracedoc knows about OpenStack, in one place: which process is
//! which service, which calls talk to keystone, which headers carry tokens
//! and request ids. (The api-ref catalog is [`apiref`].)

pub mod apiref;
pub mod cli;

use indexmap::IndexMap;

use crate::input::endpoints::{Endpoints, Match};
use crate::model::facts::{flag, key, Names, Signals};
use crate::model::Record;

/// Default mapping from a service's process name (as requestshook logs it)
/// to its keystone catalog type.
pub const DEFAULT_SERVICES: &[(&str, &str)] = &[
    ("keystone", "identity"),
    ("glance-api", "image"),
    ("swift-proxy-server", "object-store"),
    ("nova-api", "compute"),
    ("neutron-server", "network"),
    ("cinder-api", "block-storage"),
    ("placement-api", "placement"),
];

/// Where the services listen by default (their standard ports), and the
/// path prefixes devstack puts them under, by process name (as in
/// [`DEFAULT_SERVICES`]): what names a HAR's participants.
pub const DEFAULT_ENDPOINTS: &[(&str, &str)] = &[
    (":5000", "keystone"),
    (":35357", "keystone"),
    ("/identity", "keystone"),
    (":9292", "glance-api"),
    ("/image", "glance-api"),
    (":8774", "nova-api"),
    ("/compute", "nova-api"),
    (":9696", "neutron-server"),
    ("/networking", "neutron-server"),
    (":8778", "placement-api"),
    ("/placement", "placement-api"),
    (":8080", "swift-proxy-server"),
    (":8776", "cinder-api"),
    ("/volume", "cinder-api"),
    ("/dashboard", "horizon"),
];

/// `User-Agent` prefixes of the OpenStack client: the first request's
/// names the client `openstack`, as requestshook's captures do.
pub const CLIENT_AGENTS: &[&str] = &[
    "openstacksdk",
    "python-openstackclient",
    "osc-lib",
    "keystoneauth1",
];

/// The built-in endpoint rules (see [`DEFAULT_ENDPOINTS`]).
pub fn endpoints() -> Endpoints {
    let mut e = Endpoints::default();
    for (key, name) in DEFAULT_ENDPOINTS {
        if let Ok(m) = Match::parse(key) {
            e.add(m, *name);
        }
    }
    for agent in CLIENT_AGENTS {
        e.add_agent(agent, "openstack");
    }
    // Every browser's User-Agent starts so (a browser's HAR, a web console).
    e.add_agent("Mozilla/", "browser");
    e
}

/// The header a client sends its token in.
pub const AUTH_TOKEN: &str = "X-Auth-Token";
/// The header holding the token a validation asks about, or a token request hands out.
pub const SUBJECT_TOKEN: &str = "X-Subject-Token";
/// The header a service adds its own token in, beside its user's.
pub const SERVICE_TOKEN: &str = "X-Service-Token";
/// Every header that carries a keystone token.
pub const TOKEN_HEADERS: &[&str] = &[AUTH_TOKEN, SUBJECT_TOKEN, SERVICE_TOKEN];

/// Request headers that carry the id of the request a call was made for.
pub const PROPAGATED_IDS: &[&str] = &["X-OpenStack-Request-ID"];
/// Response headers naming the id a request was served under.
pub const RESPONSE_IDS: &[&str] = &[
    "x-openstack-request-id",
    "X-Compute-Request-Id",
    "X-OpenStack-Request-ID",
];

/// Process names -> service types (`glance-api` -> `image`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Services {
    map: IndexMap<String, String>,
}

impl Default for Services {
    fn default() -> Self {
        Services {
            map: DEFAULT_SERVICES
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        }
    }
}

impl Services {
    /// Adds (or replaces) process -> type pairs.
    pub fn extend(&mut self, pairs: impl IntoIterator<Item = (String, String)>) {
        self.map.extend(pairs);
    }

    /// The service type of a process name, if known.
    pub fn type_of(&self, process: &str) -> Option<&str> {
        self.map.get(process).map(String::as_str)
    }

    pub fn is_identity(&self, process: &str) -> bool {
        self.type_of(process) == Some("identity")
    }

    /// Whether a caller is a service process: a known one, or of the same
    /// project as one (`nova-compute` beside `nova-api`).
    pub fn is_service_process(&self, caller: &str) -> bool {
        let project = |name: &str| name.split('-').next().unwrap_or(name).to_string();
        let own = project(caller);
        self.type_of(caller).is_some() || self.map.keys().any(|k| project(k) == own)
    }
}

/// `.../auth/tokens`: keystone's token resource.
pub fn is_auth_tokens(path: &str) -> bool {
    path.trim_end_matches('/').ends_with("/auth/tokens")
}

fn is_version(s: &str) -> bool {
    s.strip_prefix('v')
        .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

/// The [`flag`] bits of a request: token requests and validations,
/// identity version discovery, version documents.
pub fn flags(services: &Services, to: &str, method: &str, path: &str) -> u8 {
    let mut bits = 0;
    let get = method.eq_ignore_ascii_case("GET");
    if is_auth_tokens(path) {
        if method.eq_ignore_ascii_case("POST") {
            bits |= flag::TOKEN_REQUEST;
        } else if get {
            bits |= flag::TOKEN_CHECK;
        }
    }
    if get {
        let mut segs = path.split('/').filter(|s| !s.is_empty());
        let (a, b, c) = (segs.next(), segs.next(), segs.next());
        let identity = services.is_identity(to);
        let discovery = match (a, b, c) {
            // A bare `/` is any service's version document; it is the
            // identity root only on keystone itself.
            (None, _, _) => identity,
            (Some(a), None, _) => a == "identity" || (identity && is_version(a)),
            (Some(a), Some(b), None) => a == "identity" && is_version(b),
            _ => false,
        };
        if discovery {
            bits |= flag::DISCOVERY | flag::VERSION_DOCUMENT;
        }
        let short = c.is_none();
        let last_is_version = match (a, b) {
            (None, _) => true,
            (Some(a), None) => is_version(a),
            (Some(_), Some(b)) => is_version(b),
        };
        if short && last_is_version {
            bits |= flag::VERSION_DOCUMENT;
        }
    }
    bits
}

/// The correlation signals of a record: request ids and tokens.
/// Token values are interned in `tokens`.
pub fn signals(record: &Record, tokens: &mut Names) -> Signals {
    let mut s = Signals::default();
    let mut ids = 0;
    let mut rank = 0;
    let id_headers = if record.is_request() {
        PROPAGATED_IDS
    } else {
        RESPONSE_IDS
    };
    for h in &record.headers {
        let Some(value) = h.value.as_deref().filter(|v| !v.is_empty()) else {
            continue;
        };
        if ids < 2 && id_headers.iter().any(|n| h.is(n)) {
            s.ids[ids] = key(value);
            ids += 1;
        } else if h.is(AUTH_TOKEN) && s.credential == 0 && record.is_request() {
            s.credential = tokens.intern(value) + 1;
            s.set_rank(0, rank);
            rank += 1;
        } else if h.is(SERVICE_TOKEN) && s.service == 0 && record.is_request() {
            s.service = tokens.intern(value) + 1;
            s.set_rank(1, rank);
            rank += 1;
        } else if h.is(SUBJECT_TOKEN) && s.subject == 0 {
            s.subject = tokens.intern(value) + 1;
            s.set_rank(2, rank);
            rank += 1;
        }
    }
    s
}

/// Whether a change of a header's value matters when two captures of one
/// command are compared (`tracedoc diff`): microversions
/// (`OpenStack-API-Version`, `X-OpenStack-Nova-API-Version` and the other
/// per-service `X-OpenStack-*-API-Version`) and content types. Other
/// headers are compared by name only: their values (dates, request ids,
/// lengths, tokens) differ on every run.
pub fn value_matters(header: &str) -> bool {
    let lower = header.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "openstack-api-version" | "content-type" | "accept"
    ) || (lower.starts_with("x-openstack-") && lower.ends_with("-api-version"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keystone_calls() {
        let s = Services::default();
        assert_eq!(
            flags(&s, "keystone", "POST", "/identity/v3/auth/tokens"),
            flag::TOKEN_REQUEST
        );
        assert_eq!(
            flags(&s, "keystone", "GET", "/identity/v3/auth/tokens/"),
            flag::TOKEN_CHECK
        );
        let doc = flag::DISCOVERY | flag::VERSION_DOCUMENT;
        assert_eq!(flags(&s, "keystone", "GET", "/identity/"), doc);
        assert_eq!(flags(&s, "keystone", "GET", "/v3"), doc);
        assert_eq!(flags(&s, "keystone", "GET", "/"), doc);
        assert_eq!(flags(&s, "glance-api", "GET", "/"), flag::VERSION_DOCUMENT);
        assert_eq!(
            flags(&s, "nova-api", "GET", "/compute/v2.1"),
            flag::VERSION_DOCUMENT
        );
        assert_eq!(flags(&s, "glance-api", "GET", "/v2/images"), 0);
        assert!(s.is_service_process("nova-compute"));
        assert!(!s.is_service_process("openstack"));
    }

    #[test]
    fn standard_ports_and_prefixes_name_known_services() {
        let e = endpoints();
        let s = Services::default();
        for (url, name) in [
            ("http://192.0.2.5:5000/v3/auth/tokens", "keystone"),
            ("http://192.0.2.5:35357/v3", "keystone"),
            ("http://192.0.2.5/identity/v3/auth/tokens", "keystone"),
            ("http://192.0.2.5:9292/v2/images", "glance-api"),
            ("http://192.0.2.5:8774/v2.1/servers", "nova-api"),
            ("http://192.0.2.5/compute/v2.1/servers", "nova-api"),
            ("http://192.0.2.5:9696/v2.0/ports", "neutron-server"),
            ("http://192.0.2.5:8778/resource_providers", "placement-api"),
            ("http://192.0.2.5:8080/v1/AUTH_x", "swift-proxy-server"),
            ("http://192.0.2.5:8776/v3/volumes", "cinder-api"),
        ] {
            assert_eq!(e.name(url), name, "{url}");
            assert!(s.type_of(name).is_some(), "{name} has a service type");
        }
        assert_eq!(e.name("http://192.0.2.5:9511/v1"), "192.0.2.5:9511");
        assert_eq!(
            e.client(Some("openstacksdk/4.1.0 keystoneauth1/5.9.1")),
            "openstack"
        );
    }
}
