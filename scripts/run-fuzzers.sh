#!/usr/bin/env bash
# Runs every libFuzzer target built under BUILD_DIR/fuzz for SECONDS each, JOBS at a time
# (make fuzz; default: one per core). Each target runs on a scratch copy of its seed corpus
# (fuzz/corpus/<target>/ or fuzz/corpus/<target without _fuzz>/, left untouched), with its
# dictionary fuzz/<target>.dict if there is one; crashes are written to
# RUN_DIR/<target>/artifacts/. Exits non-zero if any target failed, after all have run.
#
# usage: scripts/run-fuzzers.sh BUILD_DIR RUN_DIR SECONDS [JOBS]
set -euo pipefail

build_dir=$1 run_dir=$2 seconds=$3 jobs=${4:-$(nproc 2>/dev/null || echo 2)}

mapfile -t targets < <(find "$build_dir/fuzz" -maxdepth 2 -type f -name '*_fuzz' -perm -u+x | sort)
if ((${#targets[@]} == 0)); then
  echo "fuzz: no *_fuzz executable under $build_dir/fuzz" >&2
  exit 1
fi

run_one() {  # bin -> its log in RUN_DIR/<name>/log.txt; returns the fuzzer's status
  local bin=$1 name work seeds d
  name=$(basename "$bin")
  work=$run_dir/$name
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  for seeds in "fuzz/corpus/$name" "fuzz/corpus/${name%_fuzz}"; do
    if [[ -d $seeds ]]; then cp -r "$seeds/." "$work/corpus/"; break; fi
  done
  local dict=()
  for d in "fuzz/$name.dict" "fuzz/${name%_fuzz}.dict"; do
    if [[ -f $d ]]; then dict=(-dict="$d"); break; fi
  done
  echo "fuzz: $name for $seconds s ($(ls "$work/corpus" | wc -l) seed inputs)" > "$work/summary.txt"
  "$bin" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" \
    > "$work/log.txt" 2>&1
}

echo "fuzz: ${#targets[@]} targets, $seconds s each, $jobs at a time"
failed=()
pids=() names=()
report() {  # waits for slot i and prints its outcome
  local i=$1 name=${names[$1]} work
  work=$run_dir/${names[$1]}
  if wait "${pids[$i]}"; then
    cat "$work/summary.txt"
    grep -E '^(Done [0-9]+ runs|stat::peak_rss_mb)' "$work/log.txt" || true
    echo "fuzz: $name passed"
  else
    cat "$work/summary.txt"
    tail -n 60 "$work/log.txt"
    echo "fuzz: $name FAILED; inputs in $work/artifacts/" >&2
    failed+=("$name")
  fi
}

next=0
for bin in "${targets[@]}"; do
  if ((${#pids[@]} - next >= jobs)); then
    report "$next"
    next=$((next + 1))
  fi
  run_one "$bin" &
  pids+=($!)
  names+=("$(basename "$bin")")
done
while ((next < ${#pids[@]})); do
  report "$next"
  next=$((next + 1))
done

if ((${#failed[@]} > 0)); then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets passed"
