//! Criterion benchmarks of ltonode's hot paths live in `benches/`; this library only holds
//! shared fixtures for them. Run them with `cargo bench -p ltonode-benches`.
