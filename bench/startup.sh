#!/usr/bin/env bash
# Measures the foundation's numbers on this machine: binary size, time from
# `cms serve` to the first 200 from /readyz on a fresh SQLite database (median
# of N runs), and resident memory once idle. Usage: bench/startup.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-9}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

CGO_ENABLED=0 go build -trimpath -o "$work/cms" .
echo "binary size: $(stat -c %s "$work/cms" | awk '{printf "%.1f MiB", $1/1048576}') (go build -trimpath; -ldflags='-s -w' makes it smaller)"

port=18123
times=()
for i in $(seq "$runs"); do
  rm -rf "$work/data"
  start=$(date +%s%N)
  CMS_DATA_DIR="$work/data" "$work/cms" serve --addr "127.0.0.1:$port" >"$work/log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.002; done
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000000 )))
  if [ "$i" -eq "$runs" ]; then
    sleep 2
    echo "idle RSS after start: $(awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' /proc/$pid/status)"
    for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/api/openapi.json" >/dev/null; done
    sleep 1
    echo "RSS after 200 requests: $(awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' /proc/$pid/status)"
  fi
  kill -TERM "$pid"; wait "$pid"
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "serve → 200 /readyz on a fresh SQLite database: median ${sorted[$((runs / 2))]} ms (runs: ${times[*]})"
