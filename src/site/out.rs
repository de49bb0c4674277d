//! Writing an output folder: streamed, atomic, only when changed, never
//! over hand edits, and skipped entirely when nothing it depends on changed.
//!
//! Each file is written through a temporary file in the same folder and
//! renamed into place, hashing the bytes as they go (BLAKE3), so nothing is
//! held in memory and an interrupted run leaves the old file whole. A file
//! whose new hash equals the old one is not replaced (its mtime stays, so
//! `mkdocs serve` does not rebuild).
//!
//! `.tracedoc-manifest` records the hash and size of every file tracedoc
//! wrote, and what the folder was made from (the input's hash and a
//! fingerprint of the settings, templates and tracedoc version). It is
//! deterministic (same pages, same bytes: it can be committed with them).
//! A file whose hash no longer matches was edited by a person, and is not
//! overwritten unless forced. `.tracedoc-stamps` (a cache, not for git)
//! remembers each file's size and mtime when its hash was last known, so
//! an unchanged file is recognised without reading it: a `build` with
//! nothing changed only reads manifests and file metadata.
//!
//! Files are renamed into place only once every file of the folder is
//! written, and meanwhile the manifest lists both the old and the new hash
//! of each, so a run cut short at any point leaves every file, old or new,
//! recognised as tracedoc's own. A run stopped by SIGINT, SIGTERM or SIGHUP
//! removes its temporary files before it exits ([`clean_up_on_signals`]),
//! and opening a folder removes the `.tracedoc-*.tmp` files an earlier run
//! may have left there (a `kill -9` or a power cut gives no chance to clean
//! up). Two runs writing into one folder at once are not supported.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};
use std::time::UNIX_EPOCH;

use crate::error::{Error, Result};

/// The manifest file name in an output folder.
pub const MANIFEST: &str = ".tracedoc-manifest";
/// The cache of file sizes and mtimes beside it.
pub const STAMPS: &str = ".tracedoc-stamps";
const HEADER: &str = "# tracedoc manifest 2";

/// A hash as the manifest writes it: `b3:<hex>` (or a bare SHA-256 hex
/// from manifests before version 2).
pub type Digest = String;

/// Size and modification time of a file, to tell cheaply that it did not change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stamp {
    pub size: u64,
    /// Nanoseconds since the Unix epoch.
    pub mtime: i128,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        Stamp {
            size: meta.len(),
            mtime,
        }
    }

    /// The stamp of a file now, if it exists.
    pub fn now(path: &Path) -> Option<Stamp> {
        std::fs::metadata(path).ok().map(|m| Stamp::of(&m))
    }
}

/// What the manifest knows of one file it wrote, or one input it read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub digest: Digest,
    pub size: u64,
    /// While a run replaces the file: the other hash it may have (old or new).
    pub also: Option<Digest>,
}

/// The manifest of one output folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub files: BTreeMap<String, Entry>,
    /// Input files (as named by the caller) the folder was made from.
    pub inputs: BTreeMap<String, Entry>,
    /// Fingerprint of settings, templates and tracedoc version.
    pub fingerprint: Option<String>,
}

impl Manifest {
    pub fn read(dir: &Path) -> Manifest {
        let Ok(text) = std::fs::read_to_string(dir.join(MANIFEST)) else {
            return Manifest::default();
        };
        let mut m = Manifest::default();
        for line in text.lines() {
            let words: Vec<&str> = line.splitn(4, ' ').collect();
            match words.as_slice() {
                [kind @ ("file" | "input"), digest, size, name] if !name.is_empty() => {
                    let entry = Entry {
                        digest: digest.to_string(),
                        size: size.parse().unwrap_or(0),
                        also: None,
                    };
                    let map = if *kind == "file" {
                        &mut m.files
                    } else {
                        &mut m.inputs
                    };
                    // A second line for a name is the other hash of a file
                    // being replaced.
                    match map.get_mut(*name) {
                        Some(first) => first.also = Some(entry.digest),
                        None => {
                            map.insert(name.to_string(), entry);
                        }
                    }
                }
                ["settings", fp] => m.fingerprint = Some(fp.to_string()),
                _ => {
                    // Version 1: `<sha256>  <name>`.
                    if let Some((digest, name)) = line.split_once("  ") {
                        if digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()) {
                            match m.files.get_mut(name) {
                                Some(first) => first.also = Some(digest.to_string()),
                                None => {
                                    m.files.insert(
                                        name.to_string(),
                                        Entry {
                                            digest: digest.to_string(),
                                            size: 0,
                                            also: None,
                                        },
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
        m
    }

    fn text(&self) -> String {
        let mut out = format!("{HEADER}\n");
        if let Some(fp) = &self.fingerprint {
            out.push_str(&format!("settings {fp}\n"));
        }
        for (kind, map) in [("input", &self.inputs), ("file", &self.files)] {
            for (name, e) in map {
                out.push_str(&format!("{kind} {} {} {name}\n", e.digest, e.size));
                if let Some(also) = &e.also {
                    out.push_str(&format!("{kind} {also} 0 {name}\n"));
                }
            }
        }
        out
    }
}

/// The sizes and mtimes of a folder's files (and its inputs) when their
/// hashes were last known: a cache, rebuilt whenever it is missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stamps(BTreeMap<String, Stamp>);

impl Stamps {
    pub fn read(dir: &Path) -> Stamps {
        let Ok(text) = std::fs::read_to_string(dir.join(STAMPS)) else {
            return Stamps::default();
        };
        Stamps(
            text.lines()
                .filter_map(|l| {
                    let mut w = l.splitn(3, ' ');
                    let size = w.next()?.parse().ok()?;
                    let mtime = w.next()?.parse().ok()?;
                    Some((w.next()?.to_string(), Stamp { size, mtime }))
                })
                .collect(),
        )
    }

    fn text(&self) -> String {
        self.0
            .iter()
            .map(|(name, s)| format!("{} {} {name}\n", s.size, s.mtime))
            .collect()
    }

    /// A file's stamp as the cache remembers it.
    pub fn get(&self, name: &str) -> Option<Stamp> {
        self.0.get(name).copied()
    }

    /// An input's stamp as the cache remembers it.
    pub fn input(&self, name: &str) -> Option<Stamp> {
        self.0.get(&input_key(name)).copied()
    }

    pub fn set(&mut self, name: &str, stamp: Option<Stamp>) {
        match stamp {
            Some(s) => {
                self.0.insert(name.to_string(), s);
            }
            None => {
                self.0.remove(name);
            }
        }
    }
}

/// Whether the file at `path` has one of `known` digests: from its stamp
/// when the stamp is the one recorded, else by hashing it.
pub fn is_one_of(
    path: &Path,
    known: &[&Digest],
    recorded: Option<Stamp>,
) -> std::io::Result<Option<Digest>> {
    if let ([only], Some(r)) = (known, recorded) {
        if Stamp::now(path) == Some(r) {
            return Ok(Some((*only).clone()));
        }
    }
    for d in known {
        if digest_file(path, d)? == **d {
            return Ok(Some((*d).clone()));
        }
    }
    Ok(None)
}

/// The hash of a whole file, in the manifest's form of `like` (BLAKE3, or
/// SHA-256 for version-1 entries).
pub fn digest_file(path: &Path, like: &str) -> std::io::Result<Digest> {
    let mut file = File::open(path)?;
    let mut buf = vec![0u8; 1 << 16];
    if like.starts_with("b3:") {
        let mut h = blake3::Hasher::new();
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        Ok(format!("b3:{}", h.finalize().to_hex()))
    } else {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// How an existing file stands against the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Existing {
    Absent,
    /// As tracedoc wrote it (one of these digests).
    Ours(Vec<Digest>),
    /// Not in the manifest: it may still be what this run writes.
    Foreign,
    /// Edited since tracedoc wrote it.
    Edited,
}

/// The prefix and suffix of tracedoc's temporary files.
const TEMP_PREFIX: &str = ".tracedoc-";
const TEMP_SUFFIX: &str = ".tmp";

/// The temporary files being written now, for the signal handler.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Held shared while a temporary file is created and listed, and
/// exclusively by the signal handler: a signal never finds a temporary file
/// that is not on the list, yet files are created on every core at once
/// (creating one can take a while, and a lock held across it made every
/// thread wait on it).
static CREATING: RwLock<()> = RwLock::new(());

fn live() -> MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Takes a temporary file off the list when dropped (after the file itself
/// is gone: renamed into place, or removed by `tempfile`).
#[derive(Debug)]
struct Registered(PathBuf);

impl Drop for Registered {
    fn drop(&mut self) {
        live().retain(|p| *p != self.0);
    }
}

/// On SIGINT, SIGTERM or SIGHUP: removes every temporary file being
/// written, then exits with 128 + the signal number (130 for SIGINT, 143
/// for SIGTERM), as a shell reports a process killed by it. Files already
/// renamed into place stay: each output file is either the old one or the
/// new one. Call once, from the binary.
#[cfg(unix)]
pub fn clean_up_on_signals() -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // Held until exit, so no new temporary file is created.
                let _creating = CREATING.write().unwrap_or_else(PoisonError::into_inner);
                let live = live();
                for path in live.iter() {
                    let _ = std::fs::remove_file(path);
                }
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

/// Without Unix signals there is nothing to install; stale temporary files
/// are still removed by the next run.
#[cfg(not(unix))]
pub fn clean_up_on_signals() -> std::io::Result<()> {
    Ok(())
}

/// Removes the temporary files (`.tracedoc-*.tmp`) an interrupted earlier
/// run left in `dir`; returns their paths.
pub fn remove_stale_temps(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::read(dir, e)),
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let ours = name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) && name != MANIFEST;
        if !ours || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        std::fs::remove_file(&path).map_err(|e| Error::write(&path, e))?;
        removed.push(path);
    }
    removed.sort();
    Ok(removed)
}

/// A pause in the middle of a write, for the interrupted-run tests: with
/// `TRACEDOC_TEST_PAUSE_BEFORE_RENAME=NAME`, the write of each file named
/// NAME stops for a minute after its temporary file is written and before
/// it is renamed into place, and first says so on standard error
/// (`tracedoc: test hook: pausing before <path>`), so a test can send a
/// signal while a temporary file exists. Not for any other use.
fn test_pause(path: &Path) {
    let Some(name) = std::env::var_os("TRACEDOC_TEST_PAUSE_BEFORE_RENAME") else {
        return;
    };
    if path.file_name() != Some(name.as_os_str()) {
        return;
    }
    eprintln!("tracedoc: test hook: pausing before {}", path.display());
    std::thread::sleep(std::time::Duration::from_secs(60));
}

/// The stamps key of an input (inputs and files share the stamps cache).
fn input_key(name: &str) -> String {
    format!("input:{name}")
}

/// A file written to its temporary file (closed, with its final mode),
/// waiting to be renamed into place.
#[derive(Debug)]
struct Pending {
    name: String,
    path: PathBuf,
    tmp: tempfile::TempPath,
    _registered: Registered,
    digest: Digest,
    size: u64,
    /// The temporary file's stamp, which a rename keeps.
    stamp: Option<Stamp>,
}

/// An output folder being written.
#[derive(Debug)]
pub struct Folder {
    dir: PathBuf,
    old: Manifest,
    new: Manifest,
    stamps: Stamps,
    /// The stamps cache as it is on disk.
    old_stamps: Stamps,
    force: bool,
    /// Files whose existing state was checked, and how it stood.
    checked: BTreeMap<String, Existing>,
    pending: Vec<Pending>,
    outcomes: Vec<(String, Outcome)>,
    /// Temporary files an interrupted earlier run left here, removed.
    pub removed_temps: Vec<PathBuf>,
}

impl Folder {
    /// Opens (creating) an output folder, removing the temporary files an
    /// interrupted run left. `force` lets edited files be replaced.
    pub fn open(dir: &Path, force: bool) -> Result<Folder> {
        std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
        let removed_temps = remove_stale_temps(dir)?;
        let old = Manifest::read(dir);
        let stamps = Stamps::read(dir);
        Ok(Folder {
            dir: dir.to_path_buf(),
            new: Manifest::default(),
            old_stamps: stamps.clone(),
            stamps,
            old,
            force,
            checked: BTreeMap::new(),
            pending: Vec::new(),
            outcomes: Vec::new(),
            removed_temps,
        })
    }

    fn existing(&self, name: &str) -> Result<Existing> {
        let path = self.dir.join(name);
        match std::fs::metadata(&path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::Absent),
            Err(e) => return Err(Error::read(&path, e)),
        };
        let Some(entry) = self.old.files.get(name) else {
            return Ok(Existing::Foreign);
        };
        let known: Vec<&Digest> = std::iter::once(&entry.digest).chain(&entry.also).collect();
        match is_one_of(&path, &known, self.stamps.get(name)).map_err(|e| Error::read(&path, e))? {
            Some(d) => Ok(Existing::Ours(vec![d])),
            None => Ok(Existing::Edited),
        }
    }

    /// Checks, before anything is written, that each of `names` may be
    /// written: absent, or as tracedoc left it (or `force`). A file that
    /// is not tracedoc's is refused later, unless this run writes the very
    /// same bytes.
    pub fn check(&mut self, names: &[&str]) -> Result<()> {
        for name in names {
            let state = self.existing(name)?;
            if state == Existing::Edited && !self.force {
                return Err(Error::HandEdited {
                    path: self.dir.join(name),
                });
            }
            self.checked.insert(name.to_string(), state);
        }
        Ok(())
    }

    /// Starts writing one file.
    pub fn create(&self, name: &str) -> Result<OutFile> {
        let path = self.dir.join(name);
        // Created and listed under the shared lock, so a signal never
        // finds a temporary file that is not on the list.
        let (tmp, registered) = {
            let _creating = CREATING.read().unwrap_or_else(PoisonError::into_inner);
            let tmp = tempfile::Builder::new()
                .prefix(TEMP_PREFIX)
                .suffix(TEMP_SUFFIX)
                .tempfile_in(&self.dir)
                .map_err(|e| Error::write(&path, e))?;
            live().push(tmp.path().to_path_buf());
            let registered = Registered(tmp.path().to_path_buf());
            (tmp, registered)
        };
        let (file, tmp) = tmp.into_parts();
        Ok(OutFile {
            name: name.to_string(),
            path,
            tmp,
            registered,
            file,
            buf: Vec::new(),
            hash: blake3::Hasher::new(),
            len: 0,
        })
    }

    /// Finishes a file: it replaces the old one when the folder is closed,
    /// unless the bytes are the same.
    pub fn finish(&mut self, file: OutFile) -> Result<Outcome> {
        let mut file = file;
        file.flush_buf().map_err(|e| Error::write(&file.path, e))?;
        let digest = format!("b3:{}", file.hash.finalize().to_hex());
        let OutFile {
            name,
            path,
            tmp,
            registered,
            file,
            len,
            ..
        } = file;
        let state = match self.checked.get(&name) {
            Some(s) => s.clone(),
            None => self.existing(&name)?,
        };
        let same = |state: &Existing| -> Result<bool> {
            Ok(match state {
                Existing::Ours(known) => known.contains(&digest),
                Existing::Foreign | Existing::Edited => {
                    digest_file(&path, &digest).map_err(|e| Error::read(&path, e))? == digest
                }
                Existing::Absent => false,
            })
        };
        let outcome = if same(&state)? {
            Outcome::Unchanged
        } else {
            match state {
                Existing::Foreign | Existing::Edited if !self.force => {
                    return Err(Error::HandEdited { path });
                }
                Existing::Absent => Outcome::Created,
                _ => Outcome::Updated,
            }
        };
        if outcome == Outcome::Unchanged {
            drop(file);
            drop(tmp);
            drop(registered);
            self.stamps.set(&name, Stamp::now(&path));
            self.new.files.insert(
                name.clone(),
                Entry {
                    digest,
                    size: len,
                    also: None,
                },
            );
        } else {
            set_mode(&file, &path);
            let stamp = file.metadata().ok().map(|m| Stamp::of(&m));
            drop(file);
            self.pending.push(Pending {
                name: name.clone(),
                path,
                tmp,
                _registered: registered,
                digest,
                size: len,
                stamp,
            });
        }
        self.outcomes.push((name, outcome));
        Ok(outcome)
    }

    /// Finishes a file people may edit (`index.md`): never forced over an
    /// edit. `None` when the file was kept as it is.
    pub fn finish_unforced(&mut self, file: OutFile) -> Result<Option<Outcome>> {
        let force = std::mem::replace(&mut self.force, false);
        let result = self.finish(file);
        self.force = force;
        match result {
            Ok(outcome) => Ok(Some(outcome)),
            Err(Error::HandEdited { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes a small file from memory.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<Outcome> {
        let mut f = self.create(name)?;
        f.write_all(bytes).map_err(|e| Error::write(&f.path, e))?;
        self.finish(f)
    }

    /// Records an input the folder is made from, and its stamp now.
    pub fn input(&mut self, name: &str, entry: Entry, stamp: Option<Stamp>) {
        self.new.inputs.insert(name.to_string(), entry);
        self.stamps.set(&input_key(name), stamp);
    }

    /// Keeps what the manifest says the folder was made from (its input and
    /// fingerprint): for files written into a folder another run owns
    /// (the overview pages beside a capture at the root of the tree).
    pub fn keep_inputs(&mut self) {
        self.new.fingerprint = self.old.fingerprint.clone();
        self.new.inputs = self.old.inputs.clone();
    }

    pub fn fingerprint(&mut self, fp: &str) {
        self.new.fingerprint = Some(fp.to_string());
    }

    /// Removes the files tracedoc wrote before (per the manifest) that this
    /// run did not write, `stale` says may go, and nobody edited. Returns
    /// their paths.
    pub fn remove_stale(&mut self, stale: impl Fn(&str) -> bool) -> Result<Vec<PathBuf>> {
        let names: Vec<String> = self
            .old
            .files
            .keys()
            .filter(|n| !self.outcomes.iter().any(|(o, _)| o == *n) && stale(n))
            .cloned()
            .collect();
        let mut removed = Vec::new();
        for name in names {
            let path = self.dir.join(&name);
            match self.existing(&name)? {
                Existing::Ours(_) => {
                    std::fs::remove_file(&path).map_err(|e| Error::write(&path, e))?;
                    removed.push(path);
                }
                // Already gone: only the manifest line is dropped.
                Existing::Absent => {}
                // Edited: kept, and still listed.
                _ => {
                    if let Some(e) = self.old.files.get(&name) {
                        self.new.files.insert(name.clone(), e.clone());
                    }
                }
            }
        }
        Ok(removed)
    }

    /// Empties a folder whose capture is gone: removes every file tracedoc
    /// wrote here that nobody edited, then its manifest and stamps once no
    /// edited file is left to remember. Returns the files removed and the
    /// edited files kept (still listed in the manifest, so a build of the
    /// capture coming back knows them).
    pub fn prune(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
        let mut folder = Folder::open(dir, false)?;
        let removed = folder.remove_stale(|_| true)?;
        let kept: Vec<PathBuf> = folder.new.files.keys().map(|n| dir.join(n)).collect();
        if kept.is_empty() {
            for name in [MANIFEST, STAMPS] {
                let path = dir.join(name);
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::write(&path, e)),
                }
            }
        } else {
            folder.close(|_| false)?;
        }
        Ok((removed, kept))
    }

    fn write_stamps(&self) -> Result<()> {
        self.write_raw(STAMPS, self.stamps.text().as_bytes())
    }

    fn write_manifest(&self, manifest: &Manifest) -> Result<()> {
        self.write_raw(MANIFEST, manifest.text().as_bytes())
    }

    /// Writes a file of tracedoc's own (manifest, stamps), atomically.
    fn write_raw(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.dir.join(name);
        let mut f = self.create(name)?;
        f.write_all(bytes).map_err(|e| Error::write(&path, e))?;
        f.flush_buf().map_err(|e| Error::write(&path, e))?;
        let OutFile {
            tmp,
            file,
            registered,
            ..
        } = f;
        set_mode(&file, &path);
        drop(file);
        tmp.persist(&path)
            .map_err(|e| Error::write(&path, e.error))?;
        drop(registered);
        Ok(())
    }

    /// Renames every finished file into place and writes the manifest
    /// (only when it changed). `keep` says which files of the old manifest
    /// that this run did not write stay listed (an `index.md` kept because
    /// it was edited). Returns what happened to each file.
    pub fn close(mut self, keep: impl Fn(&str) -> bool) -> Result<Vec<(String, Outcome)>> {
        for (name, e) in &self.old.files {
            if !self.new.files.contains_key(name)
                && !self.pending.iter().any(|p| p.name == *name)
                && keep(name)
            {
                self.new.files.insert(name.clone(), e.clone());
            }
        }
        // Old and new hash of every file about to change, before the first rename.
        let mut on_disk = None;
        if !self.pending.is_empty() {
            let mut during = self.new.clone();
            for p in &self.pending {
                let old = self.old.files.get(&p.name).map(|e| e.digest.clone());
                during.files.insert(
                    p.name.clone(),
                    Entry {
                        digest: p.digest.clone(),
                        size: p.size,
                        also: old.filter(|o| *o != p.digest),
                    },
                );
            }
            self.write_manifest(&during)?;
            on_disk = Some(during);
        }
        for p in std::mem::take(&mut self.pending) {
            test_pause(&p.path);
            p.tmp
                .persist(&p.path)
                .map_err(|e| Error::write(&p.path, e.error))?;
            self.stamps.set(&p.name, p.stamp);
            self.new.files.insert(
                p.name,
                Entry {
                    digest: p.digest,
                    size: p.size,
                    also: None,
                },
            );
        }
        // The manifest written before the renames is already the final
        // one when no file had an old hash to remember (a new folder).
        if self.new != *on_disk.as_ref().unwrap_or(&self.old) {
            self.write_manifest(&self.new)?;
        }
        // Only names the manifest lists keep a stamp.
        let listed = |name: &str| {
            self.new.files.contains_key(name)
                || self.new.inputs.keys().any(|i| input_key(i) == name)
        };
        self.stamps.0.retain(|name, _| listed(name));
        if self.stamps != self.old_stamps {
            self.write_stamps()?;
        }
        Ok(self.outcomes)
    }
}

/// Makes sure `dir` exists and a file can be written in it, before any
/// work: a docs folder that cannot be written is one error, said once,
/// rather than one per capture. The probe file is removed at once.
pub fn check_writable(dir: &Path) -> Result<()> {
    // A folder that is there already is not written to (a no-op build
    // must not move its mtime): its permissions say enough.
    if let Ok(meta) = std::fs::metadata(dir) {
        if !meta.is_dir() {
            return Err(Error::write(
                dir,
                std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a folder"),
            ));
        }
        if meta.permissions().readonly() {
            return Err(Error::write(
                dir,
                std::io::Error::new(std::io::ErrorKind::PermissionDenied, "not writable"),
            ));
        }
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let probe = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(|e| Error::write(dir, e))?;
    probe.close().map_err(|e| Error::write(dir, e))
}

/// How much an [`OutFile`] buffers before it writes to its file.
const BUF_BYTES: usize = 1 << 18;

/// A file being written: a temporary file, hashed as it goes.
#[derive(Debug)]
pub struct OutFile {
    name: String,
    path: PathBuf,
    tmp: tempfile::TempPath,
    registered: Registered,
    file: File,
    /// Bytes not written to `file` yet: up to [`BUF_BYTES`], grown as
    /// needed (most files are small, and a folder has a dozen of them).
    buf: Vec<u8>,
    hash: blake3::Hasher,
    len: u64,
}

impl OutFile {
    fn flush_buf(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            self.file.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Buffers `buf`, or writes it through when it is big.
    fn put(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if self.buf.len() + buf.len() > BUF_BYTES {
            self.flush_buf()?;
        }
        if buf.len() >= BUF_BYTES {
            self.file.write_all(buf)
        } else {
            self.buf.extend_from_slice(buf);
            Ok(())
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Write for OutFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.put(buf)?;
        if buf.len() >= 1 << 17 {
            self.hash.update_rayon(buf);
        } else {
            self.hash.update(buf);
        }
        self.len += buf.len() as u64;
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.flush_buf()?;
        self.file.flush()
    }
}

/// A temporary file is private (0600) and the rename would keep that: give
/// the result the mode of the file it replaces, or 0644, so a docs build or
/// web server running as another user can read it.
fn set_mode(tmp: &File, path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions())
            .unwrap_or_else(|_| std::fs::Permissions::from_mode(0o644));
        let _ = tmp.set_permissions(mode);
    }
    #[cfg(not(unix))]
    let _ = (tmp, path);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, files: &[(&str, &str)], force: bool) -> Result<Vec<(String, Outcome)>> {
        let mut f = Folder::open(dir, force)?;
        let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
        f.check(&names)?;
        for (name, text) in files {
            f.write(name, text.as_bytes())?;
        }
        f.close(|_| false)
    }

    #[test]
    fn writes_only_changes_and_protects_hand_edits() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        assert_eq!(
            write(d, &[("a.md", "one\n")], false).unwrap()[0].1,
            Outcome::Created
        );
        let mtime = std::fs::metadata(d.join("a.md"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(
            write(d, &[("a.md", "one\n")], false).unwrap()[0].1,
            Outcome::Unchanged
        );
        assert_eq!(
            std::fs::metadata(d.join("a.md"))
                .unwrap()
                .modified()
                .unwrap(),
            mtime
        );
        assert_eq!(
            write(d, &[("a.md", "two\n")], false).unwrap()[0].1,
            Outcome::Updated
        );
        std::fs::write(d.join("a.md"), "hand edit\n").unwrap();
        assert!(matches!(
            write(d, &[("a.md", "one\n")], false),
            Err(Error::HandEdited { .. })
        ));
        assert_eq!(
            std::fs::read_to_string(d.join("a.md")).unwrap(),
            "hand edit\n"
        );
        write(d, &[("a.md", "one\n")], true).unwrap();
        assert_eq!(std::fs::read_to_string(d.join("a.md")).unwrap(), "one\n");
        let left: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn an_edit_that_keeps_the_size_is_still_an_edit() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(d, &[("a.md", "one\n")], false).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(d.join("a.md"), "two\n").unwrap();
        assert!(write(d, &[("a.md", "three\n")], false).is_err());
    }

    #[test]
    fn version_one_manifests_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.md"), "old\n").unwrap();
        use sha2::Digest as _;
        let sha: String = sha2::Sha256::digest(b"old\n")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        std::fs::write(d.join(MANIFEST), format!("{sha}  a.md\n")).unwrap();
        assert_eq!(
            write(d, &[("a.md", "new\n")], false).unwrap()[0].1,
            Outcome::Updated
        );
        assert!(std::fs::read_to_string(d.join(MANIFEST))
            .unwrap()
            .starts_with(HEADER));
    }

    #[test]
    fn stale_files_go_unless_edited() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            d,
            &[("a.md", "a\n"), ("b.md", "b\n"), ("c.md", "c\n")],
            false,
        )
        .unwrap();
        std::fs::write(d.join("c.md"), "mine\n").unwrap();
        let mut f = Folder::open(d, false).unwrap();
        f.check(&["a.md"]).unwrap();
        f.write("a.md", b"a\n").unwrap();
        assert_eq!(f.remove_stale(|_| true).unwrap(), vec![d.join("b.md")]);
        f.close(|_| false).unwrap();
        assert!(!d.join("b.md").exists());
        assert_eq!(std::fs::read_to_string(d.join("c.md")).unwrap(), "mine\n");
    }

    #[cfg(unix)]
    #[test]
    fn written_files_are_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &[("a.md", "x\n")], false).unwrap();
        let mode = std::fs::metadata(dir.path().join("a.md"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
    }
}
