//! What the tests that drive the real binary share: a `ltonode run --dev` process on
//! 127.0.0.1 ports chosen by the OS, whose REST address is read from its log and which is
//! killed when dropped, and a minimal HTTP/1.1 client (one request per connection).

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `ltonode run --dev`.
pub struct DevNode {
    child: Child,
    /// Its REST address, `127.0.0.1:PORT`.
    pub addr: String,
}

impl DevNode {
    /// Starts a dev node on `data_dir` with `extra` flags, and waits for its REST address.
    pub fn start(data_dir: &Path, extra: &[&str]) -> DevNode {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ltonode"))
            .args([
                "run",
                "--dev",
                "--rest-addr",
                "127.0.0.1:0",
                "--p2p-addr",
                "127.0.0.1:0",
            ])
            .args(extra)
            .arg("--data-dir")
            .arg(data_dir)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ltonode");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("ERROR") || line.starts_with("error:") {
                    eprintln!("node: {line}");
                }
                if let Some(i) = line.find("REST API listening addr=") {
                    let addr = line[i + "REST API listening addr=".len()..]
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    let _ = tx.send(addr);
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the node reports its REST address");
        DevNode { child, addr }
    }

    /// Kills it with SIGKILL and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for DevNode {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One request on a fresh connection: the status (0 if none came) and the body, de-chunked.
pub fn http(addr: &str, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return (0, String::new());
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if s.write_all(head.as_bytes()).is_err() {
        return (0, String::new());
    }
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return (0, String::new());
    };
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return (status, body.to_string());
    }
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(tail.get(..n).unwrap_or(tail));
        rest = tail.get(n + 2..).unwrap_or("");
    }
    (status, out)
}

/// GET: the status and the JSON body (`Null` if it is not JSON).
pub fn get(addr: &str, path: &str) -> (u16, Value) {
    let (status, body) = http(addr, "GET", path, b"");
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// GET's JSON body when it answers 200.
pub fn get_200(addr: &str, path: &str) -> Option<Value> {
    match get(addr, path) {
        (200, v) => Some(v),
        _ => None,
    }
}
