//! Puts ECharts into the binary: taken from npm (`web/package-lock.json`
//! pins it) with `npm ci` when `web/node_modules` lacks it, then copied to
//! OUT_DIR for `include_bytes!`. No third-party file is committed, and the
//! console works offline: the binary serves every asset itself.

use std::path::Path;
use std::process::Command;

fn main() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let echarts = web.join("node_modules/echarts/dist/echarts.min.js");
    println!("cargo:rerun-if-changed=web/package-lock.json");
    println!("cargo:rerun-if-changed={}", echarts.display());
    if !echarts.exists() {
        let status = Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&web).status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => {
                panic!("`npm ci` in {} failed ({s}): the console needs ECharts from the npm registry", web.display())
            }
            Err(e) => panic!(
                "cannot run npm ({e}): the web console embeds ECharts, fetched with `npm ci` at build time. \
                 Install Node.js and npm (Debian: `apt-get install nodejs npm`) and build again"
            ),
        }
    }
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("echarts.min.js");
    std::fs::copy(&echarts, &out).unwrap_or_else(|e| panic!("cannot copy {}: {e}", echarts.display()));
}
