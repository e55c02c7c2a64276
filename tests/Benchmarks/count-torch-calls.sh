#!/usr/bin/env bash
# Counts the native calls into TorchSharp's library (LibTorchSharp) per optimizer step, for Gen's kernel and
# tensor path and TorchSharp's built-in optimizer, with perf uprobes on every exported function. Needs root and a
# kernel with uprobes (perf probe). Calls per step = (calls in 3 warm-up + N steps - calls in 3 warm-up) / N, so
# setup is not counted. Prints one JSON line per optimizer and way on the many-small set, and the ratio to the built-in.
# Takes several minutes: registering the ~1200 probes is slow.
set -euo pipefail
cd "$(dirname "$0")"
dotnet build -c Release -v q -nologo >/dev/null
LIB=bin/Release/net10.0/runtimes/linux-x64/native/libLibTorchSharp.so
EVENTS='probe_libLibTorchSharp:*'
perf probe -q -d "$EVENTS" 2>/dev/null || true
trap 'perf probe -q -d "$EVENTS" 2>/dev/null || true' EXIT
for f in $(nm -D --defined-only "$LIB" | awk '$2 == "T" && $3 ~ /^THS/ { print $3 }'); do
  perf probe -q -x "$LIB" --add "$f" 2>/dev/null || true
done
N=10
calls() { # optimizer set way steps
  timeout 600 perf stat -x, -e "$EVENTS" dotnet bin/Release/net10.0/Benchmarks.dll --steps "$1" "$2" "$3" "$4" 2>&1 >/dev/null |
    awk -F, '$1 ~ /^[0-9]+$/ { s += $1 } END { print s + 0 }'
}
per_step() { echo $(( ($(calls "$1" "$2" "$3" "$N") - $(calls "$1" "$2" "$3" 0)) / N )); }
for optimizer in adam sgdmom; do
  for set in manysmall; do
    builtin=$(per_step "$optimizer" "$set" torchsharp)
    for way in tensor kernel; do
      ours=$(per_step "$optimizer" "$set" "$way")
      printf '{"name":"optim.%s.%s.%s","metric":"native_calls_per_step","value":%s,"baseline":"optim.%s.torchsharp.%s","baseline_value":%s,"ratio":%s}\n' \
        "$optimizer" "$way" "$set" "$ours" "$optimizer" "$set" "$builtin" "$(awk -v a="$builtin" -v b="$ours" 'BEGIN { printf "%.1f", b ? a / b : 0 }')"
    done
  done
done
