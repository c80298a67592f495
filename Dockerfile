# Production image of trygghet: build with the Rust toolchain, run on a slim Debian with only libpq and the CA
# certificates. The same binary as `cargo run --release` (the default `trygghet` binary, `serve` command), linked
# against the distribution's libpq (`--no-default-features`) so that security updates of libpq and OpenSSL come with
# the base image.
#
# The dependencies are compiled in a layer of their own (cargo-chef), keyed by Cargo.toml and Cargo.lock only: a
# change to the code rebuilds trygghet alone, not the ~350 crates under it.

FROM rust:1.95-bookworm AS chef
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/* \
    && cargo install cargo-chef --locked --version 0.1.78
WORKDIR /src

FROM chef AS plan
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS build
COPY --from=plan /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --no-default-features --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked --no-default-features --bin trygghet

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /var/lib/trygghet --create-home trygghet
COPY --from=build /src/target/release/trygghet /usr/local/bin/trygghet
USER trygghet
WORKDIR /var/lib/trygghet
ENV TRYGGHET_BIND=0.0.0.0 \
    PORT=8080 \
    TRYGGHET_DATA_DIR=/var/lib/trygghet \
    TRYGGHET_LOG_FORMAT=json
EXPOSE 8080
# Ready means the database answers (/readyz); an orchestrator restarts an instance that stays unready.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${PORT}/readyz" || exit 1
CMD ["trygghet", "serve"]
