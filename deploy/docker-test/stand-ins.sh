#!/usr/bin/env bash
# Makes the three base images the Dockerfile names available to the
# container engine (docker or podman), building local stand-ins for those that cannot be pulled
# (a machine without Docker Hub):
#
#   docker.io/library/debian:bookworm-slim   debootstrap --variant=minbase bookworm, imported
#   docker.io/library/rust:1-bookworm        that + build-essential, curl, pkg-config, git and
#                                            rustup's minimal profile, laid out as the official
#                                            image (CARGO_HOME, RUSTUP_HOME, PATH)
#   docker.io/library/node:20-bookworm-slim  that + this machine's Node 20 (node and npm in
#                                            /usr/local, as the official image)
#
#   deploy/docker-test/stand-ins.sh      (the engine as engine.sh picks it)
#
# An image already present is left alone. Needs root, debootstrap and
# deb.debian.org (Debian mirror), static.rust-lang.org (rustup) and a host
# Node 20. The Rust version is this machine's `rustc` unless RUST_VERSION is
# set. These are stand-ins for testing, not copies of the official images:
# fewer packages (no git-lfs, no headers beyond build-essential), no yarn.
#
# Certificate authorities this machine adds to its own trust store
# (/usr/local/share/ca-certificates/*.crt: a TLS-inspecting proxy's, say) go
# into the stand-ins too, so that apt, rustup, cargo and npm inside the
# builds reach their HTTPS registries as the host does; Node is pointed at
# the system bundle with NODE_EXTRA_CA_CERTS for the same reason.
set -euo pipefail

# shellcheck source=SCRIPTDIR/engine.sh
source "$(dirname "$0")/engine.sh"
pick_engine
work=$(mktemp -d /var/tmp/coinop-stand-ins.XXXXXX)
trap 'rm -rf "$work"' EXIT
mirror=http://deb.debian.org/debian
shopt -s nullglob
local_cas=(/usr/local/share/ca-certificates/*.crt)
shopt -u nullglob

have() { "${engine[@]}" image inspect "$1" >/dev/null 2>&1; }
# Docker Hub answers in a second or not at all here: do not wait for retries.
pull() { timeout 60 "${engine[@]}" pull -q "$1" >/dev/null 2>&1; }

debian=docker.io/library/debian:bookworm-slim
if ! have "$debian" && ! pull "$debian"; then
  echo "stand-in $debian: debootstrap --variant=minbase bookworm" >&2
  root=$work/rootfs
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  rm -f "$root/etc/apt/sources.list"
  # Picked up when ca-certificates is installed (update-ca-certificates).
  if [[ ${#local_cas[@]} -gt 0 ]]; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp "${local_cas[@]}" "$root/usr/local/share/ca-certificates/"
  fi
  # The official image's sources, and its apt settings: no cached .debs, no
  # translations, no docs (what makes it "slim").
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror}-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/log/* "$root"/usr/share/man/* "$root"/usr/share/info/*
  find "$root/usr/share/doc" -mindepth 2 -not -name copyright -delete 2>/dev/null || true
  tar -C "$root" --numeric-owner -c . | "${engine[@]}" import --change 'CMD ["bash"]' - "$debian" >/dev/null
  rm -rf "$root"
fi

rust=docker.io/library/rust:1-bookworm
if ! have "$rust" && ! pull "$rust"; then
  version=${RUST_VERSION:-$(rustc -V | cut -d' ' -f2)}
  node_ca=
  [[ ${#local_cas[@]} -eq 0 ]] || node_ca="ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt"
  echo "stand-in $rust: Rust $version from rustup" >&2
  "${engine[@]}" build "${build_opts[@]}" -t "$rust" -f - "$work" <<EOF
FROM $debian
ENV RUSTUP_HOME=/usr/local/rustup \\
    CARGO_HOME=/usr/local/cargo \\
    PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    RUST_VERSION=$version
$node_ca
RUN apt-get update \\
 && apt-get install -y --no-install-recommends build-essential ca-certificates curl git pkg-config \\
 && rm -rf /var/lib/apt/lists/* \\
 && url=https://static.rust-lang.org/rustup/dist/x86_64-unknown-linux-gnu/rustup-init \\
 && curl -fsSL -o /tmp/rustup-init "\$url" \\
 && echo "\$(curl -fsSL "\$url.sha256" | cut -d' ' -f1) */tmp/rustup-init" | sha256sum -c - \\
 && chmod +x /tmp/rustup-init \\
 && /tmp/rustup-init -y --no-modify-path --profile minimal --default-toolchain "\$RUST_VERSION" \\
 && rm /tmp/rustup-init \\
 && chmod -R a+w "\$RUSTUP_HOME" "\$CARGO_HOME" \\
 && rustc --version && cargo --version
EOF
fi

node=docker.io/library/node:20-bookworm-slim
if ! have "$node" && ! pull "$node"; then
  bin=$(readlink -f "$(command -v node)")
  modules=$(dirname "$(dirname "$bin")")/lib/node_modules
  case $("$bin" --version) in v20.*) ;; *) echo "error: the host's node is not Node 20" >&2; exit 1 ;; esac
  echo "stand-in $node: this machine's $bin ($("$bin" --version)) and $modules" >&2
  mkdir -p "$work/node"
  cp "$bin" "$work/node/node"
  cp -a "$modules" "$work/node/node_modules"
  "${engine[@]}" build "${build_opts[@]}" -t "$node" -f - "$work/node" <<EOF
FROM $debian
ENV NODE_VERSION=$("$bin" --version | tr -d v)
COPY node /usr/local/bin/node
COPY node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && ln -s ../lib/node_modules/corepack/dist/corepack.js /usr/local/bin/corepack \\
 && node --version && npm --version
CMD ["node"]
EOF
fi
