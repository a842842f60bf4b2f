#!/usr/bin/env bash
# The one way to (re)generate the Python stubs from protos/. Never edit clients/python/src/agentconfig/v1/*_pb2*.
# With --check, regenerate into a temporary folder and fail if the committed stubs differ.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
export PATH="$(dirname "$PY"):$PATH"
out="clients/python/src"
if [[ "${1:-}" == "--check" ]]; then out="$(mktemp -d)"; fi
mkdir -p "$out/agentconfig/v1"
"$PY" -m grpc_tools.protoc -I protos \
  --python_out="$out" --grpc_python_out="$out" \
  --mypy_out="$out" --mypy_grpc_out="$out" \
  protos/agentconfig/v1/*.proto
if [[ "${1:-}" == "--check" ]]; then
  status=0
  for f in "$out"/agentconfig/v1/*_pb2*; do
    name="clients/python/src/agentconfig/v1/$(basename "$f")"
    if ! cmp -s "$f" "$name"; then echo "stale generated file: $name (run scripts/gen_protos.sh)"; status=1; fi
  done
  rm -rf "$out"
  exit $status
fi
