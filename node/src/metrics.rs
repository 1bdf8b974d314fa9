//! Prometheus metrics of the node (`/metrics`, text exposition format). One [`Metrics`] per
//! node, registered into a [`Registry`] the node owns (never the global one), so several
//! nodes in one process do not collide. Names follow `ltonode_<area>_<what>_<unit>`.

use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntGauge, Opts, Registry, TextEncoder,
};

/// The node's metric handles.
pub struct Metrics {
    registry: Registry,
    /// Height of the chain tip.
    pub height: IntGauge,
    /// Finalized height (no rollback goes below it).
    pub finalized_height: IntGauge,
    /// Transactions waiting in the pool.
    pub utx_size: IntGauge,
    /// Connected peers.
    pub peers: IntGauge,
    /// Approximate size of the database.
    pub db_size_bytes: IntGauge,
    /// Key blocks this node forged.
    pub key_blocks_forged: IntCounter,
    /// Micro blocks this node forged.
    pub micro_blocks_forged: IntCounter,
    /// Transactions applied in blocks (forged or imported).
    pub txs_applied: IntCounter,
    /// Anchors applied in blocks.
    pub anchors_applied: IntCounter,
    /// Transactions of peers' micro blocks taken verified from the pool.
    pub txs_from_pool: IntCounter,
    /// Time to apply a block or micro block.
    pub import_seconds: Histogram,
    /// Time to answer a REST request.
    pub rest_seconds: Histogram,
    /// REST connections closed at once for a connection limit.
    pub rest_refused: IntCounter,
    /// 1 while this node forges (has a key and forging is on), else 0.
    pub forging: IntGauge,
    /// Progress of a fast sync or block download under way, 0 to 1 (1 when none is).
    pub sync_progress: prometheus::Gauge,
}

fn gauge(r: &Registry, name: &str, help: &str) -> prometheus::Result<IntGauge> {
    let g = IntGauge::with_opts(Opts::new(name, help))?;
    r.register(Box::new(g.clone()))?;
    Ok(g)
}

fn counter(r: &Registry, name: &str, help: &str) -> prometheus::Result<IntCounter> {
    let c = IntCounter::with_opts(Opts::new(name, help))?;
    r.register(Box::new(c.clone()))?;
    Ok(c)
}

fn histogram(
    r: &Registry,
    name: &str,
    help: &str,
    buckets: Vec<f64>,
) -> prometheus::Result<Histogram> {
    let h = Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets))?;
    r.register(Box::new(h.clone()))?;
    Ok(h)
}

impl Metrics {
    /// Creates and registers every metric in a new registry.
    pub fn new() -> prometheus::Result<Metrics> {
        let r = Registry::new();
        let ms = vec![0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];
        Ok(Metrics {
            height: gauge(&r, "ltonode_chain_height", "Height of the chain tip.")?,
            finalized_height: gauge(&r, "ltonode_chain_finalized_height", "Finalized height.")?,
            utx_size: gauge(&r, "ltonode_pool_transactions", "Transactions in the pool.")?,
            peers: gauge(&r, "ltonode_network_peers", "Connected peers.")?,
            db_size_bytes: gauge(
                &r,
                "ltonode_storage_size_bytes",
                "Approximate database size.",
            )?,
            key_blocks_forged: counter(
                &r,
                "ltonode_forger_key_blocks_total",
                "Key blocks forged.",
            )?,
            micro_blocks_forged: counter(
                &r,
                "ltonode_forger_micro_blocks_total",
                "Micro blocks forged.",
            )?,
            txs_applied: counter(
                &r,
                "ltonode_chain_transactions_total",
                "Transactions applied.",
            )?,
            anchors_applied: counter(&r, "ltonode_chain_anchors_total", "Anchors applied.")?,
            txs_from_pool: counter(
                &r,
                "ltonode_chain_transactions_from_pool_total",
                "Transactions of peers' micro blocks whose signatures the pool had checked.",
            )?,
            import_seconds: histogram(
                &r,
                "ltonode_chain_import_seconds",
                "Time to apply a block or micro block.",
                ms.clone(),
            )?,
            rest_refused: counter(
                &r,
                "ltonode_rest_connections_refused_total",
                "REST connections closed at once: over the per-address or the total limit.",
            )?,
            rest_seconds: histogram(
                &r,
                "ltonode_rest_request_seconds",
                "Time to answer a REST request.",
                ms,
            )?,
            forging: gauge(
                &r,
                "ltonode_forging_enabled",
                "1 while this node forges, else 0.",
            )?,
            sync_progress: {
                let g = prometheus::Gauge::with_opts(Opts::new(
                    "ltonode_sync_progress_ratio",
                    "Progress of a fast sync under way (0 to 1; 1 when none is).",
                ))?;
                r.register(Box::new(g.clone()))?;
                g
            },
            registry: r,
        })
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        // Encoding into a Vec cannot fail for the text format's own metric types.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    }
}
