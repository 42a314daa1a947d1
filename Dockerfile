# syntax=docker/dockerfile:1
#
# The coinop relay with the live cursors demo and the `coinop` JS package
# inside:
#
#   docker build -t coinop-relay .
#   docker run -p 8787:8787 -v coinop-data:/data coinop-relay
#
# then open http://127.0.0.1:8787 in two tabs. Every relay flag works after
# the image name (or as a COINOP_* variable with -e); a game of your own is
# served with -v ./site:/srv/site:ro -e COINOP_SERVE=/coinop/=/srv/coinop,/=/srv/site.
# Backups: docker exec CONTAINER coinop-relay backup --to /backups/coinop.db
# (with -v coinop-backups:/backups); see the README's "Deploy" section.
# deploy/docker-test.sh builds this file and checks the image (Docker or podman).

# Node.js for the JS package's build (esbuild, tsc), from its official image.
FROM node:20-bookworm-slim AS node

FROM rust:1-bookworm AS build
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && rustup target add wasm32-unknown-unknown \
 && apt-get update \
 && apt-get install -y --no-install-recommends binaryen \
 && rm -rf /var/lib/apt/lists/*
# wasm-bindgen-cli must match the wasm-bindgen of Cargo.lock exactly;
# bindings/js/build.mjs checks, and installs the right one if this is not.
# Its own layer: it takes minutes and rarely changes.
ARG WASM_BINDGEN_VERSION=0.2.130
RUN cargo install wasm-bindgen-cli --version "=${WASM_BINDGEN_VERSION}"

WORKDIR /src
COPY . .
# The caches keep crates and build output across image builds; what the
# runtime stage needs is copied out of them in the same step. The release
# profile keeps debug info for profiling (debug = 1): six times the binary
# (120 MB instead of 20), of no use in the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cd bindings/js && npm ci && node build.mjs \
 && cd /src && CARGO_PROFILE_RELEASE_DEBUG=0 cargo build --release --locked -p coinop-relay \
 && cp target/release/coinop-relay /usr/local/bin/coinop-relay

FROM debian:bookworm-slim
# curl for the health check only; ca-certificates for the ACME directory's
# HTTPS (--acme-domain). The user and its group are both 10001 (a fixed id,
# for ownership of bind-mounted directories: chown 10001:10001 DIR).
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 coinop \
 && useradd --system --uid 10001 --gid coinop --home-dir /data --shell /usr/sbin/nologin coinop \
 && mkdir -p /data /backups \
 && chown coinop:coinop /data /backups
COPY --from=build /usr/local/bin/coinop-relay /usr/local/bin/coinop-relay
COPY --from=build /src/bindings/js/dist /srv/coinop
COPY --from=build /src/examples/cursors/web /srv/cursors
COPY LICENSE-MIT LICENSE-APACHE /usr/share/doc/coinop-relay/
ENV COINOP_ADDR=0.0.0.0:8787 \
    COINOP_DATA_DIR=/data \
    COINOP_SERVE=/coinop/=/srv/coinop,/=/srv/cursors
USER coinop
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8787
# The port is the one COINOP_ADDR names; HTTPS when the relay serves TLS
# (the certificate names the domain, not 127.0.0.1: not checked here).
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${COINOP_ADDR##*:}/healthz" \
   || curl -fsSk "https://127.0.0.1:${COINOP_ADDR##*:}/healthz" || exit 1
# SIGTERM (docker stop): the relay stops accepting, flushes and exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["coinop-relay"]
