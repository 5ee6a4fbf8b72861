#!/usr/bin/env bash
# Installs kcsan under a prefix, for the C world (make, CMake, Meson,
# ./configure) and for Rust:
#
#   PREFIX/bin/kcsan                       the command (runtime embedded too)
#   PREFIX/bin/kcsan-cc, kcsan-c++         `kcsan cc` / `kcsan c++` as one path (links)
#   PREFIX/bin/cargo-kcsan                 `cargo kcsan`
#   PREFIX/lib/kcsan/libkcsan_rt.a         the runtime `kcsan cc` links
#   PREFIX/lib/kcsan/libkcsan_rt.so        the runtime for LD_PRELOAD
#   PREFIX/include/kcsan.h                 the annotations
#   PREFIX/share/man/man1/kcsan.1          the manual page (from `kcsan --help`)
#   PREFIX/share/kcsan/installed-files     what --uninstall removes
#
# Usage:
#   scripts/install.sh [--prefix DIR] [--no-build]   (default prefix: /usr/local)
#   scripts/install.sh --uninstall [--prefix DIR]
#
# --no-build installs what `cargo build --release` already built.
# --uninstall removes exactly the files the install listed, and the
# directories only kcsan uses (lib/kcsan, share/kcsan) if left empty.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/usr/local
build=1
uninstall=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a directory" >&2; exit 2; }
                  prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --no-build) build=0; shift ;;
        --uninstall) uninstall=1; shift ;;
        -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
manifest=$prefix/share/kcsan/installed-files

if [ "$uninstall" = 1 ]; then
    if [ ! -f "$manifest" ]; then
        echo "install.sh: no kcsan installation under $prefix ($manifest is missing)" >&2
        exit 1
    fi
    while IFS= read -r f; do
        rm -f -- "$prefix/$f"
    done < "$manifest"
    rm -f -- "$manifest"
    rmdir -- "$prefix/lib/kcsan" "$prefix/share/kcsan" 2>/dev/null || true
    echo "kcsan removed from $prefix"
    exit 0
fi

if [ "$build" = 1 ]; then
    cargo build --release --locked -p kcsan-cli -p cargo-kcsan -p kcsan-rt
fi
rel=target/release
for f in kcsan cargo-kcsan libkcsan_rt.a libkcsan_rt.so; do
    [ -f "$rel/$f" ] || { echo "install.sh: $rel/$f is missing; run without --no-build" >&2; exit 1; }
done

files=()
put() { # put MODE SOURCE DEST (DEST relative to the prefix)
    install -D -m "$1" "$2" "$prefix/$3"
    files+=("$3")
}
put 0755 "$rel/kcsan" bin/kcsan
put 0755 "$rel/cargo-kcsan" bin/cargo-kcsan
put 0644 "$rel/libkcsan_rt.a" lib/kcsan/libkcsan_rt.a
put 0755 "$rel/libkcsan_rt.so" lib/kcsan/libkcsan_rt.so
put 0644 include/kcsan.h include/kcsan.h
for link in kcsan-cc kcsan-c++; do
    ln -sf kcsan "$prefix/bin/$link"
    files+=("bin/$link")
done
man=$(mktemp)
"$prefix/bin/kcsan" man > "$man"
put 0644 "$man" share/man/man1/kcsan.1
rm -f "$man"
mkdir -p "$(dirname "$manifest")"
printf '%s\n' "${files[@]}" > "$manifest"
echo "kcsan installed in $prefix (${#files[@]} files; remove with: scripts/install.sh --uninstall --prefix $prefix)"
