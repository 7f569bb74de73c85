//! What `tonghao import PATH` turns a path into: a list of [`Job`]s, each read
//! (and stored) on its own, so that a broken file stops only itself.
//!
//! A folder or a .zip is first offered whole to the [`BUNDLE_SOURCES`] (a
//! Slack export is a folder); otherwise each file in it becomes a job, and
//! files no source recognises are skipped rather than failing the import.

use crate::{BUNDLE_SOURCES, BundleSource, ReadOptions, SourceError, TextFile, decode, detect};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use tonghao_model::EventSink;

/// The largest file (or zip entry, uncompressed) tonghao reads: a guard
/// against zip bombs and against mistaking a disk image for a chat.
pub const MAX_FILE_BYTES: u64 = 4 << 30;

/// A folder export, read file by file. `Send + Sync` so that a reader thread
/// can parse it while another writes to the store.
pub trait Bundle: Send + Sync {
    /// The name shown in messages.
    fn label(&self) -> &str;
    /// The files in it, as `/`-separated paths relative to its root, sorted.
    fn names(&self) -> &[String];
    /// Reads and decodes one of [`Bundle::names`].
    fn read_text(&self, name: &str) -> Result<TextFile, SourceError>;
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
        while let Some(dir) = stack.pop() {
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
                } else if let Ok(rel) = path.strip_prefix(root) {
                    names.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        names.sort();
        Ok(DirBundle { root: root.to_path_buf(), label, names })
    }
}

impl Bundle for DirBundle {
    fn label(&self) -> &str {
        &self.label
    }
    fn names(&self) -> &[String] {
        &self.names
    }
    fn read_text(&self, name: &str) -> Result<TextFile, SourceError> {
        read_path(&self.root.join(name))
    }
    fn size(&self) -> u64 {
        self.names.iter().filter_map(|n| std::fs::metadata(self.root.join(n)).ok()).map(|m| m.len()).sum()
    }
}

/// A .zip archive, read entry by entry without unpacking to disk.
pub struct ZipBundle {
    label: String,
    names: Vec<String>,
    archive: std::sync::Mutex<zip::ZipArchive<File>>,
}

impl ZipBundle {
    /// Opens the archive and lists its files.
    pub fn open(path: &Path) -> Result<Self, SourceError> {
        let label = path.display().to_string();
        let file = File::open(path).map_err(|source| SourceError::Io { file: label.clone(), source })?;
        let archive = zip::ZipArchive::new(file).map_err(|e| SourceError::Parse {
            file: label.clone(),
            position: crate::Position::Whole,
            message: format!("not a readable .zip archive: {e}"),
        })?;
        let mut names: Vec<String> = archive
            .file_names()
            .filter(|n| !n.ends_with('/') && !n.split('/').any(|c| c.starts_with('.') || c == "__MACOSX"))
            .map(str::to_string)
            .collect();
        names.sort();
        Ok(ZipBundle { label, names, archive: std::sync::Mutex::new(archive) })
    }
}

impl Bundle for ZipBundle {
    fn label(&self) -> &str {
        &self.label
    }
    fn names(&self) -> &[String] {
        &self.names
    }
    fn read_text(&self, name: &str) -> Result<TextFile, SourceError> {
        let shown = format!("{}!{}", self.label, name);
        let mut archive = self.archive.lock().unwrap_or_else(|e| e.into_inner());
        let entry = archive.by_name(name).map_err(|e| SourceError::Parse {
            file: shown.clone(),
            position: crate::Position::Whole,
            message: format!("cannot read archive entry: {e}"),
        })?;
        let mut bytes = Vec::with_capacity(entry.size().min(MAX_FILE_BYTES) as usize);
        entry
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|source| SourceError::Io { file: shown.clone(), source })?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(too_big(&shown));
        }
        let d = decode(&shown, bytes)?;
        Ok(TextFile { name: shown, text: d.text, encoding: d.encoding })
    }
    fn size(&self) -> u64 {
        self.names.iter().map(|n| self.entry_size(n)).sum()
    }
}

impl ZipBundle {
    /// The uncompressed size of one entry (0 if unreadable).
    pub fn entry_size(&self, name: &str) -> u64 {
        self.archive.lock().unwrap_or_else(|e| e.into_inner()).by_name(name).map(|e| e.size()).unwrap_or(0)
    }
}

fn too_big(file: &str) -> SourceError {
    SourceError::Parse {
        file: file.to_string(),
        position: crate::Position::Whole,
        message: format!("larger than {} GiB; split the export", MAX_FILE_BYTES >> 30),
    }
}

/// Reads and decodes one file from disk.
pub fn read_path(path: &Path) -> Result<TextFile, SourceError> {
    let name = path.display().to_string();
    let len = std::fs::metadata(path).map_err(|source| SourceError::Io { file: name.clone(), source })?.len();
    if len > MAX_FILE_BYTES {
        return Err(too_big(&name));
    }
    let bytes = std::fs::read(path).map_err(|source| SourceError::Io { file: name.clone(), source })?;
    let d = decode(&name, bytes)?;
    Ok(TextFile { name, text: d.text, encoding: d.encoding })
}

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
        }
    }

    /// The bytes the job will read (on disk or compressed), for progress bars.
    pub fn size(&self) -> u64 {
        match self {
            Job::File { path, .. } => std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
            Job::ZipEntry { archive, name } => archive.entry_size(name),
            Job::Bundle { bundle, .. } => bundle.size(),
        }
    }

    /// Reads the job's file(s) and streams their events into `sink`.
    pub fn run(
        &self,
        format: Option<&str>,
        opts: &ReadOptions,
        sink: &mut dyn EventSink,
    ) -> Result<Outcome, SourceError> {
        let (file, explicit) = match self {
            Job::Bundle { bundle, source } => {
                source.read(bundle.as_ref(), opts, sink)?;
                return Ok(Outcome::Read { format: source.name(), encoding: "UTF-8" });
            }
            Job::File { path, explicit } => (read_path(path), *explicit),
            Job::ZipEntry { archive, name } => (archive.read_text(name), false),
        };
        let file = match file {
            Ok(f) => f,
            // A binary file found in a folder (an image beside the chat) is not an error.
            Err(SourceError::Encoding { .. }) if !explicit => return Ok(Outcome::Skipped("not text".into())),
            Err(e) => return Err(e),
        };
        let source = match detect(&file, format) {
            Ok(s) => s,
            Err(SourceError::Unrecognised { message, .. }) if !explicit && format.is_none() => {
                return Ok(Outcome::Skipped(message));
            }
            Err(e) => return Err(e),
        };
        source.read(&file, opts, sink)?;
        Ok(Outcome::Read { format: source.name(), encoding: file.encoding })
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
    plan_dir(path, format, &mut jobs)?;
    Ok(jobs)
}

fn bundle_source(bundle: &dyn Bundle, format: Option<&str>) -> Option<&'static dyn BundleSource> {
    match format {
        Some(f) => BUNDLE_SOURCES.iter().find(|s| s.name() == f).copied(),
        None => BUNDLE_SOURCES.iter().find(|s| s.sniff(bundle)).copied(),
    }
}

fn plan_dir(dir: &Path, format: Option<&str>, jobs: &mut Vec<Job>) -> Result<(), SourceError> {
    let bundle = DirBundle::open(dir)?;
    if let Some(source) = bundle_source(&bundle, format) {
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
        if entry.is_dir() {
            plan_dir(&entry, format, jobs)?;
        } else if entry.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip")) {
            // A zipped export inside the folder (WhatsApp's, Slack's).
            jobs.extend(plan(&entry, format)?);
        } else {
            jobs.push(Job::File { path: entry, explicit: false });
        }
    }
    Ok(())
}
