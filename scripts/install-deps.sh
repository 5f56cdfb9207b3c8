#!/usr/bin/env bash
# Installs every package the build, the tests and the benchmarks need, from Debian 12's
# archive. Idempotent: packages already present are skipped, so `make` can call it often.
set -euo pipefail

packages=(
  # toolchain
  build-essential g++ cmake pkg-config make
  # BPF objects and skeletons
  clang llvm bpftool libelf-dev zlib1g-dev linux-libc-dev
  # libraries
  liburing-dev libbpf-dev libxdp-dev libsimdjson-dev libyang2-dev
  libboost1.81-dev libboost-json1.81-dev libfmt-dev libyaml-cpp-dev
  # tests and micro-benchmarks; libFuzzer for clang (make test-fuzz)
  libgtest-dev libgmock-dev libbenchmark-dev libclang-rt-dev
  # integration tests and pcn-bench
  iproute2 iputils-ping ethtool procps curl nginx-light wrk
  # packet capture: pcap-filter expressions (libpcap); the capture tests read with tshark
  libpcap-dev tshark
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages (${missing[*]}); run as root to install them" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture: no (the tests run as root).
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# nginx is only a benchmark baseline: never leave the distribution's instance running.
if dpkg-query -W nginx-light >/dev/null 2>&1; then
  systemctl disable --now nginx >/dev/null 2>&1 || service nginx stop >/dev/null 2>&1 || true
  pkill -x nginx 2>/dev/null || true
fi
