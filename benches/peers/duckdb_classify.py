#!/usr/bin/env python3
"""Runs benches/peers/classify.sql in DuckDB (the `duckdb` Python package), for benches/compare.

Usage: duckdb_classify.py FILE.jsonl OUT.csv [AS_OF]  (AS_OF a date, default 2026-11-22)
Writes `id,stage,temperature` CSV like `qualify eval --format csv` (none is an empty cell).
"""

import sys
from pathlib import Path

import duckdb


def main():
    data, output = sys.argv[1], sys.argv[2]
    as_of = sys.argv[3] if len(sys.argv) > 3 else "2026-11-22"
    sql = (Path(__file__).with_name("classify.sql").read_text(encoding="utf-8")
           .replace("{input}", data.replace("'", "''"))
           .replace("{output}", output.replace("'", "''"))
           .replace("{now}", f"{as_of} 00:00:00+00"))
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(sql)


if __name__ == "__main__":
    main()
