//! The pages across captures: the home page that lists every captured
//! command, and the API coverage page.
//!
//! Each capture leaves a [`Summary`] beside its pages (`build` keeps it in
//! the capture's output folder, so a capture skipped as unchanged still
//! counts); the overview pages are made from the summaries of every capture
//! of the tree, in walk order. Text fields hold raw text (titles, command
//! lines, service names): the templates escape them where they print them.
//! Links are made of folder names the site checked and step numbers.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::input::meta::Meta;
use crate::openstack::apiref::Catalog;
use crate::openstack::cli::Commands;
use crate::view::page::{Labels, Link, Page};
use crate::view::Shown;

/// The anchor of a diagram step in a capture's page (`step-3`). Links to a
/// step are made here only, so they follow the anchors `body.md` writes.
pub fn step_anchor(number: usize) -> String {
    format!("step-{number}")
}

/// A capture's page seen from the output root: `openstack/image/create/index.md`.
/// Folder names are percent-encoded but for unreserved characters and `/`
/// (MkDocs decodes them again), so a name with `|`, `#` or spaces links
/// right and cannot break the table cell it is printed in.
pub fn page_link(folder: &str) -> String {
    let mut link = String::with_capacity(folder.len() + 9);
    for b in folder.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            link.push(b as char);
        } else {
            link.push_str(&format!("%{b:02X}"));
        }
    }
    if !link.is_empty() {
        link.push('/');
    }
    link.push_str("index.md");
    link
}

/// The title of a capture's page: `title` from capture.toml, else the
/// openstackclient command its command line runs (`openstack server
/// create`), else the command line up to its first option, else the
/// folder names (`fallback`).
pub fn title(meta: &Meta, fallback: &str) -> String {
    if let Some(t) = meta
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        return one_line(t);
    }
    if let Some(command) = meta.command.as_deref() {
        if let Some(found) = Commands::builtin().find(command) {
            return found.name;
        }
        let words: Vec<&str> = command
            .split_whitespace()
            .take_while(|w| !w.starts_with('-'))
            .take(4)
            .collect();
        if !words.is_empty() {
            return words.join(" ");
        }
    }
    fallback.to_string()
}

/// A title is one line: line breaks become spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The CLI reference link of a command line, when it runs an
/// openstackclient command.
pub fn cli_reference(meta: &Meta) -> Option<Link> {
    let found = Commands::builtin().find(meta.command.as_deref()?)?;
    Some(Link {
        title: found.name,
        url: found.url,
        method: String::new(),
        path: String::new(),
    })
}

/// One api-ref operation a capture called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Called {
    /// The service type (`image`).
    pub service: String,
    pub method: String,
    /// The path template (`/v2/images/{image_id}`).
    pub path: String,
    pub title: String,
    pub url: String,
    /// The diagram steps of the requests that called it (a request a filter
    /// dropped has none and is only counted).
    pub steps: Vec<usize>,
    /// How many requests called it.
    pub calls: usize,
}

/// A token of a capture, as the home page names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenBrief {
    pub name: String,
    pub user: Option<String>,
    pub project: Option<String>,
}

/// What the overview pages need of one capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The capture folder relative to the tree root, `/`-separated.
    pub folder: String,
    pub title: String,
    pub command: Option<String>,
    pub description: Option<String>,
    /// The services called, in order of first call.
    pub services: Vec<String>,
    /// How many requests the capture holds.
    pub calls: usize,
    pub tokens: Vec<TokenBrief>,
    /// The api-ref operations called, in order of first call.
    pub operations: Vec<Called>,
}

impl Summary {
    /// The summary of a capture shown as `page` (redacted like it).
    pub fn new(shown: &Shown, page: &Page, folder: &str, title: &str, meta: &Meta) -> Summary {
        let a = shown.analysis;
        let facts = &a.scan.facts;
        let names = shown.names();
        let mut services: Vec<String> = Vec::new();
        let mut operations: Vec<Called> = Vec::new();
        let mut calls = 0;
        for (i, f) in facts.iter().enumerate() {
            if !f.is_request() {
                continue;
            }
            calls += 1;
            let service = shown.text(names.str(f.to)).into_owned();
            if !services.contains(&service) {
                services.push(service);
            }
            let Some(op) = a.scan.ops.get(i).and_then(|&op| shown.catalog.op(op)) else {
                continue;
            };
            let k = match operations
                .iter()
                .position(|c| c.method == op.method && c.path == op.path && c.title == op.title)
            {
                Some(k) => k,
                None => {
                    operations.push(Called {
                        service: op.service.clone(),
                        method: op.method.clone(),
                        path: op.path.clone(),
                        title: op.title.clone(),
                        url: op.url.clone(),
                        steps: Vec::new(),
                        calls: 0,
                    });
                    operations.len() - 1
                }
            };
            operations[k].calls += 1;
            if let Some(n) = shown.number(i) {
                operations[k].steps.push(n);
            }
        }
        Summary {
            folder: folder.to_string(),
            title: title.to_string(),
            command: meta.command.clone(),
            description: meta.description.clone(),
            services,
            calls,
            tokens: page
                .tokens
                .iter()
                .map(|t| TokenBrief {
                    name: t.name.clone(),
                    user: t.user.clone(),
                    project: t.project.clone(),
                })
                .collect(),
            operations,
        }
    }
}

/// A capture on the home page.
#[derive(Debug, Clone, Serialize)]
pub struct HomeRow {
    pub title: String,
    /// Its page, relative to the home page.
    pub link: String,
    pub folder: String,
    pub command: Option<String>,
    pub description: Option<String>,
    pub services: Vec<String>,
    pub calls: usize,
    pub tokens: Vec<TokenBrief>,
}

/// The context of the `home.md` template.
#[derive(Debug, Clone, Serialize)]
pub struct HomePage {
    /// The file name of the coverage page, to link to.
    pub coverage: String,
    pub captures: Vec<HomeRow>,
    pub labels: Labels,
}

impl HomePage {
    pub fn new(summaries: &[Summary], coverage: &str, labels: &Labels) -> HomePage {
        HomePage {
            coverage: coverage.to_string(),
            captures: summaries
                .iter()
                .map(|s| HomeRow {
                    title: s.title.clone(),
                    link: page_link(&s.folder),
                    folder: s.folder.clone(),
                    command: s.command.clone(),
                    description: s.description.clone(),
                    services: s.services.clone(),
                    calls: s.calls,
                    tokens: s.tokens.clone(),
                })
                .collect(),
            labels: labels.clone(),
        }
    }
}

/// A step that called an operation, linked.
#[derive(Debug, Clone, Serialize)]
pub struct StepLink {
    pub number: usize,
    /// `openstack/image/create/index.md#step-5`.
    pub link: String,
}

/// One capture's calls of an operation.
#[derive(Debug, Clone, Serialize)]
pub struct CalledBy {
    pub title: String,
    /// The capture's page.
    pub link: String,
    pub steps: Vec<StepLink>,
    pub calls: usize,
}

/// An operation some capture called.
#[derive(Debug, Clone, Serialize)]
pub struct OperationRow {
    pub method: String,
    pub path: String,
    pub title: String,
    pub url: String,
    pub called_by: Vec<CalledBy>,
}

/// One service of the catalog, and what the captures exercised of it.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceCoverage {
    /// The service type (`image`).
    pub service: String,
    /// Operations the catalog lists for it.
    pub total: usize,
    /// Of those, called by some capture.
    pub seen: usize,
    /// Of those, called by none.
    pub never_seen: usize,
    /// The operations called, in catalog order.
    pub operations: Vec<OperationRow>,
}

/// The context of the `coverage.md` template.
#[derive(Debug, Clone, Serialize)]
pub struct CoveragePage {
    /// Every service of the catalog, sorted by type; those no capture
    /// called have no operations.
    pub services: Vec<ServiceCoverage>,
    /// How many captures the page covers.
    pub captures: usize,
    pub labels: Labels,
}

impl CoveragePage {
    pub fn new(summaries: &[Summary], catalog: &Catalog, labels: &Labels) -> CoveragePage {
        // Catalog order, per service.
        let mut by_service: BTreeMap<String, ServiceCoverage> = BTreeMap::new();
        let mut order: Vec<(String, String, String)> = Vec::new();
        for k in 0..catalog.len() {
            let Some(op) = catalog.op(k as u32) else {
                continue;
            };
            by_service
                .entry(op.service.clone())
                .or_insert_with(|| ServiceCoverage {
                    service: op.service.clone(),
                    total: 0,
                    seen: 0,
                    never_seen: 0,
                    operations: Vec::new(),
                })
                .total += 1;
            order.push((op.method.clone(), op.path.clone(), op.title.clone()));
        }
        // Every call, by operation, in walk order.
        type Key<'k> = (&'k str, &'k str, &'k str);
        let mut calls: HashMap<Key<'_>, Vec<(&Summary, &Called)>> = HashMap::new();
        for s in summaries {
            for c in &s.operations {
                calls
                    .entry((c.method.as_str(), c.path.as_str(), c.title.as_str()))
                    .or_default()
                    .push((s, c));
            }
        }
        for (method, path, title) in &order {
            // Two catalog rows never share method, path and title: each
            // operation is taken once.
            let Some(list) = calls.remove(&(method.as_str(), path.as_str(), title.as_str())) else {
                continue;
            };
            let Some(&(_, first)) = list.first() else {
                continue;
            };
            let Some(cov) = by_service.get_mut(&first.service) else {
                continue;
            };
            let called_by = list
                .iter()
                .map(|&(s, c)| {
                    let page = page_link(&s.folder);
                    CalledBy {
                        title: s.title.clone(),
                        steps: c
                            .steps
                            .iter()
                            .map(|&n| StepLink {
                                number: n,
                                link: format!("{page}#{}", step_anchor(n)),
                            })
                            .collect(),
                        link: page,
                        calls: c.calls,
                    }
                })
                .collect();
            cov.seen += 1;
            cov.operations.push(OperationRow {
                method: first.method.clone(),
                path: first.path.clone(),
                title: first.title.clone(),
                url: first.url.clone(),
                called_by,
            });
        }
        let services: Vec<ServiceCoverage> = by_service
            .into_values()
            .map(|mut s| {
                s.never_seen = s.total.saturating_sub(s.seen);
                s
            })
            .collect();
        CoveragePage {
            services,
            captures: summaries.len(),
            labels: labels.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(command: Option<&str>, title: Option<&str>) -> Meta {
        Meta {
            command: command.map(str::to_string),
            title: title.map(str::to_string),
            ..Meta::default()
        }
    }

    #[test]
    fn titles_come_from_capture_toml_then_the_command_then_the_folders() {
        assert_eq!(
            title(
                &meta(Some("openstack image list"), Some("  Images\nall ")),
                "f"
            ),
            "Images all"
        );
        assert_eq!(
            title(
                &meta(Some("openstack server create --flavor m1 vm1"), None),
                "openstack compute create"
            ),
            "openstack server create"
        );
        assert_eq!(
            title(&meta(Some("swift upload c f --verbose"), None), "f"),
            "swift upload c f"
        );
        assert_eq!(
            title(&meta(None, None), "openstack image create"),
            "openstack image create"
        );
    }

    #[test]
    fn step_links_use_the_one_anchor_format() {
        assert_eq!(step_anchor(7), "step-7");
        assert_eq!(page_link("a/b"), "a/b/index.md");
        assert_eq!(page_link(""), "index.md");
        assert_eq!(page_link("a b/c|d/이"), "a%20b/c%7Cd/%EC%9D%B4/index.md");
    }

    fn called(service: &str, method: &str, path: &str, title: &str, steps: &[usize]) -> Called {
        Called {
            service: service.into(),
            method: method.into(),
            path: path.into(),
            title: title.into(),
            url: format!("https://x/#{title}"),
            steps: steps.to_vec(),
            calls: steps.len(),
        }
    }

    #[test]
    fn coverage_groups_calls_by_operation_and_counts_the_rest() {
        let catalog = Catalog::builtin();
        let op = |i: u32| catalog.op(i).unwrap();
        // Two operations of the first op's service, one called by both captures.
        let a = op(0);
        let b = (1..catalog.len() as u32)
            .map(op)
            .find(|o| o.service == a.service && (o.method != a.method || o.path != a.path))
            .unwrap();
        let summary = |folder: &str, calls: Vec<Called>| Summary {
            folder: folder.into(),
            title: folder.replace('/', " "),
            command: None,
            description: None,
            services: vec![],
            calls: 0,
            tokens: vec![],
            operations: calls,
        };
        let s1 = summary(
            "x/one",
            vec![called(&a.service, &a.method, &a.path, &a.title, &[1, 5])],
        );
        let s2 = summary(
            "x/two",
            vec![
                called(&b.service, &b.method, &b.path, &b.title, &[3]),
                called(&a.service, &a.method, &a.path, &a.title, &[]),
            ],
        );
        let page = CoveragePage::new(&[s1, s2], catalog, &Labels::default());
        let total_in_catalog: usize = page.services.iter().map(|s| s.total).sum();
        assert_eq!(total_in_catalog, catalog.len());
        let svc = page
            .services
            .iter()
            .find(|s| s.service == a.service)
            .unwrap();
        assert_eq!(svc.seen, 2);
        assert_eq!(svc.never_seen, svc.total - 2);
        let row = svc.operations.iter().find(|o| o.title == a.title).unwrap();
        assert_eq!(row.called_by.len(), 2);
        assert_eq!(row.called_by[0].steps[1].link, "x/one/index.md#step-5");
        assert_eq!(row.called_by[1].steps.len(), 0);
        assert_eq!(row.called_by[1].link, "x/two/index.md");
        let others: usize = page
            .services
            .iter()
            .filter(|s| s.service != a.service)
            .map(|s| s.seen)
            .sum();
        assert_eq!(others, 0);
    }
}
