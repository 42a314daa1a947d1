//! Builds the `coinop` npm package when the demo needs it: `npm ci` if
//! `bindings/js/node_modules` is missing, `node build.mjs` if `dist/` is
//! missing or older than the sources it is built from.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// The repository paths the launcher uses.
#[derive(Debug)]
pub struct Paths {
    /// `bindings/js`.
    pub js: PathBuf,
    /// `bindings/js/dist`, served at `/coinop/`.
    pub dist: PathBuf,
    /// Sources `dist/` is built from: newer files here mean a rebuild.
    pub sources: Vec<PathBuf>,
}

impl Paths {
    /// The paths for the repository holding `examples/cursors` at `crate_dir`.
    pub fn from_crate_dir(crate_dir: &Path) -> Self {
        let root = crate_dir.join("..").join("..");
        let js = root.join("bindings").join("js");
        Self {
            dist: js.join("dist"),
            sources: vec![
                js.join("src"),
                js.join("build.mjs"),
                js.join("package.json"),
                root.join("crates").join("coinop").join("src"),
                root.join("crates").join("coinop").join("Cargo.toml"),
                root.join("bindings").join("wasm").join("src"),
                root.join("bindings").join("wasm").join("Cargo.toml"),
            ],
            js,
        }
    }
}

/// Why the package could not be built.
#[derive(Debug)]
pub enum PrepareError {
    /// `node` or `npm` is not installed.
    Missing(&'static str),
    /// A command ran and failed.
    Failed(String),
    /// Something else went wrong on the way.
    Io(io::Error),
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrepareError::Missing(tool) => write!(
                f,
                "`{tool}` was not found: install Node.js 20 or later (it comes with npm), \
                 then run this again"
            ),
            PrepareError::Failed(what) => write!(f, "{what} failed (see its output above)"),
            PrepareError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Runs `npm ci` and `node build.mjs` in `bindings/js` when needed.
pub fn ensure_built(paths: &Paths) -> Result<(), PrepareError> {
    if !paths.js.join("node_modules").is_dir() {
        println!("cursors: bindings/js/node_modules is missing: running `npm ci` there");
        run("npm", &["ci"], &paths.js)?;
    }
    let index = paths.dist.join("index.js");
    let built = modified(&index);
    let newest = paths.sources.iter().filter_map(|p| newest_in(p)).max();
    let stale = match (built, newest) {
        (None, _) => Some("missing"),
        (Some(built), Some(newest)) if newest > built => Some("older than its sources"),
        _ => None,
    };
    if let Some(why) = stale {
        println!(
            "cursors: bindings/js/dist is {why}: running `node build.mjs` there \
             (the first build also builds the Wasm core and takes a few minutes)"
        );
        match run("node", &["build.mjs"], &paths.js) {
            // An older build still runs the demo: say so rather than stop.
            Err(PrepareError::Missing(tool)) if built.is_some() => {
                eprintln!("cursors: `{tool}` was not found; serving the existing (older) build");
                return Ok(());
            }
            result => result?,
        }
        if !index.exists() {
            return Err(PrepareError::Failed(
                "node build.mjs (no dist/index.js)".into(),
            ));
        }
    }
    Ok(())
}

fn run(tool: &'static str, args: &[&str], dir: &Path) -> Result<(), PrepareError> {
    let status = Command::new(tool)
        .args(args)
        .current_dir(dir)
        .status()
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => PrepareError::Missing(tool),
            _ => PrepareError::Io(e),
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(PrepareError::Failed(format!("`{tool} {}`", args.join(" "))))
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    path.metadata().and_then(|m| m.modified()).ok()
}

/// The newest modification time of a file, or of any file under a
/// directory (recursively).
fn newest_in(path: &Path) -> Option<SystemTime> {
    let meta = path.metadata().ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| newest_in(&entry.path()))
        .max()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn newest_looks_into_subdirectories() {
        let tmp = std::env::temp_dir().join(format!("cursors-prepare-{}", std::process::id()));
        std::fs::create_dir_all(tmp.join("a/b")).unwrap();
        std::fs::write(tmp.join("old.txt"), "x").unwrap();
        let old = newest_in(&tmp).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(tmp.join("a/b/new.txt"), "y").unwrap();
        let new = newest_in(&tmp).unwrap();
        assert!(new > old);
        assert_eq!(newest_in(&tmp.join("missing")), None);
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
