//! `/api-docs/openapi.json`: an OpenAPI 3 description of every route, built from one table so
//! it cannot drift from the router silently (a test checks each listed path answers).

use axum::Json;
use serde_json::{Map, Value, json};

/// `(method, path, summary)` of every route.
pub const ROUTES: &[(&str, &str, &str)] = &[
    (
        "post",
        "/transactions/broadcast",
        "Broadcast a signed transaction (LTO JSON); replies with the transaction and its id",
    ),
    (
        "post",
        "/transactions/calculateFee",
        "The fee the schedule charges for a transaction",
    ),
    (
        "get",
        "/transactions/info/{id}",
        "A confirmed transaction with its height",
    ),
    (
        "get",
        "/transactions/unconfirmed",
        "Transactions in the pool",
    ),
    (
        "get",
        "/transactions/unconfirmed/size",
        "Number of transactions in the pool",
    ),
    (
        "get",
        "/transactions/unconfirmed/info/{id}",
        "A transaction in the pool",
    ),
    (
        "get",
        "/transactions/address/{address}",
        "Transactions of an address, newest first ([[...]])",
    ),
    ("get", "/addresses/balance/{address}", "Regular balance"),
    (
        "get",
        "/addresses/balance/details/{address}",
        "Regular, available, leasing, unbonding, effective and generating balance",
    ),
    (
        "get",
        "/addresses/effectiveBalance/{address}",
        "Effective balance",
    ),
    (
        "get",
        "/addresses/validate/{address}",
        "Whether an address is valid on this chain",
    ),
    (
        "get",
        "/leasing/active/{address}",
        "Active leases in and out",
    ),
    (
        "get",
        "/associations/status/{address}",
        "Associations issued and received",
    ),
    ("get", "/blocks/height", "Height of the tip"),
    ("get", "/blocks/last", "The tip block"),
    ("get", "/blocks/first", "The genesis block"),
    ("get", "/blocks/at/{height}", "A block by height"),
    (
        "get",
        "/blocks/signature/{id}",
        "A block by key block id or total id",
    ),
    (
        "get",
        "/blocks/seq/{from}/{to}",
        "Blocks in a height range (at most 100)",
    ),
    ("get", "/blocks/headers/last", "The tip's header"),
    ("get", "/blocks/headers/at/{height}", "A header by height"),
    (
        "get",
        "/blocks/headers/seq/{from}/{to}",
        "Headers in a height range",
    ),
    (
        "get",
        "/blocks/headers/export",
        "Raw headers with kept micro-block ids, for offline receipt verification",
    ),
    (
        "get",
        "/consensus/generatingbalance/{address}",
        "Generating balance",
    ),
    (
        "get",
        "/consensus/basetarget",
        "Base target and chain score",
    ),
    ("get", "/consensus/algo", "Consensus algorithm"),
    (
        "get",
        "/anchors/{hash}",
        "Where an anchor is, with its receipt once committed",
    ),
    (
        "post",
        "/anchors/verify",
        "Check a receipt against this node's chain",
    ),
    (
        "get",
        "/index/hash/{hash}",
        "Indexer-compatible anchor lookup (chainpoint)",
    ),
    ("get", "/summaries/{n}", "A summary block"),
    (
        "get",
        "/summaries/last",
        "The newest committed summary block",
    ),
    (
        "get",
        "/node/status",
        "Heights, tip age, forging, peers, pool size, fast-sync progress with ETA (sync)",
    ),
    ("get", "/node/version", "Node version"),
    ("post", "/node/stop", "Stop the node (API key)"),
    ("get", "/fees/status", "Fee price"),
    ("get", "/metrics", "Prometheus metrics"),
    ("get", "/", "Status page (HTML)"),
    ("get", "/peers/connected", "Connected peers"),
    (
        "get",
        "/peers/all",
        "Peers this node has been connected to, with lastSeen",
    ),
    ("get", "/peers/blacklisted", "Banned peers"),
    (
        "get",
        "/peers/suspended",
        "Suspended peers (always empty: this node bans)",
    ),
    ("post", "/peers/connect", "Dial {host, port} (API key)"),
    ("post", "/peers/clearblacklist", "Lift every ban (API key)"),
    (
        "get",
        "/addresses/balance/{address}/{confirmations}",
        "Lowest regular balance over the last confirmations blocks",
    ),
    (
        "get",
        "/addresses/effectiveBalance/{address}/{confirmations}",
        "Lowest effective balance over the last confirmations blocks",
    ),
    (
        "get",
        "/addresses/balance/history/{address}",
        "Regular balance after each block that changed it, newest first",
    ),
    (
        "get",
        "/addresses/scriptInfo/{address}",
        "The account script",
    ),
    (
        "get",
        "/addresses/publicKey/{key}",
        "The address of a public key",
    ),
    (
        "post",
        "/addresses/verify/{address}",
        "Check a signature of a Base58 message by the address's key",
    ),
    (
        "post",
        "/addresses/verifyText/{address}",
        "Check a signature of a text message by the address's key",
    ),
    ("get", "/blocks/height/{id}", "Height of a block"),
    ("get", "/blocks/child/{id}", "The block after it"),
    (
        "get",
        "/blocks/delay/{id}/{n}",
        "Mean time between the n blocks before it",
    ),
    (
        "get",
        "/blocks/address/{address}/{from}/{to}",
        "Blocks of a generator (at most 100 heights)",
    ),
    (
        "get",
        "/consensus/basetarget/{id}",
        "Base target of a block",
    ),
    (
        "get",
        "/consensus/generationsignature",
        "Generation signature of the tip",
    ),
    (
        "get",
        "/consensus/generationsignature/{id}",
        "Generation signature of a block",
    ),
    (
        "get",
        "/activation/status",
        "Feature activation (none: every rule from genesis)",
    ),
    ("get", "/supply", "Initial, burned and total supply"),
    (
        "get",
        "/supply/at/{height}",
        "The supply at a height below the tip",
    ),
    ("get", "/utils/time", "The node's clock"),
    (
        "post",
        "/utils/hash/secure",
        "Secure hash (SHA-256 of Blake2b-256) of the body",
    ),
    (
        "post",
        "/utils/hash/fast",
        "Fast hash (Blake2b-256) of the body",
    ),
    (
        "post",
        "/transactions/submit/{type_name}",
        "Sign a transaction of that type with the node's wallet and broadcast it (API key)",
    ),
    (
        "get",
        "/hash/{hash}",
        "LTO indexer: where a hash is anchored (chainpoint)",
    ),
    (
        "get",
        "/hash/{hash}/encoding/{encoding}",
        "LTO indexer: the same with the hash's encoding (hex, base58, base64)",
    ),
    ("get", "/api-docs/openapi.json", "This document"),
];

/// The OpenAPI document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for (method, path, summary) in ROUTES {
        let params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let entry = paths
            .entry((*path).to_string())
            .or_insert_with(|| json!({}));
        entry[*method] = json!({
            "summary": summary,
            "parameters": params,
            "responses": {
                "200": {"description": "OK"},
                "400": {"description": "Bad input: {\"error\": code, \"message\"}"},
                "404": {"description": "Not found"}
            }
        });
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "ltonode REST API", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
    })
}

/// `GET /api-docs/openapi.json`.
pub async fn openapi() -> Json<Value> {
    Json(document())
}
