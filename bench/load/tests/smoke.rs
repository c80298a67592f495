//! The load suite still runs: `bench/flow.sh --smoke` starts the service (the debug build beside this test, built
//! if missing), seeds a survey through the API, walks two residents through the questionnaire for 3 s and sends paper
//! forms for 2 s, and fails when any request failed or nothing was completed. It times nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn residents_and_paper_forms_go_through_without_a_failure() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let status = Command::new("bash")
        .arg(root.join("bench/flow.sh"))
        .arg("--smoke")
        .env("TRYGGHET_BIN", service(&root))
        .env("LOAD_BIN", env!("CARGO_BIN_EXE_trygghet-load"))
        .env("SEED_BIN", env!("CARGO_BIN_EXE_trygghet-seed"))
        .env("PORT", "0")
        .status()
        .expect("bash runs bench/flow.sh");
    assert!(status.success(), "bench/flow.sh --smoke failed ({status}); its output above says why");
}

/// The service's binary: `TRYGGHET_BIN`, or the debug build in this test's target directory, built when missing.
fn service(root: &Path) -> PathBuf {
    if let Some(bin) = std::env::var_os("TRYGGHET_BIN") {
        return PathBuf::from(bin);
    }
    // This test runs from <target>/debug/deps; `cargo test` and `cargo build` leave trygghet in <target>/debug.
    let exe = std::env::current_exe().expect("the test knows where it runs from");
    let debug = exe.parent().and_then(Path::parent).expect("the test runs from <target>/debug/deps");
    let bin = debug.join("trygghet");
    if !bin.exists() {
        let built = Command::new(env!("CARGO"))
            .args(["build", "--bin", "trygghet", "--manifest-path"])
            .arg(root.join("Cargo.toml"))
            .status()
            .expect("cargo runs");
        assert!(built.success(), "cargo build --bin trygghet failed");
    }
    bin
}
