//! What `tonghao import PATH` turns a path into: a list of [`Job`]s, each read
//! (and stored) on its own, so that a broken file stops only itself.
//!
//! A folder or a .zip is first offered whole to the [`BUNDLE_SOURCES`] (a
//! Slack export is a folder); otherwise each file in it becomes a job, and
//! files no source recognises are skipped rather than failing the import.

use crate::stream::{Input, Limits, Reopen, mib};
use crate::{BUNDLE_SOURCES, BundleSource, Position, ReadOptions, SourceError, TextFile, detect};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tonghao_model::EventSink;
use tonghao_model::msg::Msg;

pub use crate::stream::MAX_FILE_BYTES;

/// A folder export, read file by file. `Send + Sync` so that a reader thread
/// can parse it while another writes to the store.
pub trait Bundle: Send + Sync {
    /// The name shown in messages.
    fn label(&self) -> &str;
    /// The files in it, as `/`-separated paths relative to its root, sorted.
    fn names(&self) -> &[String];
    /// Opens one of [`Bundle::names`] as a stream of decoded text.
    fn open_text(&self, name: &str) -> Result<Input<'static>, SourceError>;
    /// Total bytes of its files, for progress bars.
    fn size(&self) -> u64;
}

/// A folder on disk.
pub struct DirBundle {
    root: PathBuf,
    label: String,
    names: Vec<String>,
}

impl DirBundle {
    /// Lists every file under `root` (hidden files and folders excluded).
    pub fn open(root: &Path) -> Result<Self, SourceError> {
        let label = root.display().to_string();
        let mut names = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        // Each folder once, however many links lead to it.
        let mut seen = std::collections::HashSet::new();
        while let Some(dir) = stack.pop() {
            if let Ok(id) = std::fs::canonicalize(&dir)
                && !seen.insert(id)
            {
                continue;
            }
            let entries = std::fs::read_dir(&dir)
                .map_err(|source| SourceError::Io { file: dir.display().to_string(), source })?;
            for entry in entries {
                let entry = entry.map_err(|source| SourceError::Io { file: dir.display().to_string(), source })?;
                let path = entry.path();
                if entry.file_name().to_string_lossy().starts_with('.') {
                    continue;
                }
                if path.is_dir() {
                    stack.push(path);
                } else if !path.is_file() {
                    // FIFOs, sockets, devices, broken links: never opened.
                    continue;
                } else if let Ok(rel) = path.strip_prefix(root) {
                    names.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        names.sort();
        Ok(DirBundle { root: root.to_path_buf(), label, names })
    }

    /// The same folder with only the files directly in it: what a walk
    /// sniffs, so that a folder holding a Slack export in one subfolder and
    /// other chats beside it is walked into, not taken whole as that export.
    fn top_level(&self) -> DirBundle {
        let names = self.names.iter().filter(|n| !n.contains('/')).cloned().collect();
        DirBundle { root: self.root.clone(), label: self.label.clone(), names }
    }
}

impl Bundle for DirBundle {
    fn label(&self) -> &str {
        &self.label
    }
    fn names(&self) -> &[String] {
        &self.names
    }
    fn open_text(&self, name: &str) -> Result<Input<'static>, SourceError> {
        open_path(&self.root.join(name), Limits::default())
    }
    fn size(&self) -> u64 {
        self.names.iter().filter_map(|n| std::fs::metadata(self.root.join(n)).ok()).map(|m| m.len()).sum()
    }
}

/// A .zip archive, read entry by entry without unpacking to disk. Each entry
/// is streamed through its own decompressor straight from the archive file,
/// under [`Limits::max_file_bytes`] and [`Limits::max_zip_ratio`]: a zip bomb
/// is refused from its declared sizes before any of it is expanded, or, if
/// its headers lie, as soon as it expands past what they allow.
pub struct ZipBundle {
    label: String,
    names: Vec<String>,
    /// The central directory, for looking entries up.
    archive: std::sync::Mutex<zip::ZipArchive<File>>,
    /// The same file for reading entries' data at their offsets, so that an
    /// entry's stream owns what it reads from and holds no lock.
    data: Arc<File>,
    limits: Limits,
}

/// Where an entry's data is and how it is stored.
#[derive(Clone, Copy)]
struct EntryInfo {
    start: u64,
    compressed: u64,
    size: u64,
    crc: u32,
    deflated: bool,
}

impl ZipBundle {
    /// Opens the archive and lists its files.
    pub fn open(path: &Path) -> Result<Self, SourceError> {
        let label = path.display().to_string();
        let file = File::open(path).map_err(|source| SourceError::Io { file: label.clone(), source })?;
        let data = Arc::new(file.try_clone().map_err(|source| SourceError::Io { file: label.clone(), source })?);
        let archive = zip::ZipArchive::new(file).map_err(|e| SourceError::Parse {
            file: label.clone(),
            position: Position::Whole,
            why: Msg::new("source.zip_unreadable").text("detail", e.to_string()),
        })?;
        let mut names: Vec<String> = archive
            .file_names()
            .filter(|n| !n.ends_with('/') && !n.split('/').any(|c| c.starts_with('.') || c == "__MACOSX"))
            .map(str::to_string)
            .collect();
        names.sort();
        Ok(ZipBundle { label, names, archive: std::sync::Mutex::new(archive), data, limits: Limits::default() })
    }

    /// The same archive read under other limits (tests of hostile input).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The uncompressed size of one entry as its header declares it (0 if
    /// unreadable).
    pub fn entry_size(&self, name: &str) -> u64 {
        self.archive.lock().unwrap_or_else(|e| e.into_inner()).by_name(name).map(|e| e.size()).unwrap_or(0)
    }

    fn info(&self, shown: &str, name: &str) -> Result<EntryInfo, SourceError> {
        let bad = |why: Msg| SourceError::Parse { file: shown.to_string(), position: Position::Whole, why };
        let mut archive = self.archive.lock().unwrap_or_else(|e| e.into_inner());
        let entry =
            archive.by_name(name).map_err(|e| bad(Msg::new("source.zip_entry").text("detail", e.to_string())))?;
        if entry.encrypted() {
            return Err(bad(Msg::new("source.zip_encrypted")));
        }
        let deflated = match entry.compression() {
            zip::CompressionMethod::Stored => false,
            zip::CompressionMethod::Deflated => true,
            other => return Err(bad(Msg::new("source.zip_method").text("method", other.to_string()))),
        };
        Ok(EntryInfo {
            start: entry.data_start(),
            compressed: entry.compressed_size(),
            size: entry.size(),
            crc: entry.crc32(),
            deflated,
        })
    }

    /// How far an entry of `compressed` bytes may expand.
    fn allowed(&self, compressed: u64) -> u64 {
        let by_ratio = compressed.saturating_mul(self.limits.max_zip_ratio).max(self.limits.zip_ratio_floor);
        by_ratio.min(self.limits.max_file_bytes)
    }
}

impl Bundle for ZipBundle {
    fn label(&self) -> &str {
        &self.label
    }
    fn names(&self) -> &[String] {
        &self.names
    }
    /// Opens one entry as a stream of decoded text.
    fn open_text(&self, name: &str) -> Result<Input<'static>, SourceError> {
        let shown = format!("{}!{}", self.label, name);
        let info = self.info(&shown, name)?;
        let allowed = self.allowed(info.compressed);
        if info.size > allowed {
            return Err(too_big(&shown, info.size, info.compressed, &self.limits));
        }
        let (data, limits, label) = (self.data.clone(), self.limits.clone(), shown.clone());
        let open = move || -> Box<dyn Read> {
            let end = info.start.saturating_add(info.compressed);
            let raw = Slice { file: data.clone(), name: label.clone(), pos: info.start, end };
            let inner: Box<dyn Read> = if info.deflated {
                Box::new(flate2::read::DeflateDecoder::new(BufReader::with_capacity(64 * 1024, raw)))
            } else {
                Box::new(raw)
            };
            Box::new(Checked {
                inner,
                name: label.clone(),
                read: 0,
                allowed,
                compressed: info.compressed,
                limits: limits.clone(),
                crc: crc32fast::Hasher::new(),
                want_crc: info.crc,
            })
        };
        let first = open();
        let reopen: Reopen<'static> = Box::new(move || Ok(open()));
        Input::with_limits(&shown, first, Some(reopen), self.limits.clone())
    }
    fn size(&self) -> u64 {
        self.names.iter().map(|n| self.entry_size(n)).sum()
    }
}

/// The bytes `pos..end` of a shared file, read at their offsets.
struct Slice {
    file: Arc<File>,
    /// The entry, as errors name it (`archive.zip!chat.txt`).
    name: String,
    pos: u64,
    end: u64,
}

impl Read for Slice {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        let want = out.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = read_at(&self.file, &mut out[..want], self.pos)?;
        if n == 0 {
            let why = Msg::new("source.zip_cut");
            return Err(io::Error::other(SourceError::parse(&self.name, Position::Whole, why)));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(unix)]
fn read_at(file: &File, out: &mut [u8], pos: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, out, pos)
}

#[cfg(windows)]
fn read_at(file: &File, out: &mut [u8], pos: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, out, pos)
}

/// An entry's expanded bytes, counted against the limits and checked
/// against the CRC the archive records.
struct Checked {
    inner: Box<dyn Read>,
    name: String,
    read: u64,
    allowed: u64,
    compressed: u64,
    limits: Limits,
    crc: crc32fast::Hasher,
    want_crc: u32,
}

impl Read for Checked {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        self.read += n as u64;
        if self.read > self.allowed {
            // The headers understated the size: stop expanding right here.
            return Err(io::Error::other(too_big(&self.name, self.read, self.compressed, &self.limits)));
        }
        if n == 0 {
            if self.crc.clone().finalize() != self.want_crc {
                return Err(io::Error::other(SourceError::parse(
                    &self.name,
                    Position::Byte(usize::try_from(self.read).unwrap_or(usize::MAX)),
                    Msg::new("source.zip_crc"),
                )));
            }
        } else {
            self.crc.update(&out[..n]);
        }
        Ok(n)
    }
}

fn too_big(file: &str, size: u64, compressed: u64, limits: &Limits) -> SourceError {
    let why = if size > limits.max_file_bytes {
        Msg::new("source.zip_too_big").text("limit", mib(limits.max_file_bytes))
    } else {
        Msg::new("source.zip_bomb")
            .int("ratio", size / compressed.max(1))
            .text("compressed", mib(compressed))
            .text("floor", mib(limits.zip_ratio_floor))
            .int("max", limits.max_zip_ratio)
    };
    SourceError::Parse {
        file: file.to_string(),
        position: Position::Byte(usize::try_from(size).unwrap_or(usize::MAX)),
        why,
    }
}

/// Opens a file on disk as a stream of decoded text; the file is re-opened
/// for a second pass ([`Input::rewind`]).
pub fn open_path(path: &Path, limits: Limits) -> Result<Input<'static>, SourceError> {
    let name = path.display().to_string();
    let len = std::fs::metadata(path).map_err(|source| SourceError::Io { file: name.clone(), source })?.len();
    if len > limits.max_file_bytes {
        return Err(SourceError::Parse {
            file: name,
            position: Position::Whole,
            why: Msg::new("source.file_too_big").text("limit", mib(limits.max_file_bytes)),
        });
    }
    let (path, shown) = (path.to_path_buf(), name.clone());
    let open = move || -> Result<Box<dyn Read>, SourceError> {
        let file = File::open(&path).map_err(|source| SourceError::Io { file: shown.clone(), source })?;
        Ok(Box::new(file))
    };
    let first = open()?;
    Input::with_limits(&name, first, Some(Box::new(open)), limits)
}

/// Reads and decodes one whole file from disk (tests and small files; the
/// import streams with [`open_path`]).
pub fn read_path(path: &Path) -> Result<TextFile, SourceError> {
    open_path(path, Limits::default())?.into_text()
}

/// Why a path found in a folder is skipped rather than read: the words
/// the import log shows. Faces that speak another language translate by
/// these constants (tonghao-app's `ingest::skip_msg`).
pub const SKIP_LINKED_FOLDER: &str = "a link to a folder already imported";
/// A link that leads nowhere, or an entry the folder listing could not read.
pub const SKIP_BROKEN: &str = "a broken link or an unreadable entry";
/// A FIFO, a socket or a device.
pub const SKIP_NOT_A_FILE: &str = "not a regular file (a FIFO, a socket or a device)";
/// A binary file beside the chats (an image).
pub const SKIP_NOT_TEXT: &str = "not text";

/// One unit of import: one file, one archive entry, or one folder export.
pub enum Job {
    /// A file on disk. `explicit` when the user named it (then an unknown
    /// format is an error, not a skip).
    File {
        /// The file.
        path: PathBuf,
        /// Named by the user rather than found in a folder.
        explicit: bool,
    },
    /// A file inside a .zip.
    ZipEntry {
        /// The archive, shared by its entries.
        archive: std::sync::Arc<ZipBundle>,
        /// The entry's name.
        name: String,
    },
    /// A whole folder export.
    Bundle {
        /// The folder or archive.
        bundle: Box<dyn Bundle>,
        /// The format that recognised it.
        source: &'static dyn BundleSource,
    },
    /// Something found in a folder that is never opened (a FIFO, a socket,
    /// a device, a link back into a folder already walked): named in the
    /// summary with why, since opening a FIFO would wait forever.
    Skip {
        /// What was found.
        path: PathBuf,
        /// Why it is not read.
        why: &'static str,
    },
}

/// What running a job did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Read in this format.
    Read {
        /// The format's name.
        format: &'static str,
        /// The text encoding of the (first) file.
        encoding: &'static str,
    },
    /// Skipped: not an export (a README, a licence, an image).
    Skipped(String),
}

impl Job {
    /// The name shown in progress and summaries.
    pub fn label(&self) -> String {
        match self {
            Job::File { path, .. } => path.display().to_string(),
            Job::ZipEntry { archive, name } => format!("{}!{}", archive.label(), name),
            Job::Bundle { bundle, .. } => bundle.label().to_string(),
            Job::Skip { path, .. } => path.display().to_string(),
        }
    }

    /// The bytes the job will read (on disk or compressed), for progress bars.
    pub fn size(&self) -> u64 {
        match self {
            Job::File { path, .. } => std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
            Job::ZipEntry { archive, name } => archive.entry_size(name),
            Job::Bundle { bundle, .. } => bundle.size(),
            Job::Skip { .. } => 0,
        }
    }

    /// Reads the job's file(s) and streams their events into `sink`.
    pub fn run(
        &self,
        format: Option<&str>,
        opts: &ReadOptions,
        sink: &mut dyn EventSink,
    ) -> Result<Outcome, SourceError> {
        let (input, explicit) = match self {
            Job::Bundle { bundle, source } => {
                source.read(bundle.as_ref(), opts, sink)?;
                return Ok(Outcome::Read { format: source.name(), encoding: "UTF-8" });
            }
            Job::File { path, explicit } => (open_path(path, Limits::default()), *explicit),
            Job::ZipEntry { archive, name } => (archive.open_text(name), false),
            Job::Skip { why, .. } => return Ok(Outcome::Skipped(why.to_string())),
        };
        let mut input = match input {
            Ok(f) => f,
            // A binary file found in a folder (an image beside the chat) is not an error.
            Err(SourceError::Encoding { .. }) if !explicit => return Ok(Outcome::Skipped(SKIP_NOT_TEXT.into())),
            Err(e) => return Err(e),
        };
        let source = match detect(&input, format) {
            Ok(s) => s,
            // Without a format, nothing recognised it: not an export.
            Err(SourceError::Unrecognised { .. }) if !explicit && format.is_none() => {
                return Ok(Outcome::Skipped(crate::NOT_AN_EXPORT.into()));
            }
            Err(e) => return Err(e),
        };
        source.read(&mut input, opts, sink)?;
        Ok(Outcome::Read { format: source.name(), encoding: input.encoding() })
    }
}

/// Turns a path the user named into jobs. `format` (from `--format`) may name
/// a bundle format to force it. Folders are searched for folder exports at
/// every level, so importing a whole tree of exports finds the Slack export
/// three folders down.
pub fn plan(path: &Path, format: Option<&str>) -> Result<Vec<Job>, SourceError> {
    let meta =
        std::fs::metadata(path).map_err(|source| SourceError::Io { file: path.display().to_string(), source })?;
    let is_zip = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    if !meta.is_dir() && !is_zip {
        return Ok(vec![Job::File { path: path.to_path_buf(), explicit: true }]);
    }
    if !meta.is_dir() {
        let archive = ZipBundle::open(path)?;
        if let Some(source) = bundle_source(&archive, format) {
            return Ok(vec![Job::Bundle { bundle: Box::new(archive), source }]);
        }
        let archive = std::sync::Arc::new(archive);
        return Ok(archive
            .names()
            .to_vec()
            .into_iter()
            .map(|name| Job::ZipEntry { archive: archive.clone(), name })
            .collect());
    }
    let mut jobs = Vec::new();
    let mut walked = std::collections::HashSet::new();
    plan_dir(path, format, &mut jobs, &mut walked)?;
    Ok(jobs)
}

fn bundle_source(bundle: &dyn Bundle, format: Option<&str>) -> Option<&'static dyn BundleSource> {
    match format {
        Some(f) => BUNDLE_SOURCES.iter().find(|s| s.name() == f).copied(),
        None => BUNDLE_SOURCES.iter().find(|s| s.sniff(bundle)).copied(),
    }
}

/// A folder's identity on disk, so that a walk never enters one twice: two
/// links to their own parent would otherwise walk forever, growing the job
/// list without limit.
fn folder_id(dir: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(dir).ok()
}

fn plan_dir(
    dir: &Path,
    format: Option<&str>,
    jobs: &mut Vec<Job>,
    walked: &mut std::collections::HashSet<PathBuf>,
) -> Result<(), SourceError> {
    if let Some(id) = folder_id(dir)
        && !walked.insert(id)
    {
        jobs.push(Job::Skip { path: dir.to_path_buf(), why: SKIP_LINKED_FOLDER });
        return Ok(());
    }
    let bundle = DirBundle::open(dir)?;
    // Unforced, a folder is an export folder when it is one at its own top
    // level; one nested deeper is found by walking down to it.
    let source = match format {
        Some(_) => bundle_source(&bundle, format),
        None => bundle_source(&bundle.top_level(), None),
    };
    if let Some(source) = source {
        jobs.push(Job::Bundle { bundle: Box::new(bundle), source });
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| SourceError::Io { file: dir.display().to_string(), source })?
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    entries.sort();
    for entry in entries {
        // Links are followed (an export folder may be a link), by what they point at.
        let Ok(meta) = std::fs::metadata(&entry) else {
            jobs.push(Job::Skip { path: entry, why: SKIP_BROKEN });
            continue;
        };
        if meta.is_dir() {
            plan_dir(&entry, format, jobs, walked)?;
        } else if !meta.is_file() {
            jobs.push(Job::Skip { path: entry, why: SKIP_NOT_A_FILE });
        } else if entry.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip")) {
            // A zipped export inside the folder (WhatsApp's, Slack's).
            jobs.extend(plan(&entry, format)?);
        } else {
            jobs.push(Job::File { path: entry, explicit: false });
        }
    }
    Ok(())
}
