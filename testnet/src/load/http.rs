//! A small keep-alive HTTP/1.1 client over one tokio TCP connection: one request at a time,
//! responses framed by `Content-Length` (what the node's REST API sends), loopback only.

use anyhow::{Context, bail};
use std::net::SocketAddr;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// One keep-alive connection.
pub struct Conn {
    r: BufReader<OwnedReadHalf>,
    w: OwnedWriteHalf,
    head: Vec<u8>,
    line: String,
}

impl Conn {
    /// Connects to `addr` (Nagle off: requests are small and latency is measured).
    pub async fn connect(addr: SocketAddr) -> anyhow::Result<Conn> {
        let stream = TcpStream::connect(addr)
            .await
            .with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true)?;
        let (r, w) = stream.into_split();
        Ok(Conn {
            r: BufReader::with_capacity(64 * 1024, r),
            w,
            head: Vec::with_capacity(512),
            line: String::new(),
        })
    }

    /// `GET path`: the status and the body.
    pub async fn get(&mut self, path: &str) -> anyhow::Result<(u16, Vec<u8>)> {
        self.request("GET", path, b"").await
    }

    /// `POST path` with a JSON body: the status and the body.
    pub async fn post_json(&mut self, path: &str, body: &[u8]) -> anyhow::Result<(u16, Vec<u8>)> {
        self.request("POST", path, body).await
    }

    /// One request on the connection; the connection stays open for the next.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> anyhow::Result<(u16, Vec<u8>)> {
        use std::io::Write;
        self.head.clear();
        write!(self.head, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n")?;
        if method != "GET" {
            write!(
                self.head,
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            )?;
        }
        self.head.extend_from_slice(b"\r\n");
        self.head.extend_from_slice(body);
        self.w.write_all(&self.head).await?;
        self.read_response().await
    }

    async fn read_response(&mut self) -> anyhow::Result<(u16, Vec<u8>)> {
        let mut status = None;
        let mut len = None;
        loop {
            self.line.clear();
            if self.r.read_line(&mut self.line).await? == 0 {
                bail!("the server closed the connection");
            }
            if self.line == "\r\n" {
                break;
            }
            if status.is_none() {
                let code = self.line.split(' ').nth(1).context("no status code")?;
                status = Some(code.parse::<u16>().context("bad status code")?);
                continue;
            }
            let lower = self.line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                len = Some(v.trim().parse::<usize>().context("bad Content-Length")?);
            } else if lower.starts_with("transfer-encoding:") {
                bail!("chunked responses are not supported");
            }
        }
        let mut body = vec![0u8; len.unwrap_or(0)];
        self.r.read_exact(&mut body).await?;
        Ok((status.context("no status line")?, body))
    }
}
