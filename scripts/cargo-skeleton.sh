#!/usr/bin/env bash
# cargo-skeleton.sh SRC DEST: copies the workspace's manifests (Cargo.toml, Cargo.lock, every
# crates/*/Cargo.toml) from SRC to DEST and puts an empty stand-in beside each of them for
# every source file cargo needs to see (src/lib.rs, src/main.rs, src/bin/*.rs, build.rs).
#
# The Dockerfile builds this skeleton first, so the dependencies are compiled in a layer that
# only changes when a manifest or Cargo.lock does; the real sources come after. The output
# depends only on the manifests and on which of those files exist, never on their content.
# CI runs it too (.ci/run) and checks that `cargo metadata --locked` accepts the result.
set -euo pipefail

if [ "$#" -ne 2 ]; then
    echo "usage: $0 SRC DEST" >&2
    exit 2
fi
src=$1
dest=$2

mkdir -p "$dest"
cp "$src/Cargo.toml" "$src/Cargo.lock" "$dest/"
for manifest in "$src"/crates/*/Cargo.toml; do
    crate_dir=${manifest%/Cargo.toml}
    rel=crates/${crate_dir##*/}
    mkdir -p "$dest/$rel"
    cp "$manifest" "$dest/$rel/Cargo.toml"
    if [ -f "$crate_dir/src/lib.rs" ]; then
        mkdir -p "$dest/$rel/src"
        printf '//! Dependency-cache stand-in (scripts/cargo-skeleton.sh).\n' >"$dest/$rel/src/lib.rs"
    fi
    for program in "$crate_dir/src/main.rs" "$crate_dir"/src/bin/*.rs "$crate_dir/build.rs"; do
        [ -f "$program" ] || continue
        target=$dest/$rel/${program#"$crate_dir"/}
        mkdir -p "$(dirname "$target")"
        printf '//! Dependency-cache stand-in (scripts/cargo-skeleton.sh).\nfn main() {}\n' >"$target"
    done
done
