"""Checks that `qualify sql` classifies every contact exactly as `qualify eval` does, on a
real database: PostgreSQL (through psql), DuckDB and Spark (the Python packages).

    differential.py --qualify BIN --rules DIR --contacts FILE.jsonl --as-of TIME
                    [--postgres PORT] [--duckdb] [--spark] [--split BARE EVENTS]
                    [--work DIR]
    differential.py ... --contacts EXPORT.csv --source NAME --mapping FILE
                    [--activities TASKS.csv --events-field FIELD]

With --source, the contacts are a CSV export read through a mapping: `eval --mapping`
reads the file, and `qualify sql --source NAME --load FILE` loads its cells as text
(and --activities a second file into the events table, filling list FIELD).

For each database: the script of `qualify sql --load` creates the contacts table and loads
the contacts into it, the query of `qualify sql --explain` runs, and every contact's classifications and
deciding rows are compared with `qualify eval --format csv --explain`. A contact that
differs is printed with both results, its JSON line and the file holding the SQL; the exit
status is 1 when any differs.
"""

import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import sys


def run(cmd, **kw):
    done = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr}")
    return done.stdout


def decision(reason, values):
    """What decided, in words both sides share: the guard's truth, `otherwise`, no row,
    or the row's value (`eval` writes "value: conditions", `sql` "value when condition")."""
    if reason.startswith("guard ") or reason.startswith("no row matched"):
        return reason
    for sep in (": ", " when "):
        head = reason.split(sep, 1)[0]
        if head in values:
            return "row " + head
    return reason


def mapping_args(args):
    return ["--mapping", args.mapping] if args.source else []


def expected(args):
    activities = ["--activities", args.activities] if args.activities else []
    text = run([args.qualify, "eval", args.rules, args.contacts, "--as-of", args.as_of,
                "--format", "csv", "--explain"] + mapping_args(args) + activities)
    rows = list(csv.DictReader(io.StringIO(text)))
    return {r["id"]: r for r in rows}


def compare(name, want, got, classes, lines, sql_file):
    bad = 0
    if set(want) != set(got):
        missing = sorted(set(want) - set(got))[:5]
        extra = sorted(set(got) - set(want))[:5]
        print(f"{name}: {len(got)} contacts from SQL, {len(want)} from eval; "
              f"missing {missing}, extra {extra}")
        bad += 1
    for cid in sorted(set(want) & set(got)):
        w, g = want[cid], got[cid]
        diffs = []
        for c, values in classes.items():
            wv, gv = w[c] or "", g[c] or ""
            wd = decision(w[c + ".reason"], values)
            gd = decision(g[c + ".row"] or "", values)
            if wv != gv or wd != gd:
                diffs.append(f"  {c}: eval {wv or 'none'} ({w[c + '.reason']}), "
                             f"sql {gv or 'none'} ({g[c + '.row']})")
        if diffs:
            bad += 1
            if bad <= 10:
                print(f"{name}: contact {cid} differs:")
                print("\n".join(diffs))
                print(f"  contact: {lines.get(cid, '?')}")
                print(f"  SQL: {sql_file}")
    if bad == 0:
        print(f"{name}: all {len(want)} contacts classified as qualify eval does")
    return bad


def classes_of(args):
    """Every classification and its values, from the SQL's final CASEs."""
    sql = run([args.qualify, "sql", args.rules, "--dialect", "duckdb", "--as-of", args.as_of]
              + (["--source", args.source, "--mapping", args.mapping] if args.source else [])
              + (["--events-table", f"{args.events_field}=events"] if args.activities else []))
    out = {}
    for line in sql.splitlines():
        line = line.strip()
        if line.startswith("CASE \"_class_") and " AS \"" in line:
            name = line.rsplit(" AS \"", 1)[1].rstrip('",')
            values = [p.split("'")[1] for p in line.split(" THEN ")[1:]]
            out[name] = values
    return out


def scripts(args, dialect):
    """The loading script (`qualify sql --load`) and the query, kept in a file to show.
    With --split, the contacts' events come from a table of their own."""
    events = []
    files = ["--load", args.contacts]
    if args.split:
        events = ["--events-table", "events", "--key", "contact_id"]
        files = ["--load", args.split[0], "--load-events", args.split[1]]
    if args.source:
        events = ["--source", args.source, "--mapping", args.mapping]
        if args.activities:
            events += ["--events-table", f"{args.events_field}=events"]
            files += ["--load-events", args.activities]
    load = run([args.qualify, "sql", args.rules, "--dialect", dialect] + events + files)
    query = run([args.qualify, "sql", args.rules, "--dialect", dialect, "--as-of",
                 args.as_of, "--explain"] + events)
    sql_file = os.path.join(args.work, f"{dialect}.sql")
    with open(sql_file, "w") as f:
        f.write(query)
    return load, query, sql_file


def postgres(args, want, classes, lines):
    port = str(args.postgres)
    env = dict(os.environ, PGTZ="America/New_York")  # the session's zone must not matter
    psql = ["psql", "-h", "127.0.0.1", "-p", port, "-U", "qualify", "-d", "postgres",
            "-v", "ON_ERROR_STOP=1", "-q", "-X"]
    load, _, sql_file = scripts(args, "postgres")
    load = "DROP TABLE IF EXISTS contacts; DROP TABLE IF EXISTS events;\n" + load
    run(psql, input=load, env=env)
    out = run(psql + ["--csv", "-f", sql_file], env=env)
    got = {r["id"]: r for r in csv.DictReader(io.StringIO(out))}
    return compare("PostgreSQL", want, got, classes, lines, sql_file)


def duckdb_check(args, want, classes, lines):
    import duckdb

    load, query, sql_file = scripts(args, "duckdb")
    con = duckdb.connect()
    con.execute(load)  # DuckDB runs a script of several statements
    con.execute("SET TimeZone = 'America/New_York'")  # the session's zone must not matter
    cur = con.execute(query)
    header = [d[0] for d in cur.description]
    got = {}
    for row in cur.fetchall():
        r = {h: ("" if v is None else str(v)) for h, v in zip(header, row)}
        got[r["id"]] = r
    return compare(f"DuckDB {duckdb.__version__}", want, got, classes, lines, sql_file)


def spark_check(args, want, classes, lines):
    from pyspark.sql import SparkSession

    load, query, sql_file = scripts(args, "spark")
    warehouse = os.path.join(args.work, "spark-warehouse")
    shutil.rmtree(warehouse, ignore_errors=True)  # a table of an earlier run
    spark = (SparkSession.builder.master("local[2]").appName("qualify-sql")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.warehouse.dir", warehouse)
             .config("spark.sql.shuffle.partitions", "4")
             .getOrCreate())
    # a query too large for whole-stage code generation makes Spark log the generated
    # code and fall back to interpreting it: the result is the same, the log is noise
    spark.sparkContext.setLogLevel("FATAL")
    spark.sql("DROP TABLE IF EXISTS contacts")
    spark.sql("DROP TABLE IF EXISTS events")
    for statement in load.split(";\n"):
        if statement.strip():
            spark.sql(statement)
    spark.sql("SET spark.sql.session.timeZone = America/New_York")  # must not matter
    rows = spark.sql(query.strip().rstrip(";")).collect()
    got = {}
    for row in rows:
        r = {k: ("" if v is None else str(v)) for k, v in row.asDict().items()}
        got[r["id"]] = r
    version = spark.version
    spark.stop()
    return compare(f"Spark {version}", want, got, classes, lines, sql_file)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--qualify", required=True)
    p.add_argument("--rules", required=True)
    p.add_argument("--contacts", required=True)
    p.add_argument("--as-of", required=True)
    p.add_argument("--postgres", type=int)
    p.add_argument("--duckdb", action="store_true")
    p.add_argument("--spark", action="store_true")
    p.add_argument("--split", nargs=2, metavar=("BARE", "EVENTS"),
                   help="load the contacts without events and the events as a table of their own")
    p.add_argument("--source", help="the contacts are a CSV export read through this source")
    p.add_argument("--mapping", help="the mapping file of --source")
    p.add_argument("--activities", help="with --source: a CSV of activities, the events table")
    p.add_argument("--events-field", default="events", help="the list --activities fills")
    p.add_argument("--work", default="target/sql-differential")
    args = p.parse_args()
    args.contacts = os.path.abspath(args.contacts)
    if args.split:
        args.split = [os.path.abspath(f) for f in args.split]
    if args.activities:
        args.activities = os.path.abspath(args.activities)
    os.makedirs(args.work, exist_ok=True)
    lines = {}
    if not args.source:
        with open(args.contacts) as f:
            for line in f:
                if line.strip():
                    lines[json.loads(line)["id"]] = line.strip()
    want = expected(args)
    classes = classes_of(args)
    if not classes:
        sys.exit("no classification found in the SQL")
    bad = 0
    if args.postgres:
        bad += postgres(args, want, classes, lines)
    if args.duckdb:
        bad += duckdb_check(args, want, classes, lines)
    if args.spark:
        bad += spark_check(args, want, classes, lines)
    sys.exit(1 if bad else 0)


main()
