//! The REST API (docs/architecture.md): LTO's public-node routes with LTO's JSON and error
//! shape (LTO's node), plus this node's anchor routes.
//!
//! Read handlers never wait on the chain core: they read the shared store as of the tip the
//! core last published ([`RestState::read`]); a broadcast is verified here, off the core, and
//! then handed to the core's mailbox for the state check. Every input is parsed into typed values first, and any failure is an
//! [`ApiError`] with LTO's `{"error", "message"}` body (no handler panics). Request bodies are
//! limited to [`MAX_BODY_BYTES`], list routes to LTO's limits.

pub mod auth;
pub mod error;
pub mod openapi;
pub mod routes_accounts;
pub mod routes_addresses;
pub mod routes_anchors;
pub mod routes_blocks;
pub mod routes_forms;
pub mod routes_more;
pub mod routes_node;
pub mod routes_peers;
pub mod routes_summaries;
pub mod routes_transactions;
pub mod serve;

pub use serve::RestLimits;

pub use error::{ApiError, RejectCode};

use crate::service::{CoreHandle, PoolView, Reader, Snapshot};
use crate::sync_status::SharedSyncStatus;
use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::BytesRejection;
use axum::http::{Method, Uri};
use axum::routing::{get, post};
use ltonode_consensus::ChainParams;
use ltonode_ledger::chain::Chain;
use ltonode_ledger::{Address, KeyPair, Snapshots, Store};
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::watch;

/// The largest request body accepted (1 MiB; a transaction is at most a few hundred KiB).
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// What the handlers share: the core's mailbox (for admission), a reader (for everything
/// else), the node's wallet, the API key hash and the switch `/node/stop` flips.
pub struct RestState<S: Store + Clone + Snapshots + 'static> {
    core: CoreHandle<S>,
    reader: Reader<S>,
    params: Arc<ChainParams>,
    api_key_hash: Option<Arc<str>>,
    stop: Option<Arc<watch::Sender<bool>>>,
    metrics: Option<Arc<crate::metrics::Metrics>>,
    wallet: Option<Arc<KeyPair>>,
    notary: Option<Arc<routes_forms::Notary>>,
    sync_status: SharedSyncStatus,
    network: NetworkSlot,
}

pub use crate::service::NetworkSlot;

impl<S: Store + Clone + Snapshots + 'static> Clone for RestState<S> {
    fn clone(&self) -> Self {
        RestState {
            core: self.core.clone(),
            reader: self.reader.clone(),
            params: self.params.clone(),
            api_key_hash: self.api_key_hash.clone(),
            stop: self.stop.clone(),
            metrics: self.metrics.clone(),
            wallet: self.wallet.clone(),
            notary: self.notary.clone(),
            sync_status: self.sync_status.clone(),
            network: self.network.clone(),
        }
    }
}

/// What a read-only handler sees: the chain as of the last published tip, over the shared
/// store, the snapshot of that tip and the published pool. Making one takes no lock the core
/// holds.
pub struct View<S: Store> {
    /// The chain (read-only).
    pub chain: Chain<S>,
    /// The tip's snapshot.
    pub snapshot: Arc<Snapshot>,
    /// The pool as last published.
    pub pool: Arc<PoolView>,
}

impl<S: Store + Clone + Snapshots + 'static> RestState<S> {
    /// State over the core behind `core`, read through `reader`; `api_key_hash` is the
    /// Base58 secure hash of the API key (`None`, empty or `-` disables the protected
    /// routes).
    pub fn new(core: CoreHandle<S>, reader: Reader<S>, api_key_hash: Option<String>) -> Self {
        let api_key_hash = api_key_hash
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty() && h != "-")
            .map(Arc::from);
        RestState {
            core,
            params: Arc::new(reader.params().clone()),
            reader,
            api_key_hash,
            stop: None,
            metrics: crate::metrics::Metrics::new().ok().map(Arc::new),
            wallet: None,
            notary: None,
            sync_status: SharedSyncStatus::default(),
            network: NetworkSlot::default(),
        }
    }

    /// Lets `POST /node/stop` stop the node by sending `true` on `stop`.
    pub fn with_stop(mut self, stop: Arc<watch::Sender<bool>>) -> Self {
        self.stop = Some(stop);
        self
    }

    /// Uses `metrics` (shared with the rest of the node) for `/metrics`.
    pub fn with_metrics(mut self, metrics: Arc<crate::metrics::Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// The node's wallet (the forging account's key), which `/transactions/sign` and
    /// `/transactions/submit` sign with.
    pub fn with_wallet(mut self, wallet: Option<KeyPair>) -> Self {
        self.wallet = wallet.map(Arc::new);
        self
    }

    /// Signs the standard receipt forms (`/anchors/{hash}/tlog-proof`, `/cose`) with `notary`.
    pub fn with_notary(mut self, notary: routes_forms::Notary) -> Self {
        self.notary = Some(Arc::new(notary));
        self
    }

    /// Answers `/peers/*` from the network whose handle `slot` receives.
    pub fn with_network(mut self, slot: NetworkSlot) -> Self {
        self.network = slot;
        self
    }

    /// Reads a fast sync's progress from `status` (written by the sync task).
    pub fn with_sync_status(mut self, status: SharedSyncStatus) -> Self {
        self.sync_status = status;
        self
    }

    /// The chain's parameters.
    pub fn params(&self) -> &ChainParams {
        &self.params
    }

    /// The core's mailbox.
    pub fn core(&self) -> &CoreHandle<S> {
        &self.core
    }

    /// The reader.
    pub fn reader(&self) -> &Reader<S> {
        &self.reader
    }

    /// Runs `f` on a [`View`]: the chain over one snapshot of the store (so a reply that
    /// reads several keys sees one moment), the last published tip snapshot and pool.
    pub fn read<'s, T>(
        &'s self,
        f: impl FnOnce(&View<S::Snapshot<'s>>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let view = View {
            chain: self.reader.consistent_chain()?,
            snapshot: self.reader.snapshot(),
            pool: self.reader.pool(),
        };
        f(&view)
    }
}

/// The router of every route, with `state`.
pub fn router<S: Store + Clone + Snapshots + 'static>(state: RestState<S>) -> Router {
    Router::new()
        .route(
            "/transactions/broadcast",
            post(routes_transactions::broadcast::<S>),
        )
        .route("/transactions/sign", post(routes_transactions::sign::<S>))
        .route(
            "/transactions/submit",
            post(routes_transactions::submit::<S>),
        )
        .route(
            "/transactions/calculateFee",
            post(routes_transactions::calculate_fee::<S>),
        )
        .route(
            "/transactions/info/{id}",
            get(routes_transactions::info::<S>),
        )
        .route(
            "/transactions/unconfirmed",
            get(routes_transactions::unconfirmed::<S>),
        )
        .route(
            "/transactions/unconfirmed/size",
            get(routes_transactions::unconfirmed_size::<S>),
        )
        .route(
            "/transactions/unconfirmed/info/{id}",
            get(routes_transactions::unconfirmed_info::<S>),
        )
        .route(
            "/transactions/address/{address}",
            get(routes_transactions::by_address::<S>),
        )
        .route(
            "/addresses/balance/{address}",
            get(routes_addresses::balance::<S>),
        )
        .route(
            "/addresses/balance/details/{address}",
            get(routes_addresses::balance_details::<S>),
        )
        .route(
            "/addresses/effectiveBalance/{address}",
            get(routes_addresses::effective_balance::<S>),
        )
        .route(
            "/addresses/validate/{address}",
            get(routes_addresses::validate::<S>),
        )
        .route(
            "/leasing/active/{address}",
            get(routes_addresses::active_leases::<S>),
        )
        .route(
            "/associations/status/{address}",
            get(routes_addresses::associations::<S>),
        )
        .route("/", get(status_page))
        .route("/api-docs", get(api_explorer))
        .route("/blocks/height", get(routes_blocks::height::<S>))
        .route("/blocks/last", get(routes_blocks::last::<S>))
        .route("/blocks/first", get(routes_blocks::first::<S>))
        .route("/blocks/at/{height}", get(routes_blocks::at::<S>))
        .route("/blocks/signature/{id}", get(routes_blocks::by_id::<S>))
        .route("/blocks/seq/{from}/{to}", get(routes_blocks::seq::<S>))
        .route(
            "/blocks/headers/export",
            get(routes_blocks::headers_export::<S>),
        )
        .route(
            "/blocks/headers/last",
            get(routes_blocks::headers_last::<S>),
        )
        .route(
            "/blocks/headers/at/{height}",
            get(routes_blocks::headers_at::<S>),
        )
        .route(
            "/blocks/headers/seq/{from}/{to}",
            get(routes_blocks::headers_seq::<S>),
        )
        .route(
            "/consensus/generatingbalance/{address}",
            get(routes_blocks::generating_balance::<S>),
        )
        .route(
            "/consensus/basetarget",
            get(routes_blocks::base_target::<S>),
        )
        .route("/consensus/algo", get(routes_blocks::algo))
        .route("/anchors/verify", post(routes_anchors::verify::<S>))
        .route("/anchors/receipts", post(routes_anchors::receipts::<S>))
        .route("/anchors/notary", get(routes_forms::notary_key::<S>))
        .route("/anchors/{hash}", get(routes_anchors::anchor::<S>))
        .route(
            "/anchors/{hash}/tlog-proof",
            get(routes_forms::tlog_proof::<S>),
        )
        .route("/anchors/{hash}/cose", get(routes_forms::cose_receipt::<S>))
        .route("/index/hash/{hash}", get(routes_anchors::index_hash::<S>))
        .route("/hash/{hash}", get(routes_more::indexer_hash::<S>))
        .route(
            "/hash/{hash}/encoding/{encoding}",
            get(routes_more::indexer_hash_encoded::<S>),
        )
        .route("/peers/connected", get(routes_peers::connected::<S>))
        .route("/peers/all", get(routes_peers::all::<S>))
        .route("/peers/blacklisted", get(routes_peers::blacklisted::<S>))
        .route("/peers/suspended", get(routes_peers::suspended))
        .route("/peers/connect", post(routes_peers::connect::<S>))
        .route(
            "/peers/clearblacklist",
            post(routes_peers::clear_blacklist::<S>),
        )
        .route(
            "/addresses/balance/{address}/{confirmations}",
            get(routes_more::balance_confirmed::<S>),
        )
        .route(
            "/addresses/effectiveBalance/{address}/{confirmations}",
            get(routes_more::effective_confirmed::<S>),
        )
        .route(
            "/addresses/balance/history/{address}",
            get(routes_more::balance_history::<S>),
        )
        .route(
            "/addresses/scriptInfo/{address}",
            get(routes_more::script_info::<S>),
        )
        .route(
            "/addresses/publicKey/{key}",
            get(routes_more::address_of_key::<S>),
        )
        .route(
            "/addresses/verify/{address}",
            post(routes_more::verify::<S>),
        )
        .route(
            "/addresses/verifyText/{address}",
            post(routes_more::verify_text::<S>),
        )
        .route("/blocks/height/{id}", get(routes_more::height_of::<S>))
        .route("/blocks/child/{id}", get(routes_more::child::<S>))
        .route("/blocks/delay/{id}/{n}", get(routes_more::delay::<S>))
        .route(
            "/blocks/address/{address}/{from}/{to}",
            get(routes_more::by_generator::<S>),
        )
        .route(
            "/consensus/basetarget/{id}",
            get(routes_more::base_target_of::<S>),
        )
        .route(
            "/consensus/generationsignature",
            get(routes_more::generation_signature_last::<S>),
        )
        .route(
            "/consensus/generationsignature/{id}",
            get(routes_more::generation_signature_of::<S>),
        )
        .route(
            "/activation/status",
            get(routes_more::activation_status::<S>),
        )
        .route("/addresses/data/{address}", get(routes_accounts::data::<S>))
        .route(
            "/addresses/data/{address}/{data_key}",
            get(routes_accounts::data_key::<S>),
        )
        .route(
            "/addresses/registered/{address}",
            get(routes_accounts::registered::<S>),
        )
        .route(
            "/sponsorship/status/{address}",
            get(routes_accounts::sponsorship::<S>),
        )
        .route(
            "/certificates/{address}",
            get(routes_accounts::certificate::<S>),
        )
        .route(
            "/certificates/{address}/raw",
            get(routes_accounts::certificate_raw::<S>),
        )
        .route(
            "/certificates/raw/{address}",
            get(routes_accounts::certificate_raw::<S>),
        )
        .route("/supply", get(routes_more::supply::<S>))
        .route("/supply/at/{height}", get(routes_more::supply_at::<S>))
        .route("/utils/time", get(routes_more::time))
        .route("/utils/hash/secure", post(routes_more::hash_secure))
        .route("/utils/hash/fast", post(routes_more::hash_fast))
        .route(
            "/transactions/submit/{type_name}",
            post(routes_transactions::submit_typed::<S>),
        )
        .route("/node/status", get(routes_node::status::<S>))
        .route("/node/version", get(routes_node::version))
        .route("/node/stop", post(routes_node::stop::<S>))
        .route("/fees/status", get(routes_node::fees_status::<S>))
        .route("/summaries/last", get(routes_summaries::last::<S>))
        .route("/summaries/{n}", get(routes_summaries::by_index::<S>))
        .route("/metrics", get(metrics::<S>))
        .route("/api-docs/openapi.json", get(openapi::openapi))
        .fallback(no_route)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            timed::<S>,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Serves the API on `listener` within the default [`RestLimits`] until `shutdown`
/// completes, then finishes the requests in flight.
pub async fn serve<S: Store + Clone + Snapshots + 'static>(
    listener: tokio::net::TcpListener,
    state: RestState<S>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, RestLimits::default(), shutdown).await
}

/// As [`serve`], within `limits`.
pub async fn serve_with<S: Store + Clone + Snapshots + 'static>(
    listener: tokio::net::TcpListener,
    state: RestState<S>,
    limits: RestLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve::serve_router(listener, router(state), limits, shutdown).await
}

async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::NoRoute {
        method: method.to_string(),
        path: uri.path().to_owned(),
    }
}

/// The status page's HTML, compiled into the binary (no CDN, nothing downloaded at build
/// time): it reads `/node/status`, `/metrics`, `/leasing/active/{generator}` and
/// `/blocks/headers/seq` and refreshes itself every 2 s.
pub const STATUS_PAGE: &str = include_str!("status.html");

/// The API explorer's HTML, compiled into the binary like the status page: it lists every
/// operation of `/api-docs/openapi.json` and sends requests to this node.
pub const API_EXPLORER: &str = include_str!("api_docs.html");

/// `GET /api-docs`: the API explorer.
async fn api_explorer() -> axum::response::Html<&'static str> {
    axum::response::Html(API_EXPLORER)
}

/// `GET /`: the status page.
async fn status_page() -> axum::response::Html<&'static str> {
    axum::response::Html(STATUS_PAGE)
}

/// The request body as JSON, mapping a too-large body and malformed JSON to LTO errors.
pub fn json_body(body: Result<Bytes, BytesRejection>) -> Result<Value, ApiError> {
    let bytes = body.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::BodyTooLarge {
                limit: MAX_BODY_BYTES,
            }
        } else {
            ApiError::WrongJson(e.body_text())
        }
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::WrongJson(format!("failed to parse json message: {e}")))
}

/// An address of this chain from a path segment.
pub fn parse_address(params: &ChainParams, s: &str) -> Result<Address, ApiError> {
    Address::parse_for(params.chain_id, s).map_err(|e| ApiError::InvalidAddress(e.to_string()))
}

/// A number from a path segment or query value.
pub fn parse_number<T: std::str::FromStr>(what: &str, s: &str) -> Result<T, ApiError> {
    s.parse()
        .map_err(|_| ApiError::InvalidNumber(format!("{what} {s:?}")))
}

/// Milliseconds since the epoch as an RFC 3339 UTC date (`updatedDate` of `/node/status`).
pub fn rfc3339(ms: u64) -> String {
    let secs = ms / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

/// Records each request's latency in `ltonode_rest_request_seconds`.
async fn timed<S: Store + Clone + Snapshots + 'static>(
    axum::extract::State(st): axum::extract::State<RestState<S>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let start = std::time::Instant::now();
    let resp = next.run(req).await;
    if let Some(m) = &st.metrics {
        m.rest_seconds.observe(start.elapsed().as_secs_f64());
    }
    resp
}

/// `GET /metrics`: Prometheus text format. Chain gauges are read at scrape time.
async fn metrics<S: Store + Clone + Snapshots + 'static>(
    axum::extract::State(st): axum::extract::State<RestState<S>>,
) -> Result<String, ApiError> {
    let Some(m) = st.metrics.clone() else {
        return Err(ApiError::Unavailable("metrics are disabled".into()));
    };
    st.read(|svc| {
        let h = svc.chain.height();
        m.height.set(i64::from(h.0));
        m.finalized_height
            .set(i64::from(svc.chain.finalized_height().map_or(0, |f| f.0)));
        m.utx_size
            .set(i64::try_from(svc.snapshot.pool_len).unwrap_or(i64::MAX));
        m.db_size_bytes
            .set(i64::try_from(svc.chain.store().approximate_size_bytes()).unwrap_or(i64::MAX));
        m.forging.set(i64::from(
            svc.snapshot.forging && svc.snapshot.forging_enabled,
        ));
        Ok(())
    })?;
    let refused = serve::REFUSED_CONNECTIONS.load(std::sync::atomic::Ordering::Relaxed);
    m.rest_refused
        .inc_by(refused.saturating_sub(m.rest_refused.get()));
    let progress = st
        .sync_status
        .lock()
        .ok()
        .and_then(|s| s.as_ref().map(|s| s.progress()))
        .unwrap_or(1.0);
    m.sync_progress.set(progress);
    Ok(m.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
    }
}
