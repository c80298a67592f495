//! Rebuilds when a page text changes: the texts in `locales/` are compiled in, and cargo does not see that by itself.

fn main() {
    println!("cargo:rerun-if-changed=locales");
}
