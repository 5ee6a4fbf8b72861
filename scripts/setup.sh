#!/usr/bin/env bash
# Installs what kcsan's build, demo and tests need on a fresh Debian machine,
# then builds the workspace in release mode. Safe to run again: it skips what
# is already there.
#
#   gcc, make        the default compilers (the machine image ships them)
#   clang-22         the second compiler the tests cover (Debian package)
#   lld-22           clang's linker, for kcsan cc's LTO route (fast paths inlined)
#   libomp-22-dev    clang's OpenMP runtime: the detection corpus on the LTO route
#   cargo            the Rust toolchain (the machine image ships it)
#   ld, objcopy      binutils: cargo kcsan turns the runtime into one object
#   cmake, meson, ninja, autoconf   the build-system tests (tests/build_systems)
#   nightly, rust-src  optional: cargo kcsan's nightly route (-Zsanitizer) and
#                    --build-std; the nightly test skips, saying so, without them
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v gcc >/dev/null || need_apt+=(gcc)
command -v g++ >/dev/null || need_apt+=(g++)
command -v make >/dev/null || need_apt+=(make)
command -v clang-22 >/dev/null || need_apt+=(clang-22)
command -v ld.lld-22 >/dev/null || need_apt+=(lld-22)
[ -e /usr/lib/llvm-22/lib/libomp.so ] || need_apt+=(libomp-22-dev)
command -v objcopy >/dev/null || need_apt+=(binutils)
command -v cmake >/dev/null || need_apt+=(cmake)
command -v meson >/dev/null || need_apt+=(meson)
command -v ninja >/dev/null || need_apt+=(ninja-build)
command -v autoconf >/dev/null || need_apt+=(autoconf)
if ((${#need_apt[@]})); then
	echo "setup: installing ${need_apt[*]} from Debian's packages"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
	echo "setup: cargo not found; install Rust (rustup) first" >&2
	exit 2
fi

if command -v rustup >/dev/null; then
	if ! rustup toolchain list | grep -q '^nightly'; then
		echo "setup: installing a nightly toolchain (cargo kcsan's nightly route)"
		rustup toolchain install nightly --profile minimal ||
			echo "setup: warning: no nightly toolchain; the nightly route's test will skip" >&2
	fi
	if rustup toolchain list | grep -q '^nightly' &&
		! rustup component list --toolchain nightly --installed | grep -q '^rust-src'; then
		echo "setup: adding rust-src to nightly (cargo kcsan --build-std)"
		rustup component add rust-src --toolchain nightly ||
			echo "setup: warning: rust-src unavailable; cargo kcsan --build-std will say so" >&2
	fi
fi

echo "setup: building kcsan (cargo build --release)"
cargo build --release --workspace --quiet
echo "setup: ready: $(pwd)/target/release/{kcsan,cargo-kcsan,libkcsan_rt.a}"
echo "setup: for cargo kcsan, put $(pwd)/target/release on PATH"
