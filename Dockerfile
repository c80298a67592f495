# Production image of trygghet: build with the Rust toolchain, run on a slim Debian with only libpq.
# The same binary as `cargo run --release` (the default `trygghet` binary, `serve` command).

FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin trygghet

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
CMD ["trygghet", "serve"]
