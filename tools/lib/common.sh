# Shared by tools/*.sh: progress output, dependency install, CMake configure.
# Sourced, not run. Every function is idempotent.

set -euo pipefail

COHORT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
COHORT_JOBS=${COHORT_JOBS:-$(nproc 2>/dev/null || echo 2)}

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Debian packages each task needs; install only what is missing.
COHORT_BUILD_PACKAGES=(g++ cmake ninja-build ccache python3 pkg-config
    libboost1.81-dev libboost-json1.81-dev libboost-test1.81-dev libxxhash-dev libssl-dev)
COHORT_BENCH_PACKAGES=(libbenchmark-dev libmemcached-dev)
# The peers tools/peer_bench.sh runs cohort-node against (not needed by the tests).
COHORT_PEER_PACKAGES=(serf)
# prometheus: its promtool checks cohort-node's /metrics (tests/agent/agent_test.sh).
# dnsmasq-base: the DNS server of the discovery tests (tests/discovery, agent_test.sh).
COHORT_TEST_PACKAGES=("${COHORT_BUILD_PACKAGES[@]}" "${COHORT_BENCH_PACKAGES[@]}" clang
    libclang-rt-14-dev prometheus dnsmasq-base)

ensure_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        info "all ${#} packages present"
        return
    fi
    info "installing: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "not root and no sudo: install ${missing[*]} yourself"
        sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

# configure_build <build dir> <c++ compiler> [cmake args...]
configure_build() {
    local dir=$1 cxx=$2
    shift 2
    local launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S "$COHORT_ROOT" -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
        "${launcher[@]}" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON "$@" >/dev/null
}
