//! `scripts/setup` decides whether to install libclang-dev by looking for what bindgen loads:
//! `libclang.so`, `libclang.so.N`, `libclang-N.so` or `libclang-N.so.M`, never the
//! `libclang-cpp.so.N` that Debian images ship without libclang itself.

use std::path::Path;
use std::process::Command;

fn probe(dirs: &[&Path]) -> (bool, String) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/setup");
    let out = Command::new("bash")
        .arg(script)
        .arg("--probe-libclang")
        .args(dirs)
        .output()
        .expect("run scripts/setup");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
    )
}

fn folder_with(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        std::fs::write(dir.path().join(f), b"").unwrap();
    }
    dir
}

#[test]
fn the_libclang_probe_finds_only_what_bindgen_loads() {
    let cpp_only = folder_with(&["libclang-cpp.so.14", "libclang-cpp.so"]);
    assert_eq!(probe(&[cpp_only.path()]), (false, "missing".to_owned()));

    let empty = folder_with(&[]);
    assert_eq!(probe(&[empty.path()]), (false, "missing".to_owned()));
    let absent = empty.path().join("no-such-folder");
    assert_eq!(probe(&[absent.as_path()]), (false, "missing".to_owned()));

    for name in [
        "libclang.so",
        "libclang.so.1",
        "libclang-14.so",
        "libclang-14.0.6.so",
        "libclang-16.so.1",
    ] {
        let dir = folder_with(&["libclang-cpp.so.14", name]);
        let (found, line) = probe(&[cpp_only.path(), dir.path()]);
        assert!(found, "{name}: {line}");
        assert_eq!(line, format!("found {}", dir.path().join(name).display()));
    }

    // Names that only look alike are not libclang.
    let lookalike = folder_with(&["libclang_rt.so", "libclangBasic.so", "libclang-cpp14.so"]);
    assert_eq!(probe(&[lookalike.path()]), (false, "missing".to_owned()));
}
