//! Abuse of the REST API of a real `ltonode run --dev`, from one address (127.0.0.2) while an
//! honest client uses another (127.0.0.1): slow clients that never finish their headers are
//! cut off after the header timeout, connections over the per-address limit are closed at once
//! and counted in `/metrics`, a deeply nested and an oversized JSON body get LTO's error
//! bodies, and through all of it the honest client is answered and the node keeps forging.

use crate::dev_process::{DevNode, http};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    http(&addr.to_string(), method, path, body)
}

fn height(addr: SocketAddr) -> u64 {
    let (status, body) = request(addr, "GET", "/blocks/height", b"");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<Value>(&body).expect("json")["height"]
        .as_u64()
        .expect("height")
}

/// A connection from 127.0.0.2 that sends half a request's headers and then nothing.
fn slow_client(port: u16) -> Option<TcpStream> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).ok()?;
    socket
        .bind(&SocketAddr::from(([127, 0, 0, 2], 0)).into())
        .ok()?;
    socket
        .connect_timeout(
            &SocketAddr::from(([127, 0, 0, 1], port)).into(),
            Duration::from_secs(2),
        )
        .ok()?;
    let mut s: TcpStream = socket.into();
    s.write_all(b"GET /blocks/height HTTP/1.1\r\nHost: x\r\n")
        .ok()?;
    s.set_nonblocking(true).ok()?;
    Some(s)
}

/// Whether the server closed the connection (a non-blocking read returns end of stream or an
/// error other than "nothing yet").
fn closed(s: &mut TcpStream) -> bool {
    let mut b = [0u8; 64];
    match s.read(&mut b) {
        Ok(0) => true,
        Ok(_) => true,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

#[test]
fn slow_and_greedy_clients_are_cut_off_and_honest_ones_answered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(&dir.path().join("node"), &[]);
    let addr: SocketAddr = node.addr.parse().expect("socket address");
    let h0 = height(addr);

    // 300 slow clients from one address: the limit (256) holds, the rest are closed at once.
    let mut slow: Vec<TcpStream> = (0..300).filter_map(|_| slow_client(addr.port())).collect();
    std::thread::sleep(Duration::from_millis(500));
    let cut_at_once = slow.iter_mut().map(closed).filter(|c| *c).count();
    assert!(
        (44..=60).contains(&cut_at_once),
        "{cut_at_once} of {} connections over the per-address limit were closed",
        slow.len()
    );
    // The honest client is answered meanwhile.
    assert!(height(addr) >= h0);
    let (status, metrics) = request(addr, "GET", "/metrics", b"");
    assert_eq!(status, 200);
    let refused: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("ltonode_rest_connections_refused_total "))
        .and_then(|v| v.trim().parse().ok())
        .expect("the refusal counter");
    assert!(refused >= cut_at_once as u64, "{refused}");

    // Deeply nested and oversized bodies: LTO's error body, not a crash.
    let nested = "[".repeat(100_000);
    let (status, body) = request(addr, "POST", "/transactions/broadcast", nested.as_bytes());
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("error body")["error"],
        1
    );
    let big = vec![b' '; 2 * 1024 * 1024];
    let (status, _) = request(addr, "POST", "/transactions/broadcast", &big);
    assert!(status == 413 || status == 0, "status {status}");

    // The slow clients are cut off after the header timeout (10 s), and the node forged on.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let open = slow.iter_mut().map(closed).filter(|c| !*c).count();
        if open == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{open} slow connections still open"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while height(addr) <= h0 {
        assert!(Instant::now() < deadline, "the node stopped forging");
        std::thread::sleep(Duration::from_millis(500));
    }
}
