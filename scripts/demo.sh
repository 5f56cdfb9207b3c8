#!/usr/bin/env bash
# The demo: starts polycubed in the foreground and shows it answering its REST API.
# Ctrl-C stops the daemon cleanly.
set -euo pipefail
build=${1:-build}
port=${PCN_DEMO_PORT:-9000}
daemon=$build/daemon/polycubed

if curl -s -o /dev/null "http://localhost:$port/" 2>/dev/null; then
  echo "demo: something already answers on localhost:$port (another polycubed?); stop it or set PCN_DEMO_PORT" >&2
  exit 1
fi

"$daemon" --port "$port" &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 50); do
  # Our daemon must be the one answering: if it exited (port taken...), say so and stop.
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid"; status=$?
    echo "demo: polycubed exited with status $status (see its message above)" >&2
    exit "$status"
  fi
  curl -sf "http://localhost:$port/polycube/v1/version" >/dev/null 2>&1 && break
  sleep 0.1
done
echo
echo "\$ curl http://localhost:$port/polycube/v1/version"
curl -s "http://localhost:$port/polycube/v1/version"; echo
echo
echo "polycubed is running (pid $pid); press Ctrl-C to stop it."
wait $pid
