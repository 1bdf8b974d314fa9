//! What operators deploy with: the Dockerfile, the docker compose testnet, Prometheus and
//! Grafana provisioning, the Grafana dashboard and the systemd unit. They parse, name only
//! settings the node reads, and every metric the dashboard queries is served by a node.

use crate::rest::{http, start};
use std::collections::BTreeSet;
use std::path::Path;
use yaml_rust2::{Yaml, YamlLoader};

fn repo(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn yaml(path: &str) -> Yaml {
    let docs = YamlLoader::load_from_str(&repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    docs.into_iter()
        .next()
        .unwrap_or_else(|| panic!("{path}: empty"))
}

fn known_env() -> BTreeSet<String> {
    ltonode::cli::known_env_vars().into_iter().collect()
}

/// The `LTONODE_*` names in `text`.
fn env_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (i, _) in text.match_indices("LTONODE_") {
        let name: String = text[i..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        // `LTONODE_*` in prose names them all.
        if !name.ends_with('_') {
            names.insert(name);
        }
    }
    names
}

#[test]
fn the_compose_testnet_parses_and_sets_only_known_settings() {
    let compose = yaml("docker-compose.yml");
    let services = compose["services"].as_hash().expect("services");
    let known = known_env();
    for i in 0..4 {
        let node = &compose["services"][format!("node{i}").as_str()];
        assert_eq!(node["build"].as_str(), Some("."), "node{i}");
        let env = node["environment"].as_hash().expect("environment");
        for (k, _) in env {
            let k = k.as_str().unwrap_or_default();
            assert!(
                known.contains(k),
                "node{i} sets {k}, which the node does not read"
            );
        }
        let peers = node["environment"]["LTONODE_PEERS"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(peers.split(',').count(), 3, "node{i} dials the other three");
        assert!(
            node["environment"]["LTONODE_FORGING_SEED"]
                .as_str()
                .is_some()
        );
    }
    assert!(services.len() >= 6, "{services:?}");
    // Mounted files exist.
    for svc in ["prometheus", "grafana"] {
        for v in compose["services"][svc]["volumes"]
            .as_vec()
            .expect("volumes")
        {
            let src = v
                .as_str()
                .unwrap_or_default()
                .split(':')
                .next()
                .unwrap_or_default();
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(src);
            assert!(path.exists(), "{svc} mounts {src}, which is missing");
        }
    }
    let prom = yaml("deploy/prometheus/prometheus.yml");
    let targets = prom["scrape_configs"][0]["static_configs"][0]["targets"]
        .as_vec()
        .expect("targets");
    assert_eq!(targets.len(), 4);
    let ds = yaml("deploy/grafana/provisioning/datasources/prometheus.yml");
    assert_eq!(ds["datasources"][0]["uid"].as_str(), Some("prometheus"));
    let dashboards = yaml("deploy/grafana/provisioning/dashboards/ltonode.yml");
    assert_eq!(
        dashboards["providers"][0]["options"]["path"].as_str(),
        Some("/var/lib/grafana/dashboards")
    );
}

#[test]
fn the_dockerfile_and_the_systemd_unit_run_the_node_as_operators_expect() {
    let docker = repo("Dockerfile");
    for needle in [
        "AS build",
        "FROM debian:bookworm-slim",
        "USER ltonode",
        "VOLUME [\"/data\"]",
        "HEALTHCHECK",
        "/node/status",
        "ENTRYPOINT [\"ltonode\"]",
    ] {
        assert!(docker.contains(needle), "Dockerfile lacks {needle}");
    }
    let unit = repo("deploy/systemd/ltonode.service");
    let keys: Vec<(&str, &str)> = unit
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .collect();
    let get = |k: &str| keys.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
    assert_eq!(get("Restart"), Some("on-failure"));
    assert_eq!(get("KillSignal"), Some("SIGTERM"));
    assert_eq!(get("User"), Some("ltonode"));
    assert!(get("ExecStart").is_some_and(|e| e.contains("ltonode run")));
    let known = known_env();
    for text in [docker, unit] {
        for name in env_names(&text) {
            assert!(known.contains(&name), "{name} is not a setting of the node");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_the_dashboard_queries_is_served() {
    let dashboard: serde_json::Value =
        serde_json::from_str(&repo("deploy/grafana/dashboards/ltonode.json")).expect("JSON");
    let mut names = BTreeSet::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().expect("targets") {
            let expr = target["expr"].as_str().expect("expr");
            for (i, _) in expr.match_indices("ltonode_") {
                let name: String = expr[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                names.insert(name);
            }
        }
    }
    for wanted in [
        "ltonode_chain_height",
        "ltonode_network_peers",
        "ltonode_pool_transactions",
        "ltonode_chain_transactions_total",
        "ltonode_chain_import_seconds_bucket",
        "ltonode_forging_enabled",
        "ltonode_sync_progress_ratio",
        "ltonode_storage_size_bytes",
    ] {
        assert!(
            names.contains(wanted),
            "the dashboard does not show {wanted}"
        );
    }
    let mut node = start(None).await;
    node.forge_key_block().await;
    let (status, body) = http(node.addr, "GET", "/metrics", &[], b"").await;
    assert_eq!(status, 200);
    let text = body.as_str().unwrap_or_default().to_owned();
    for name in &names {
        let served = text
            .lines()
            .any(|l| l.starts_with(&format!("{name} ")) || l.starts_with(&format!("{name}{{")));
        assert!(
            served,
            "the dashboard queries {name}, which /metrics lacks:\n{text}"
        );
    }
}
