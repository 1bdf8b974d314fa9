//! Merkle trees over a block's anchors, in SHA-256 and Blake2b-256.
