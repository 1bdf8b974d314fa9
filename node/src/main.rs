//! The `ltonode` binary: parse the command line and run the node.

fn main() {
    println!("ltonode {}", env!("CARGO_PKG_VERSION"));
}
