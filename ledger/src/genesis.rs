//! The genesis of a chain: its id, first timestamp and base target, and the accounts it funds.
//!
//! A [`GenesisConfig`] is read from (and written to) JSON with LTO-style field names
//! (`chainId`, `timestamp`, `baseTarget`, `allocations: [{address, amount, seed?}]`); every way
//! in ([`GenesisConfig::from_json_str`], serde's `Deserialize`) checks it, so a config in hand
//! has a one-character chain id, at least one allocation, no zero amount, no duplicate or
//! foreign address, a total that fits LTO's signed 64-bit amounts, and seeds (when given) that
//! derive their addresses. Its transactions are LTO genesis transactions (type 1), one per
//! allocation, in order.
//!
//! [`GenesisConfig::dev`] is the embedded genesis of `ltonode run --dev`: four accounts whose
//! seed phrases are published in the README, so they must never hold value on a public network.

use crate::address::{Address, AddressError, ChainId};
use crate::keys::KeyPair;
use crate::tx::Transaction;
use crate::units::{Amount, Timestamp, UNITS_PER_LTO};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use thiserror::Error;

/// Why a genesis configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GenesisError {
    /// The text is not JSON of the genesis shape (a missing field, a wrong type, a negative
    /// number, an unknown field).
    #[error("genesis is not valid JSON at line {line}, column {column}: {message}")]
    BadJson {
        /// 1-based line of the error (0 when unknown).
        line: usize,
        /// 1-based column of the error (0 when unknown).
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// `chainId` is not exactly one ASCII character.
    #[error("chainId must be one ASCII character, found {found:?}")]
    BadChainId {
        /// The text given.
        found: String,
    },
    /// The base target is zero (the block delay would divide by zero).
    #[error("baseTarget must be positive")]
    ZeroBaseTarget,
    /// The timestamp does not fit LTO's signed 64-bit timestamps.
    #[error("timestamp {found} does not fit a signed 64-bit integer")]
    TimestampTooLarge {
        /// The timestamp given.
        found: u64,
    },
    /// There are no allocations: nobody could ever forge.
    #[error("genesis has no allocations")]
    Empty,
    /// An address is not a valid LTO address.
    #[error("allocation {index}: bad address {address:?}: {source}")]
    BadAddress {
        /// Position in `allocations`.
        index: usize,
        /// The text given.
        address: String,
        /// What is wrong with it.
        source: AddressError,
    },
    /// An address belongs to another chain.
    #[error("allocation {index}: address {address} is for chain '{found}', expected '{expected}'")]
    WrongChain {
        /// Position in `allocations`.
        index: usize,
        /// The allocation's address.
        address: Address,
        /// The genesis chain id.
        expected: ChainId,
        /// The address's chain id.
        found: ChainId,
    },
    /// An allocation of zero units.
    #[error("allocation {index}: zero amount for {address}")]
    ZeroAmount {
        /// Position in `allocations`.
        index: usize,
        /// The allocation's address.
        address: Address,
    },
    /// The same address is funded twice.
    #[error("allocations {first} and {second} both fund {address}")]
    DuplicateAddress {
        /// Position of the first allocation to the address.
        first: usize,
        /// Position of the repeated one.
        second: usize,
        /// The allocation's address.
        address: Address,
    },
    /// The running total exceeds `i64::MAX` units (LTO amounts are signed 64-bit).
    #[error("allocation {index}: total supply exceeds {max} units", max = i64::MAX)]
    TotalTooLarge {
        /// Position of the allocation at which the total first overflows.
        index: usize,
    },
    /// A documented seed does not derive the address it sits next to.
    #[error("allocation {index}: seed derives {derived}, not {address}")]
    SeedMismatch {
        /// Position in `allocations`.
        index: usize,
        /// The address given.
        address: Address,
        /// The address the seed derives (nonce 0) on the genesis chain.
        derived: Address,
    },
}

/// One funded account of the genesis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allocation {
    /// Who is funded.
    pub address: Address,
    /// How many units (10^-8 LTO).
    pub amount: Amount,
    /// The account's seed phrase (nonce 0), published on purpose: dev and local test chains
    /// only, never a chain that carries value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
}

/// A chain's genesis: the first block's parameters and the accounts it funds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "RawGenesis")]
pub struct GenesisConfig {
    /// The chain (network byte) every address and transaction belongs to.
    #[serde(serialize_with = "serialize_chain_id")]
    pub chain_id: ChainId,
    /// The genesis block's and the genesis transactions' timestamp (ms since the epoch).
    pub timestamp: Timestamp,
    /// The genesis block's base target; it must equal the `initial_base_target` of the
    /// consensus preset the chain runs with.
    pub base_target: u64,
    /// The funded accounts, in the order of their genesis transactions.
    pub allocations: Vec<Allocation>,
    /// The consensus preset the chain runs with (`dev`, `minimal`, `testnet`, `mainnet`), so
    /// that every node of the chain runs the same parameters; `None` in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
}

/// A funded account of the dev genesis, with its seed, for `ltonode dev-accounts`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DevAccount {
    /// The seed phrase (nonce 0).
    pub seed: String,
    /// The account's address on the dev chain.
    pub address: Address,
    /// Its genesis balance in units (10^-8 LTO).
    pub balance: Amount,
}

/// The JSON as written, before any check.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawGenesis {
    chain_id: String,
    timestamp: Timestamp,
    base_target: u64,
    allocations: Vec<RawAllocation>,
    #[serde(default)]
    preset: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllocation {
    address: String,
    amount: Amount,
    #[serde(default)]
    seed: Option<String>,
}

fn serialize_chain_id<S: serde::Serializer>(chain: &ChainId, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(chain)
}

/// The dev chain's genesis timestamp: 2026-01-01T00:00:00Z.
pub const DEV_TIMESTAMP: Timestamp = Timestamp(1_767_225_600_000);

/// The dev chain's genesis base target. It must equal `ChainParams::dev().initial_base_target`
/// in `ltonode-consensus` (which this crate cannot depend on; the node's tests check it).
pub const DEV_BASE_TARGET: u64 = 50;

/// The dev accounts' seed phrases and balances in whole LTO. Published: never fund them on a
/// public network.
pub const DEV_SEEDS: [(&str, u64); 4] = [
    (
        "ltonode dev account 1 -- do not use on any public network",
        50_000_000,
    ),
    (
        "ltonode dev account 2 -- do not use on any public network",
        30_000_000,
    ),
    (
        "ltonode dev account 3 -- do not use on any public network",
        15_000_000,
    ),
    (
        "ltonode dev account 4 -- do not use on any public network",
        5_000_000,
    ),
];

impl GenesisConfig {
    /// Parses and checks a genesis JSON document.
    pub fn from_json_str(json: &str) -> Result<GenesisConfig, GenesisError> {
        let raw: RawGenesis = serde_json::from_str(json).map_err(|e| GenesisError::BadJson {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        GenesisConfig::try_from(raw)
    }

    /// The config as pretty-printed JSON (the format [`GenesisConfig::from_json_str`] reads).
    pub fn to_json_string(&self) -> String {
        // Serialising these plain structs cannot fail: every map key is a string.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks the invariants listed in the module docs.
    pub fn validate(&self) -> Result<(), GenesisError> {
        if self.base_target == 0 {
            return Err(GenesisError::ZeroBaseTarget);
        }
        if self.timestamp.to_i64().is_none() {
            return Err(GenesisError::TimestampTooLarge {
                found: self.timestamp.millis(),
            });
        }
        if self.allocations.is_empty() {
            return Err(GenesisError::Empty);
        }
        let mut seen: HashMap<Address, usize> = HashMap::new();
        let mut total = Amount::ZERO;
        for (index, a) in self.allocations.iter().enumerate() {
            let found = a.address.chain_id();
            if found != self.chain_id {
                return Err(GenesisError::WrongChain {
                    index,
                    address: a.address,
                    expected: self.chain_id,
                    found,
                });
            }
            if a.amount == Amount::ZERO {
                return Err(GenesisError::ZeroAmount {
                    index,
                    address: a.address,
                });
            }
            if let Some(&first) = seen.get(&a.address) {
                return Err(GenesisError::DuplicateAddress {
                    first,
                    second: index,
                    address: a.address,
                });
            }
            seen.insert(a.address, index);
            total = total
                .checked_add(a.amount)
                .filter(|t| t.to_i64().is_some())
                .ok_or(GenesisError::TotalTooLarge { index })?;
            if let Some(seed) = &a.seed {
                let derived = seed_address(self.chain_id, seed);
                if derived != a.address {
                    return Err(GenesisError::SeedMismatch {
                        index,
                        address: a.address,
                        derived,
                    });
                }
            }
        }
        Ok(())
    }

    /// The sum of all allocations (checked by [`GenesisConfig::validate`] to fit `i64`).
    pub fn total(&self) -> Amount {
        self.allocations.iter().fold(Amount::ZERO, |t, a| {
            Amount(t.units().saturating_add(a.amount.units()))
        })
    }

    /// The genesis transactions: one LTO genesis transaction (type 1, version 1, zero sender
    /// key, no fee, no proofs) per allocation, in order, all at the genesis timestamp.
    pub fn transactions(&self) -> Vec<Transaction> {
        self.allocations
            .iter()
            .map(|a| Transaction::genesis(self.chain_id, self.timestamp, a.address, a.amount))
            .collect()
    }

    /// The embedded genesis of the single-node dev chain (`ltonode run --dev`): chain `T`,
    /// [`DEV_TIMESTAMP`], [`DEV_BASE_TARGET`], and the four [`DEV_SEEDS`] accounts (100,000,000
    /// LTO in all; each can forge).
    pub fn dev() -> GenesisConfig {
        let chain_id = ChainId::TESTNET;
        GenesisConfig {
            chain_id,
            timestamp: DEV_TIMESTAMP,
            base_target: DEV_BASE_TARGET,
            allocations: DEV_SEEDS
                .iter()
                .map(|&(seed, lto)| Allocation {
                    address: seed_address(chain_id, seed),
                    amount: Amount(lto.saturating_mul(UNITS_PER_LTO)),
                    seed: Some(seed.to_owned()),
                })
                .collect(),
            preset: Some("dev".to_owned()),
        }
    }

    /// The dev genesis's accounts with their seeds and balances.
    pub fn dev_accounts() -> Vec<DevAccount> {
        GenesisConfig::dev().seeded_accounts()
    }

    /// The allocations of this genesis that carry a seed, as [`DevAccount`]s.
    pub fn seeded_accounts(&self) -> Vec<DevAccount> {
        self.allocations
            .iter()
            .filter_map(|a| {
                a.seed.as_ref().map(|seed| DevAccount {
                    seed: seed.clone(),
                    address: a.address,
                    balance: a.amount,
                })
            })
            .collect()
    }
}

/// The address of `seed` (nonce 0, as LTO wallets derive their first account) on `chain`.
pub fn seed_address(chain: ChainId, seed: &str) -> Address {
    Address::from_public_key(chain, &KeyPair::from_seed_phrase(seed, 0).public_key())
}

impl TryFrom<RawGenesis> for GenesisConfig {
    type Error = GenesisError;

    fn try_from(raw: RawGenesis) -> Result<GenesisConfig, GenesisError> {
        let chain_id = match raw.chain_id.as_bytes() {
            [c] if c.is_ascii() => ChainId(*c),
            _ => {
                return Err(GenesisError::BadChainId {
                    found: raw.chain_id,
                });
            }
        };
        let allocations = raw
            .allocations
            .into_iter()
            .enumerate()
            .map(|(index, a)| {
                let address = Address::from_base58(&a.address).map_err(|source| {
                    GenesisError::BadAddress {
                        index,
                        address: a.address.clone(),
                        source,
                    }
                })?;
                Ok(Allocation {
                    address,
                    amount: a.amount,
                    seed: a.seed,
                })
            })
            .collect::<Result<Vec<_>, GenesisError>>()?;
        let config = GenesisConfig {
            chain_id,
            timestamp: raw.timestamp,
            base_target: raw.base_target,
            allocations,
            preset: raw.preset,
        };
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::PublicKey;
    use crate::tx::{TxBody, VerifiedTx};

    /// The addresses the README documents for [`DEV_SEEDS`].
    const DEV_ADDRESSES: [&str; 4] = [
        "3MsWfVd2xGzDN1oTRbUYmir6VAup3naWEXK",
        "3Mrjvc9Y4kd6zstvBWwj5SVYWLFWJwLsbvj",
        "3N9nXTGvFmHXuo2wc8WybiQS7N38BH87fEC",
        "3N7tjZJmh1kFV656z5CrHmjkiyzUxHeEgye",
    ];

    fn lto(n: u64) -> Amount {
        Amount(n * UNITS_PER_LTO)
    }

    fn addr(seed: &str) -> Address {
        seed_address(ChainId::TESTNET, seed)
    }

    fn json_with(allocations: &str) -> String {
        format!(
            r#"{{"chainId":"T","timestamp":1767225600000,"baseTarget":250,"allocations":[{allocations}]}}"#
        )
    }

    #[test]
    fn genesis_dev_documented_addresses() {
        let accounts = GenesisConfig::dev_accounts();
        let addresses: Vec<String> = accounts.iter().map(|a| a.address.to_string()).collect();
        assert_eq!(addresses, DEV_ADDRESSES);
        let balances: Vec<Amount> = accounts.iter().map(|a| a.balance).collect();
        assert_eq!(
            balances,
            [
                lto(50_000_000),
                lto(30_000_000),
                lto(15_000_000),
                lto(5_000_000)
            ]
        );
        let dev = GenesisConfig::dev();
        assert_eq!(dev.total(), lto(100_000_000));
        assert_eq!(dev.chain_id, ChainId::TESTNET);
        assert_eq!(dev.base_target, 50);
        assert_eq!(dev.validate(), Ok(()));
        // Every dev account can forge (1000 LTO minimum).
        assert!(accounts.iter().all(|a| a.balance >= lto(1000)));
    }

    #[test]
    fn genesis_dev_json_round_trip() {
        let dev = GenesisConfig::dev();
        let json = dev.to_json_string();
        assert!(json.contains(r#""chainId": "T""#), "{json}");
        assert!(json.contains(r#""baseTarget": 50"#), "{json}");
        assert_eq!(GenesisConfig::from_json_str(&json), Ok(dev.clone()));
        // serde's own path checks the same way.
        let via_serde: GenesisConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(via_serde, dev);
    }

    #[test]
    fn genesis_transactions_are_lto_genesis_txs() {
        let dev = GenesisConfig::dev();
        let txs = dev.transactions();
        assert_eq!(txs.len(), 4);
        for (tx, a) in txs.iter().zip(&dev.allocations) {
            assert_eq!(tx.tx_type().id(), 1);
            assert_eq!(tx.version, 1);
            assert_eq!(tx.timestamp, DEV_TIMESTAMP);
            assert_eq!(tx.sender, PublicKey([0; 32]).into());
            assert_eq!(tx.fee, Amount::ZERO);
            assert!(tx.proofs.is_empty());
            assert_eq!(
                tx.body,
                TxBody::Genesis {
                    recipient: a.address,
                    amount: a.amount
                }
            );
            let decoded = Transaction::from_bytes(&tx.to_bytes(), ChainId::TESTNET).unwrap();
            assert_eq!(&decoded, tx);
            assert!(VerifiedTx::genesis(tx.clone(), ChainId::TESTNET).is_ok());
        }
    }

    #[test]
    fn genesis_local_testnet_file_matches_its_seeds() {
        let g = GenesisConfig::from_json_str(include_str!("../../genesis.json")).unwrap();
        assert_eq!(g.chain_id, ChainId::TESTNET);
        assert_eq!(g.allocations.len(), 5);
        for a in &g.allocations {
            let seed = a.seed.as_deref().unwrap();
            assert_eq!(addr(seed), a.address, "{seed}");
        }
        let stakes: Vec<Amount> = g.allocations.iter().map(|a| a.amount).collect();
        assert_eq!(
            stakes,
            [
                lto(40_000_000),
                lto(30_000_000),
                lto(20_000_000),
                lto(10_000_000),
                lto(1_000_000)
            ]
        );
    }

    #[test]
    fn genesis_errors_are_exact() {
        let a = addr("a");
        let b = addr("b");
        let one = |x: Address, n: u64| format!(r#"{{"address":"{x}","amount":{n}}}"#);

        assert!(matches!(
            GenesisConfig::from_json_str("{"),
            Err(GenesisError::BadJson { line: 1, .. })
        ));
        assert!(matches!(
            GenesisConfig::from_json_str(&json_with(&one(a, 1)).replace("baseTarget", "bt")),
            Err(GenesisError::BadJson { .. })
        ));
        assert!(matches!(
            GenesisConfig::from_json_str(&json_with(&format!(
                r#"{{"address":"{a}","amount":-5}}"#
            ))),
            Err(GenesisError::BadJson { .. })
        ));
        assert_eq!(
            GenesisConfig::from_json_str(&json_with(&one(a, 1)).replace(r#""T""#, r#""TT""#)),
            Err(GenesisError::BadChainId { found: "TT".into() })
        );
        assert_eq!(
            GenesisConfig::from_json_str(&json_with("")),
            Err(GenesisError::Empty)
        );
        assert_eq!(
            GenesisConfig::from_json_str(&json_with(&one(a, 1)).replace("250", "0")),
            Err(GenesisError::ZeroBaseTarget)
        );
        assert_eq!(
            GenesisConfig::from_json_str(&json_with(&format!("{},{}", one(a, 1), one(b, 0)))),
            Err(GenesisError::ZeroAmount {
                index: 1,
                address: b
            })
        );
        assert_eq!(
            GenesisConfig::from_json_str(&json_with(&format!(
                "{},{},{}",
                one(a, 1),
                one(b, 2),
                one(a, 3)
            ))),
            Err(GenesisError::DuplicateAddress {
                first: 0,
                second: 2,
                address: a
            })
        );
        let mainnet = seed_address(ChainId::MAINNET, "a");
        assert_eq!(
            GenesisConfig::from_json_str(&json_with(&one(mainnet, 1))),
            Err(GenesisError::WrongChain {
                index: 0,
                address: mainnet,
                expected: ChainId::TESTNET,
                found: ChainId::MAINNET
            })
        );
        assert_eq!(
            GenesisConfig::from_json_str(&json_with(&format!(
                "{},{}",
                one(a, i64::MAX as u64),
                one(b, 1)
            ))),
            Err(GenesisError::TotalTooLarge { index: 1 })
        );
        assert_eq!(
            GenesisConfig::from_json_str(&json_with(&one(a, u64::MAX))),
            Err(GenesisError::TotalTooLarge { index: 0 })
        );
        assert_eq!(
            GenesisConfig::from_json_str(&json_with(r#"{"address":"0OIl","amount":1}"#)),
            Err(GenesisError::BadAddress {
                index: 0,
                address: "0OIl".into(),
                source: AddressError::BadBase58
            })
        );
        assert_eq!(
            GenesisConfig::from_json_str(&json_with(&format!(
                r#"{{"address":"{a}","amount":1,"seed":"b"}}"#
            ))),
            Err(GenesisError::SeedMismatch {
                index: 0,
                address: a,
                derived: b
            })
        );
    }
}
