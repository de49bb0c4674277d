//! Naming participants from addresses, for formats that record where a
//! request went but not which service it was (HAR).
//!
//! An [`Endpoints`] is a list of rules, tried in order of how specific they
//! are: `host:port`, then a path prefix, then a port, then a host. What
//! matches no rule is named by its `host:port`. The rules themselves are
//! data: the built-in OpenStack ones come from `openstack::endpoints`, the
//! user's from `[endpoints]` in `tracedoc.toml` (compiled by `settings`),
//! so this stage knows no service.

/// What a rule matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// `host:port`, the host lower-cased.
    HostPort(String, u16),
    /// A path prefix (`/identity`), matched at segment boundaries.
    Prefix(String),
    /// `:port` (or a bare port number).
    Port(u16),
    /// A host name or address, lower-cased.
    Host(String),
}

impl Match {
    /// Parses a rule key as written in `tracedoc.toml`: `host:port`,
    /// `/prefix`, `:port` or `port`, or `host`.
    pub fn parse(key: &str) -> Result<Match, String> {
        let key = key.trim();
        if key.is_empty() {
            return Err("an empty endpoint key".into());
        }
        if key.starts_with('/') {
            let prefix = key.trim_end_matches('/');
            return Ok(Match::Prefix(if prefix.is_empty() {
                "/".into()
            } else {
                prefix.into()
            }));
        }
        let port = |p: &str| {
            p.parse::<u16>()
                .map_err(|_| format!("`{key}`: `{p}` is not a port number"))
        };
        if let Some(p) = key.strip_prefix(':') {
            return Ok(Match::Port(port(p)?));
        }
        if key.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Match::Port(port(key)?));
        }
        match key.rsplit_once(':') {
            // `[::1]:5000`, `host:5000`; a bare IPv6 address has more colons.
            Some((host, p)) if !host.contains(':') || host.ends_with(']') => {
                Ok(Match::HostPort(host.to_ascii_lowercase(), port(p)?))
            }
            _ => Ok(Match::Host(key.to_ascii_lowercase())),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Match::HostPort(..) => 0,
            Match::Prefix(_) => 1,
            Match::Port(_) => 2,
            Match::Host(_) => 3,
        }
    }
}

/// The parts of a URL a rule looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address<'u> {
    /// Lower-cased host (IPv6 in brackets).
    pub host: String,
    /// The port, the scheme's default when none is written.
    pub port: Option<u16>,
    pub path: &'u str,
}

impl<'u> Address<'u> {
    /// The address of an absolute URL; `None` for anything else.
    pub fn of(url: &'u str) -> Option<Address<'u>> {
        let (scheme, rest) = url.split_once("://")?;
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..end];
        let path = &rest[end..];
        let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
        let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !p.contains(']') && (!h.contains(':') || h.ends_with(']')) => {
                (h, p.parse::<u16>().ok())
            }
            _ => (hostport, None),
        };
        if host.is_empty() {
            return None;
        }
        let port = port.or(match scheme.to_ascii_lowercase().as_str() {
            "http" | "ws" => Some(80),
            "https" | "wss" => Some(443),
            _ => None,
        });
        Some(Address {
            host: host.to_ascii_lowercase(),
            port,
            path,
        })
    }

    /// `host:port` (or the host alone), the name of an unknown endpoint.
    pub fn label(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }
}

/// Rules naming participants, and how the client is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// (what matches, participant name), most specific kind first, then
    /// in the order added (a later rule of the same key replaces an earlier).
    rules: Vec<(Match, String)>,
    /// (User-Agent prefix, name) for the client: the first that the first
    /// request's `User-Agent` starts with.
    agents: Vec<(String, String)>,
    /// The client's name when no agent rule matches.
    client: String,
}

impl Default for Endpoints {
    /// No rule: every endpoint is named by its `host:port`, the client `client`.
    fn default() -> Self {
        Endpoints {
            rules: Vec::new(),
            agents: Vec::new(),
            client: "client".into(),
        }
    }
}

impl Endpoints {
    /// Adds a rule (replacing one with the same key).
    pub fn add(&mut self, rule: Match, name: impl Into<String>) {
        let name = name.into();
        match self.rules.iter_mut().find(|(m, _)| *m == rule) {
            Some(r) => r.1 = name,
            None => self.rules.push((rule, name)),
        }
        self.rules.sort_by_key(|(m, _)| m.rank());
    }

    /// Adds a client name for a `User-Agent` prefix (case-insensitive).
    pub fn add_agent(&mut self, prefix: &str, name: impl Into<String>) {
        self.agents.push((prefix.to_ascii_lowercase(), name.into()));
    }

    /// Names the client, whatever its `User-Agent` (agent rules are dropped).
    pub fn set_client(&mut self, name: impl Into<String>) {
        self.agents.clear();
        self.client = name.into();
    }

    /// The participant a URL was sent to.
    pub fn name(&self, url: &str) -> String {
        let Some(a) = Address::of(url) else {
            return "unknown".into();
        };
        let under = |prefix: &str| {
            prefix == "/"
                || a.path == prefix
                || a.path
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('/'))
        };
        for (m, name) in &self.rules {
            let hit = match m {
                Match::HostPort(h, p) => *h == a.host && Some(*p) == a.port,
                Match::Prefix(prefix) => under(prefix),
                Match::Port(p) => Some(*p) == a.port,
                Match::Host(h) => *h == a.host,
            };
            if hit {
                return name.clone();
            }
        }
        a.label()
    }

    /// The client's name, from the `User-Agent` of the first request.
    pub fn client(&self, user_agent: Option<&str>) -> String {
        let ua = user_agent.unwrap_or("").trim_start().to_ascii_lowercase();
        self.agents
            .iter()
            .find(|(prefix, _)| !ua.is_empty() && ua.starts_with(prefix.as_str()))
            .map_or_else(|| self.client.clone(), |(_, n)| n.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_go_from_most_to_least_specific() {
        let mut e = Endpoints::default();
        e.add(Match::parse("9292").unwrap(), "glance-api");
        e.add(Match::parse("/identity").unwrap(), "keystone");
        e.add(Match::parse("10.0.0.9:9292").unwrap(), "glance-internal");
        e.add(Match::parse("cloud.example").unwrap(), "horizon");
        assert_eq!(e.name("http://10.0.0.5:9292/v2/images"), "glance-api");
        assert_eq!(e.name("http://10.0.0.9:9292/v2/images"), "glance-internal");
        assert_eq!(e.name("http://10.0.0.5/identity/v3"), "keystone");
        assert_eq!(e.name("http://10.0.0.5/identity"), "keystone");
        assert_eq!(e.name("http://10.0.0.5/identityx"), "10.0.0.5:80");
        assert_eq!(e.name("https://CLOUD.example/dashboard"), "horizon");
        assert_eq!(e.name("http://[::1]:9292/"), "glance-api");
        assert_eq!(e.name("http://[::1]:9999/"), "[::1]:9999");
        assert_eq!(e.name("http://u:p@h:9292/"), "glance-api");
        assert_eq!(e.name("not a url"), "unknown");
    }

    #[test]
    fn keys_parse_or_say_why_not() {
        assert_eq!(Match::parse(":5000"), Ok(Match::Port(5000)));
        assert_eq!(
            Match::parse("[::1]:5000"),
            Ok(Match::HostPort("[::1]".into(), 5000))
        );
        assert_eq!(
            Match::parse("/volume/"),
            Ok(Match::Prefix("/volume".into()))
        );
        assert!(Match::parse("h:99999").unwrap_err().contains("not a port"));
        assert!(Match::parse("").is_err());
    }

    #[test]
    fn the_client_is_named_by_its_agent() {
        let mut e = Endpoints::default();
        e.add_agent("openstacksdk", "openstack");
        assert_eq!(
            e.client(Some("openstacksdk/4.0 keystoneauth1/5.8")),
            "openstack"
        );
        assert_eq!(e.client(Some("Mozilla/5.0")), "client");
        assert_eq!(e.client(None), "client");
    }
}
