#!/usr/bin/env python3
"""Each cell `qualify eval` refuses (tests/sql/mapped/gen.py, bad_cells), and each it reads
in a shape the SQL does not, stops the query of `qualify sql --source` in DuckDB with an
error naming its column, never another value:

    bad_cells.py --qualify BIN --work DIR

For each case: a one-row export whose other cells are read by both; eval must report the
row as failed, and the query must fail with the column's header in its message.
"""

import argparse
import csv
import importlib.util
import os
import subprocess
import sys

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("gen", os.path.join(HERE, "gen.py"))
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)

GOOD = ["C1", "Dr. Ann", "Referral", "Open - Not Contacted", "Banking", "250", "5", "Y",
        "N", "2026-11-02", "2026-11-17T10:00:00Z", "2026-11-20 09:00", "1763164800000", "x",
        "200-499", "2000+", "$10M-$50M", "demo", "5|6", "01.High", "11/02/2026",
        "21.11.2026 09:30", "5 Nov 26", "November 20, 2026 10:00:00", "15", "feb", "2026",
        "20261120100000"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--qualify", required=True)
    p.add_argument("--work", required=True)
    args = p.parse_args()
    rules, mapping = HERE, os.path.join(HERE, "qualify.toml")
    failed = 0
    tasks = os.path.join(args.work, "tasks-none.csv")
    with open(tasks, "w", newline="") as f:
        csv.writer(f).writerow(["Task ID", "Who", "Type", "Duration (s)", "Due", "Note"])
    cases = [(None, None, True)] + gen.bad_cells()
    for n, case in enumerate(cases):
        header, cell, eval_reads = case[:3]
        source = case[3] if len(case) > 3 else "crm"
        cells = list(GOOD)
        if header is not None:
            cells[gen.HEADER.index(header)] = cell
        # the file names a source's `files` match: crm reads export*, crm_ny ny-export*
        prefix = "ny-export" if source == "crm_ny" else "export"
        path = os.path.join(args.work, f"{prefix}-bad-{n}.csv")
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(gen.HEADER)
            w.writerow(cells)
        sql = [args.qualify, "sql", rules, "--dialect", "duckdb", "--source", source,
               "--mapping", mapping, "--events-table", "tasks=events"]
        load = subprocess.run(sql + ["--load", path, "--load-events", tasks],
                              capture_output=True, text=True, check=True)
        query = subprocess.run(sql + ["--as-of", "2026-11-22"], capture_output=True, text=True,
                               check=True)
        ev = subprocess.run([args.qualify, "eval", rules, path, "--mapping", mapping,
                             "--activities", tasks,
                             "--as-of", "2026-11-22", "--format", "csv"],
                            capture_output=True, text=True)
        con = duckdb.connect()
        con.execute(load.stdout)
        try:
            rows = con.execute(query.stdout).fetchall()
            error = None
        except duckdb.Error as e:
            rows, error = None, str(e)
        eval_failed = "1 failed" in ev.stderr
        if header is None:
            ok = error is None and not eval_failed and len(rows) == 1
            what = "the good row"
        else:
            ok = error is not None and f"column `{header}`" in error and eval_failed != eval_reads
            what = f"{header} = {cell!r}"
        if not ok:
            failed += 1
            print(f"bad cells: {what}: eval {'failed' if eval_failed else 'read it'}, "
                  f"SQL {'error: ' + error if error else 'gave ' + repr(rows)}")
    if failed:
        sys.exit(1)
    print(f"bad cells: each of {len(cases) - 1} cells (eval refuses or the SQL does not read) "
          "stops the SQL, naming its column")


if __name__ == "__main__":
    main()
