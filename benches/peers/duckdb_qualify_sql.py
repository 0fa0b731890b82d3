#!/usr/bin/env python3
"""Runs the query `qualify sql rules/ --dialect duckdb` writes, in DuckDB (the `duckdb` Python
package), for benches/compare: the generated SQL as a peer of the hand-written
benches/peers/classify.sql.

Usage: duckdb_qualify_sql.py QUALIFY FILE.jsonl OUT.csv [AS_OF]  (AS_OF a date, default 2026-11-22)
Writes `id,stage,temperature` CSV like `qualify eval --format csv` (none is an empty cell).
The table is loaded by the script of `qualify sql --load` (read_json with the rules'
columns), then the query runs; both are timed, as the hand-written peer's are.
"""

import subprocess
import sys

import duckdb


def qualify_sql(qualify, *args):
    return subprocess.run([qualify, "sql", "rules/", "--dialect", "duckdb", *args],
                          check=True, capture_output=True, text=True).stdout


def main():
    qualify, data, output = sys.argv[1], sys.argv[2], sys.argv[3]
    as_of = sys.argv[4] if len(sys.argv) > 4 else "2026-11-22"
    load = qualify_sql(qualify, "--load", data)
    query = qualify_sql(qualify, "--as-of", as_of).strip().rstrip(";")
    con = duckdb.connect()
    con.execute(load)  # DuckDB runs a script of several statements
    out = output.replace("'", "''")
    con.execute(f"COPY (SELECT id, stage, temperature FROM ({query}) AS q) TO '{out}' (HEADER)")


if __name__ == "__main__":
    main()
