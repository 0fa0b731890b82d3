#!/bin/sh
# Seeds fuzz/corpus/<target>/ from the repository's own inputs (run from anywhere; the
# corpora are not committed). Rule files go to parse, analyze and fmt; contact files go to
# eval, each prefixed with the selector byte its format needs (see fuzz_targets/eval.rs),
# once for the reference rules and once for the rule set without schema.
set -eu
fuzz=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$fuzz")
for target in parse analyze fmt eval; do
  mkdir -p "$fuzz/corpus/$target"
done
n=0
find "$root/tests/cases" "$root/rules" -name '*.qual' | sort | while read -r file; do
  n=$((n + 1))
  for target in parse analyze fmt; do
    cp "$file" "$fuzz/corpus/$target/seed-$n.qual"
  done
done
n=0
find "$root/tests/cases" "$root/rules/examples" -type f \
  \( -name '*.jsonl' -o -name '*.json' -o -name '*.csv' \) | sort | while read -r file; do
  n=$((n + 1))
  case "$file" in
    *.json) format=1 ;;
    *.csv) format=2 ;;
    *) format=0 ;;
  esac
  for program in 0 4; do
    selector=$((format + program))
    { printf "\\$(printf '%03o' "$selector")"; cat "$file"; } \
      > "$fuzz/corpus/eval/seed-$n-$selector"
  done
done
for target in parse analyze fmt eval; do
  echo "$target: $(ls "$fuzz/corpus/$target" | wc -l) seeds"
done
