//! The golden vectors' generators run again and write exactly the committed files: the Python
//! one with the official `lto` 1.5.1 (`LTO_CLIENT_PYTHON`, a Python with it installed) and the
//! JavaScript one with `@ltonetwork/lto` 0.16.15 (`LTO_CLIENT_JS_DIR`, a directory whose
//! `node_modules` holds it). `scripts/test` sets both; without them the test says so and
//! stops, except on CI, where they must be there.

use std::path::{Path, PathBuf};
use std::process::Command;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");

fn tool(var: &str) -> Option<String> {
    let v = std::env::var(var).ok().filter(|v| !v.is_empty());
    if v.is_none() {
        assert!(
            std::env::var("CI").map_or(true, |c| c != "true"),
            "{var} is not set on CI (scripts/test sets it)"
        );
        eprintln!("skipped: set {var} (scripts/test does)");
    }
    v
}

fn copy(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("generator starts");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn same(generated: PathBuf, committed: &str) {
    let ours = std::fs::read(&generated).expect("generated file");
    let theirs = std::fs::read(Path::new(VECTORS).join(committed)).expect("committed file");
    assert!(
        ours == theirs,
        "{committed}: a fresh run of its generator writes other bytes ({} vs {} bytes)",
        ours.len(),
        theirs.len()
    );
}

#[test]
fn both_generators_reproduce_the_committed_vectors() {
    let (Some(python), Some(js_dir)) = (tool("LTO_CLIENT_PYTHON"), tool("LTO_CLIENT_JS_DIR"))
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let vectors = Path::new(VECTORS);
    copy(&vectors.join("generate.py"), &root.join("generate.py"));
    run(Command::new(&python).arg(root.join("generate.py")));
    same(
        root.join("lto_python_vectors.json"),
        "lto_python_vectors.json",
    );

    // The JS generator cross-checks against the Python vectors beside it.
    let js = root.join("js");
    std::fs::create_dir(&js).expect("mkdir");
    for f in ["generate.mjs", "lto-resolve.mjs"] {
        copy(&vectors.join("js").join(f), &js.join(f));
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        Path::new(&js_dir).join("node_modules"),
        js.join("node_modules"),
    )
    .expect("link node_modules");
    run(Command::new("node").arg(js.join("generate.mjs")));
    same(root.join("lto_js_vectors.json"), "lto_js_vectors.json");
}
