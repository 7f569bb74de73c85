//! A throwaway PostgreSQL server for tests: `initdb` in a temporary folder,
//! `postgres` on a free port of 127.0.0.1, one server per process, a new
//! database per call of [`database_url`]. Not an API: the store's and the
//! CLI's tests use it so that both backends run against real databases.
//!
//! The server runs under a small shell that waits on a pipe from this
//! process: when the process ends, however it ends, the pipe closes and the
//! shell stops the server and removes its folder. As root (`initdb` refuses
//! root) the server runs as the `postgres` user through `runuser`.
//! Without PostgreSQL's server programs this panics, naming what to install:
//! tests never skip.

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

struct Server {
    port: u16,
    /// Kept open for the life of the process: closing it stops the server.
    _guard: (Child, ChildStdin),
}

static SERVER: OnceLock<Server> = OnceLock::new();
static DATABASES: AtomicU32 = AtomicU32::new(0);

/// The URL of a new, empty database on this process's test server (started
/// on first use).
pub fn database_url() -> String {
    create_database(None)
}

/// The URL of a new, empty database whose tables live in `folder` (a
/// tablespace; the write-ahead log stays with the server): the full-disk
/// test puts it on a small file system of its own. As root, `folder` is
/// given to the `postgres` user first.
pub fn database_url_in(folder: &Path) -> String {
    create_database(Some(folder))
}

fn create_database(folder: Option<&Path>) -> String {
    let server = SERVER.get_or_init(|| start().unwrap_or_else(|e| panic!("{e}")));
    let name = format!("tonghao_{}", DATABASES.fetch_add(1, Ordering::Relaxed));
    let admin = format!("postgres://postgres@127.0.0.1:{}/postgres", server.port);
    let mut client = postgres::Client::connect(&admin, postgres::NoTls).expect("the test server answers");
    let mut create = format!("CREATE DATABASE {name}");
    if let Some(folder) = folder {
        if is_root() {
            let given = Command::new("chown").arg("postgres:").arg(folder).status().is_ok_and(|s| s.success());
            assert!(given, "cannot give {} to the postgres user", folder.display());
        }
        let location = folder.to_str().expect("a UTF-8 path").replace('\'', "''");
        client
            .batch_execute(&format!("CREATE TABLESPACE {name} LOCATION '{location}'"))
            .expect("a tablespace is created");
        create.push_str(&format!(" TABLESPACE {name}"));
    }
    client.batch_execute(&create).expect("a test database is created");
    format!("postgres://postgres@127.0.0.1:{}/{name}", server.port)
}

/// Rows that name a group or member no longer there, as `(table.column,
/// count)` for each check that finds any: the event tables have no foreign
/// keys since migration 0007, so tonghao's own statements (deletes, undo,
/// merges, an import killed part-way) must leave none. Empty when sound.
pub fn orphans(c: &mut postgres::Client) -> Vec<(String, i64)> {
    let missing = |table: &str, column: &str, parent: &str| {
        format!(
            "SELECT '{table}.{column}', count(*) FROM {table} x WHERE x.{column} IS NOT NULL AND NOT EXISTS
             (SELECT 1 FROM {parent} p WHERE p.community_id = x.community_id AND p.id = x.{column})"
        )
    };
    let mut checks = Vec::new();
    for table in ["messages", "memberships", "activities", "member_names"] {
        checks.push(missing(table, "group_id", "groups"));
        checks.push(missing(table, "member_id", "members"));
    }
    checks.push(missing("memberships", "by_member_id", "members"));
    checks.push(missing("identities", "member_id", "members"));
    checks.push(missing("messages", "import_id", "imports"));
    checks
        .iter()
        .map(|sql| {
            let r = c.query_one(sql.as_str(), &[]).expect("an orphan check runs");
            (r.get::<_, String>(0), r.get::<_, i64>(1))
        })
        .filter(|&(_, n)| n > 0)
        .collect()
}

/// This process runs as root (`initdb` and tablespaces then need the
/// `postgres` user).
fn is_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

/// The folder of PostgreSQL's server programs: `$TONGHAO_PG_BIN`, else the
/// newest `/usr/lib/postgresql/*/bin` (Debian), else `pg_config --bindir`.
fn bin_dir() -> Result<PathBuf, String> {
    let has_all = |d: &Path| ["initdb", "postgres"].iter().all(|p| d.join(p).is_file());
    if let Some(d) = std::env::var_os("TONGHAO_PG_BIN").map(PathBuf::from) {
        return if has_all(&d) {
            Ok(d)
        } else {
            Err(format!("TONGHAO_PG_BIN={} has no initdb and postgres", d.display()))
        };
    }
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, d)| has_all(d))
        .collect();
    debian.sort();
    if let Some((_, d)) = debian.pop() {
        return Ok(d);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let d = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_all(&d) {
            return Ok(d);
        }
    }
    Err("the PostgreSQL tests need PostgreSQL's server programs (initdb, postgres), which were not found: \
         install them (Debian/Ubuntu: `apt-get install postgresql`), or point TONGHAO_PG_BIN at their folder"
        .into())
}

/// A command run as the `postgres` user when this process is root.
fn as_server_user(program: &Path, root: bool) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn start() -> Result<Server, String> {
    let bin = bin_dir()?;
    let root = is_root();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("tonghao-pg-{}-{nanos}", std::process::id()));
    std::fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    if root {
        let ok = Command::new("chown").arg("postgres:").arg(&dir).status().is_ok_and(|s| s.success());
        if !ok {
            return Err("initdb refuses to run as root, and the `postgres` user to run it as is missing \
                        (Debian: `apt-get install postgresql` creates it)"
                .into());
        }
    }
    let data = dir.join("data");
    let out = as_server_user(&bin.join("initdb"), root)
        .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync", "-D"])
        .arg(&data)
        .output()
        .map_err(|e| format!("cannot run initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!("initdb failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))?
        .port();
    // The shell starts the server, waits for this process's end (EOF on its
    // stdin), then stops it and removes the folder.
    let script = format!(
        "\"$0\" -D \"$1\" -p {port} -k \"$1\" -c listen_addresses=127.0.0.1 -c fsync=off \
         -c synchronous_commit=off -c full_page_writes=off > \"$2/log\" 2>&1 & pid=$!; \
         cat > /dev/null; kill -INT $pid; wait $pid; rm -rf \"$2\""
    );
    let mut child = as_server_user(Path::new("sh"), root)
        .arg("-c")
        .arg(script)
        .arg(bin.join("postgres"))
        .arg(&data)
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start postgres: {e}"))?;
    let stdin = child.stdin.take().expect("piped");
    let deadline = Instant::now() + Duration::from_secs(60);
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    loop {
        if postgres::Client::connect(&url, postgres::NoTls).is_ok() {
            break;
        }
        if Instant::now() > deadline || child.try_wait().ok().flatten().is_some() {
            let mut log = String::new();
            let _ = std::fs::File::open(dir.join("log")).and_then(|mut f| f.read_to_string(&mut log));
            return Err(format!("the test PostgreSQL server did not start on port {port}:\n{log}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Server { port, _guard: (child, stdin) })
}
