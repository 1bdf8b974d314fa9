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
    (
        "get",
        "/addresses/data/{address}",
        "Data entries of an address (data transactions), sorted by key",
    ),
    (
        "get",
        "/addresses/data/{address}/{data_key}",
        "One data entry of an address",
    ),
    (
        "get",
        "/addresses/registered/{address}",
        "Keys an address listed in register transactions",
    ),
    (
        "get",
        "/sponsorship/status/{address}",
        "The accounts sponsoring an address, newest first",
    ),
    (
        "get",
        "/certificates/{address}",
        "The X.509 certificate attached to an address, with its validity",
    ),
    (
        "get",
        "/certificates/{address}/raw",
        "The certificate's DER bytes",
    ),
    (
        "get",
        "/certificates/raw/{address}",
        "The certificate's DER bytes (LTO's documented path)",
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
        "get",
        "/anchors/{hash}/tlog-proof",
        "The receipt's SHA-256 path as a C2SP tlog-proof, signed by the notary key",
    ),
    (
        "get",
        "/anchors/{hash}/cose",
        "The receipt's SHA-256 path as a COSE receipt (RFC 9162 inclusion proof)",
    ),
    (
        "get",
        "/anchors/notary",
        "The key that signs tlog-proofs and COSE receipts",
    ),
    (
        "post",
        "/anchors/receipts",
        "Receipts of up to 1,000 hashes, anchored to one key block",
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
    ("get", "/api-docs", "API explorer (HTML)"),
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
/// The schema of a path parameter, by its name: what the route really accepts. Rules a
/// schema cannot say (an address's checksum, a hash's encoding matching `{encoding}`, a
/// range of at most 100 blocks) are refused with 400 and listed in `schemathesis.toml`.
fn param_schema(name: &str) -> Value {
    const BASE58: &str = "[1-9A-HJ-NP-Za-km-z]";
    match name {
        "address" => json!({"type": "string", "pattern": format!("^3{BASE58}{{34}}$"),
                             "example": "3MsWfVd2xGzDN1oTRbUYmir6VAup3naWEXK"}),
        "height" | "from" | "to" | "n" | "confirmations" => {
            json!({"type": "integer", "minimum": 0, "maximum": 4_294_967_295u64, "example": 1})
        }
        // Block and transaction ids are 32 bytes: 43 or 44 Base58 characters.
        "id" => json!({"type": "string", "pattern": format!("^{BASE58}{{43,44}}$")}),
        "key" => json!({"type": "string", "pattern": format!("^{BASE58}{{43,44}}$")}),
        "hash" => json!({"type": "string", "pattern": "^([0-9a-f]{2}){1,64}$"}),
        "encoding" => json!({"type": "string", "enum": ["hex", "base58", "base64"]}),
        "type_name" => {
            let names: Vec<&str> = super::routes_transactions::TYPE_NAMES
                .iter()
                .map(|(n, _)| *n)
                .filter(|n| *n != "genesis")
                .collect();
            json!({"type": "string", "enum": names})
        }
        _ => json!({"type": "string"}),
    }
}

/// Routes that need the API key.
fn guarded(method: &str, path: &str) -> bool {
    matches!(
        (method, path),
        ("post", "/node/stop")
            | ("post", "/peers/connect")
            | ("post", "/peers/clearblacklist")
            | ("post", "/transactions/sign")
            | ("post", "/transactions/submit")
            | ("post", "/transactions/submit/{type_name}")
    )
}

/// The request body a POST route takes, if any.
fn request_body(path: &str) -> Option<Value> {
    let json_object = |schema: Value| json!({"required": true, "content": {"application/json": {"schema": schema}}});
    match path {
        "/node/stop" | "/peers/clearblacklist" => None,
        "/utils/hash/secure" | "/utils/hash/fast" => Some(json!({
            "required": false,
            "content": {"text/plain": {"schema": {"type": "string"}}},
        })),
        // Any JSON: what is not a receipt is answered `{"valid": false, "reason"}`.
        "/anchors/verify" => Some(json_object(json!({}))),
        "/anchors/receipts" => Some(json_object(json!({
            "type": "object",
            "required": ["hashes"],
            "additionalProperties": false,
            "properties": {
                "hashes": {
                    "type": "array",
                    "maxItems": super::routes_anchors::MAX_RECEIPTS_PER_CALL,
                    "items": {"type": "string", "pattern": "^([0-9a-f]{2}){1,64}$"},
                },
                "anchoredTo": {
                    "type": "string",
                    "nullable": true,
                    "pattern": "^[1-9A-HJ-NP-Za-km-z]{43,44}$",
                },
            },
        }))),
        "/addresses/verify/{address}" | "/addresses/verifyText/{address}" => {
            Some(json_object(json!({
                "type": "object",
                "required": ["message", "signature", "publickey"],
                // Base58 (the message as text for verifyText); a key or signature of another
                // length is simply not valid.
                "properties": {
                    "message": {"type": "string"},
                    "signature": {"type": "string"},
                    "publickey": {"type": "string"},
                },
            })))
        }
        "/peers/connect" => Some(json_object(json!({
            "type": "object",
            "required": ["host", "port"],
            "properties": {
                "host": {"type": "string"},
                "port": {"type": "integer", "minimum": 1, "maximum": 65535},
            },
        }))),
        // A transaction (or a receipt): LTO's JSON, whose signatures and sums no schema can
        // check.
        _ => Some(json_object(json!({"type": "object"}))),
    }
}

/// What a route answers with: its type on success, and the statuses of LTO's error body.
fn responses(method: &str, path: &str, has_params: bool, has_body: bool) -> Value {
    let ok = match path {
        "/" | "/api-docs" => json!({"description": "OK", "content": {"text/html": {}}}),
        "/metrics" | "/anchors/{hash}/tlog-proof" => {
            json!({"description": "OK", "content": {"text/plain": {}}})
        }
        "/anchors/{hash}/cose" => {
            json!({"description": "OK", "content": {"application/cose": {}}})
        }
        "/certificates/{address}/raw" | "/certificates/raw/{address}" => {
            json!({"description": "OK", "content": {"application/pkix-cert": {}}})
        }
        _ => json!({"description": "OK", "content": {"application/json": {}}}),
    };
    let error = |what: &str| {
        json!({"description": what, "content": {"application/json": {"schema": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {"error": {"type": "integer"}, "message": {"type": "string"}},
        }}}})
    };
    let mut r = Map::new();
    r.insert("200".into(), ok);
    let static_route = matches!(
        path,
        "/" | "/api-docs"
            | "/api-docs/openapi.json"
            | "/node/version"
            | "/utils/time"
            | "/consensus/algo"
            | "/fees/status"
            | "/peers/suspended"
    );
    if has_params || has_body {
        r.insert("400".into(), error("Bad input (LTO's error body)"));
    }
    if has_body {
        r.insert("413".into(), error("The body is over 1 MiB"));
    }
    if path.starts_with("/hash/") || path.starts_with("/index/hash/") {
        // LTO's indexer answers an unknown hash with `{"chainpoint": null}`.
        r.insert(
            "404".into(),
            json!({"description": "Not anchored", "content": {"application/json": {"schema": {
                "type": "object",
            }}}}),
        );
        r.insert("503".into(), error("The chain is not ready"));
    } else if !static_route {
        r.insert(
            "404".into(),
            error("No such block, transaction, anchor or summary"),
        );
        r.insert("503".into(), error("The chain is not ready"));
    }
    if guarded(method, path) {
        r.insert("401".into(), error("No API key"));
        r.insert("403".into(), error("A wrong API key, or none configured"));
    }
    Value::Object(r)
}

/// The OpenAPI 3 document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for (method, path, summary) in ROUTES {
        let params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| {
                // `/addresses/validate` says whether any text is an address.
                let schema = if path.starts_with("/addresses/validate/") {
                    json!({"type": "string"})
                } else {
                    param_schema(name)
                };
                json!({"name": name, "in": "path", "required": true, "schema": schema})
            })
            .collect();
        let body = if *method == "post" {
            request_body(path)
        } else {
            None
        };
        let mut op = json!({
            "summary": summary,
            "parameters": params,
            "responses": responses(method, path, !params.is_empty(), body.is_some()),
        });
        if let Some(b) = body {
            op["requestBody"] = b;
        }
        if guarded(method, path) {
            op["security"] = json!([{"apiKey": []}]);
        }
        let entry = paths
            .entry((*path).to_string())
            .or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "ltonode REST API", "version": env!("CARGO_PKG_VERSION")},
        "components": {"securitySchemes": {
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        }},
        "paths": paths,
    })
}

/// `GET /api-docs/openapi.json`.
pub async fn openapi() -> Json<Value> {
    Json(document())
}
