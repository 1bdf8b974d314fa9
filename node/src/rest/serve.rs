//! The REST API's accept loop, with the limits a public API needs and `axum::serve` does not
//! set: a client gets [`RestLimits::header_read_timeout`] to send a request's headers (a
//! slow-headers client is cut off instead of holding its connection forever), one address
//! holds at most [`RestLimits::max_per_ip`] connections and the node at most
//! [`RestLimits::max_connections`]; a connection over a limit is closed at once and counted.

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Connection limits of the REST API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestLimits {
    /// Time a client has to send a request's headers.
    pub header_read_timeout: Duration,
    /// Open connections from one IP address.
    pub max_per_ip: usize,
    /// Open connections in all.
    pub max_connections: usize,
}

impl Default for RestLimits {
    fn default() -> Self {
        RestLimits {
            header_read_timeout: Duration::from_secs(10),
            max_per_ip: 256,
            max_connections: 4096,
        }
    }
}

/// Connections refused for a limit since start (for `/metrics`).
pub static REFUSED_CONNECTIONS: AtomicU64 = AtomicU64::new(0);

/// Open connections per address; a [`Slot`] gives its place back when dropped.
#[derive(Default)]
struct Open {
    per_ip: HashMap<IpAddr, usize>,
    total: usize,
}

struct Slot {
    open: Arc<Mutex<Open>>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut o) = self.open.lock() {
            o.total = o.total.saturating_sub(1);
            if let Some(n) = o.per_ip.get_mut(&self.ip) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    o.per_ip.remove(&self.ip);
                }
            }
        }
    }
}

fn take_slot(open: &Arc<Mutex<Open>>, ip: IpAddr, limits: &RestLimits) -> Option<Slot> {
    let mut o = open.lock().ok()?;
    let here = o.per_ip.get(&ip).copied().unwrap_or(0);
    if here >= limits.max_per_ip || o.total >= limits.max_connections {
        return None;
    }
    o.per_ip.insert(ip, here.saturating_add(1));
    o.total = o.total.saturating_add(1);
    Some(Slot {
        open: open.clone(),
        ip,
    })
}

/// Serves `router` on `listener` within `limits` until `shutdown` completes, then lets the
/// requests in flight finish (at most 10 s).
pub async fn serve_router(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    limits: RestLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let open = Arc::new(Mutex::new(Open::default()));
    let graceful = GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of descriptors or a reset during the handshake: keep serving the rest.
                Err(e) => {
                    tracing::debug!(error = %e, "REST accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = take_slot(&open, peer.ip(), &limits) else {
            REFUSED_CONNECTIONS.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(peer = %peer, "REST connection over the limit, closed");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _slot = slot;
            if let Err(e) = conn.await {
                tracing::trace!(error = %e, "REST connection ended");
            }
        });
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => {}
    }
    Ok(())
}
