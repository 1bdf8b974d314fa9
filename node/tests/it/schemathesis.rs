//! schemathesis (PyPI), with its standard checks, against a dev node and this node's own
//! OpenAPI document: every operation answers what its schema says (no server errors, only
//! documented statuses and bodies, schema-valid data accepted except for the rules listed in
//! `schemathesis.toml`, schema-violating data refused).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn schemathesis() -> Option<PathBuf> {
    let path = std::env::var_os("SCHEMATHESIS").map(PathBuf::from)?;
    path.exists().then_some(path)
}

#[test]
fn schemathesis_finds_no_failure_in_the_openapi_document() {
    let Some(st) = schemathesis() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "schemathesis is missing: scripts/test installs it and sets SCHEMATHESIS"
        );
        eprintln!("skipped: set SCHEMATHESIS to a schemathesis binary");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let rest = format!("127.0.0.1:{port}");
    let mut node = Command::new(env!("CARGO_BIN_EXE_ltonode"))
        .args(["run", "--dev", "--data-dir"])
        .arg(dir.path().join("node"))
        .args(["--rest-addr", &rest, "--p2p-addr", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(&rest).is_err() {
        assert!(Instant::now() < deadline, "the dev node did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new(&st)
        .current_dir(&repo)
        .args(["run", &format!("http://{rest}/api-docs/openapi.json")])
        .args(["--max-examples", "15", "--seed", "7", "--no-color"])
        .env("SCHEMATHESIS_HOOKS", "")
        .output()
        .unwrap();
    let _ = node.kill();
    let _ = node.wait();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains(" passed"), "{report}");
}
