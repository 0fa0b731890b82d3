#!/bin/sh
# Seeds fuzz/corpus/<target>/ from the repository's own inputs (run from anywhere; the
# corpora are not committed). Rule files go to parse, analyze and fmt; contact files go to
# eval, each prefixed with the selector byte its format needs (see fuzz_targets/eval.rs),
# once for the reference rules and once for the rule set without schema.
set -eu
fuzz=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$fuzz")
for target in parse analyze fmt eval mapped; do
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
# mapped (see fuzz_targets/mapped.rs): the selector, the contacts, \001, the activities;
# a small export of tests/sql/mapped/gen.py with its tasks, and HubSpot's API records
# with the calls of examples/hubspot/
work=$(mktemp -d)
python3 "$root/tests/sql/mapped/gen.py" "$work" 40 >/dev/null
for selector in 0 1 4 5 8 16; do
  case $selector in 1 | 5) export=ny-export ;; *) export=export ;; esac
  { printf "\\$(printf '%03o' "$selector")"; cat "$work/$export-40.csv"; printf '\001';
    cat "$work/tasks-40.csv"; } > "$fuzz/corpus/mapped/seed-export-$selector"
done
rm -rf "$work"
for selector in 2 6 10; do
  { printf "\\$(printf '%03o' "$selector")"; cat "$root/tests/cases/mapping/hubspot_api/contacts.jsonl";
    printf '\001'; cat "$root/examples/hubspot/calls.jsonl"; } > "$fuzz/corpus/mapped/seed-hubspot-$selector"
done
for target in parse analyze fmt eval mapped; do
  echo "$target: $(ls "$fuzz/corpus/$target" | wc -l) seeds"
done
