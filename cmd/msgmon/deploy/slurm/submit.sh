#!/usr/bin/env bash
# Submits a msgmon study to Slurm: a job array of N shards and a merge job
# that runs when every shard has succeeded (afterok). Prints the two job ids.
#
#   submit.sh N VERB STUDY.yaml DB [msgmon flags...]
#
# VERB: compare (STUDY is a scenario file), sweep or sensitivity (a sweep
# file). The memory a task asks for is msgmon's own estimate for the
# study's largest run (msgmon validate, msgmon sweep --dry-run) times the
# CPUs per task. Environment: MSGMON (the msgmon binary on the compute
# nodes; default msgmon on PATH), CPUS (per task, default 1), THROTTLE (at
# most that many tasks at once), SBATCH_ARGS (more sbatch options, such as
# --partition=...).
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: submit.sh N VERB STUDY.yaml DB [msgmon flags...]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
n=$1 verb=$2 study=$3 db=$4
shift 4
msgmon=${MSGMON:-msgmon}
cpus=${CPUS:-1}
case $verb in
  compare) need=$("$msgmon" validate "$study" | sed -n 's/.*needs about \([0-9]*\) MiB.*/\1/p') ;;
  sweep|sensitivity) need=$("$msgmon" sweep --dry-run "$study" | sed -n 's/.*up to about \([0-9]*\) MiB.*/\1/p') ;;
  *) echo "submit.sh: VERB must be compare, sweep or sensitivity, got $verb" >&2; exit 2 ;;
esac
if [ -z "$need" ]; then
  echo "submit.sh: msgmon did not give a memory estimate for $study" >&2
  exit 2
fi
mem=$((need * cpus))
export MSGMON="$msgmon"
# shellcheck disable=SC2086
array=$(sbatch --parsable --array=1-"$n"${THROTTLE:+%$THROTTLE} --cpus-per-task="$cpus" --mem="${mem}M" \
  --output="${db%.duckdb}.slurm-%A_%a.out" ${SBATCH_ARGS:-} \
  "$here/study.sbatch" "$verb" "$study" "$db" "$@")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable --dependency=afterok:"$array" \
  --output="${db%.duckdb}.slurm-merge-%j.out" ${SBATCH_ARGS:-} \
  "$here/merge.sbatch" "$db" "$n")
merge=${merge%%;*}
echo "$array $merge"
