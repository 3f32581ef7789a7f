#!/usr/bin/env bash
# A sweep run in one process, by `mpirun -np 2` and by `mpirun -np 3 --oversubscribe` gives byte-identical
# sweep.npy, cluster_counts.npy and sweep.csv, and the same metadata.json apart from its "run" record
# (ranks, timings). Needs mpirun (Open MPI); run by .ci/run. Usage: tests/cli/sweep_mpi.sh [EXE]
set -euo pipefail
exe="$(realpath "${1:-build/release/attnsphere}")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Open MPI refuses root unless told; CI containers run as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cat >"$tmp/sweep.json" <<'JSON'
{"format": "attnsphere-sweep", "version": 1, "name": "mpi-check",
 "base": {"n": 16, "d": 4, "beta": 1, "kernel": "softmax", "geometry": "sphere",
          "integrator": {"method": "euler", "dt": 0.1}, "t_end": 10,
          "heads": {"kind": "identity", "count": 1, "value": "M"}, "init": {"kind": "uniform"}},
 "axes": [{"field": "beta", "from": 0.5, "to": 5, "count": 6}, {"field": "kernel", "values": ["softmax", "exp"]}],
 "starts": 10, "seed": 9, "checkpoints": {"to": 10, "every": 1}, "starts_per_shard": 3}
JSON

"$exe" sweep "$tmp/sweep.json" --out "$tmp/one" --threads 2 --quiet
mpirun -np 2 "$exe" sweep "$tmp/sweep.json" --out "$tmp/two" --threads 1 --quiet
mpirun -np 3 --oversubscribe "$exe" sweep "$tmp/sweep.json" --out "$tmp/three" --threads 1 --quiet

strip_run() { python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); m.pop("run"); print(json.dumps(m, sort_keys=True))' "$1"; }
for dir in two three; do
  for f in sweep.npy cluster_counts.npy sweep.csv; do
    cmp "$tmp/one/$f" "$tmp/$dir/$f"
  done
  [ "$(strip_run "$tmp/one/metadata.json")" = "$(strip_run "$tmp/$dir/metadata.json")" ] ||
    { echo "sweep_mpi: metadata.json differs between one process and $dir" >&2; exit 1; }
  ranks=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["run"]["ranks"])' "$tmp/$dir/metadata.json")
  [ "$ranks" = "$([ $dir = two ] && echo 2 || echo 3)" ] || { echo "sweep_mpi: $dir ran on $ranks ranks" >&2; exit 1; }
done
echo "sweep_mpi: 1 process, 2 and 3 MPI ranks give identical outputs"
