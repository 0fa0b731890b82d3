"""`qualify sql` against `qualify eval` on random rule sets, in DuckDB (the Python package).

    run.py --qualify BIN --contacts FILE.jsonl [--cases N] [--seed S] [--work DIR]

For each seed: tests/sql/random/gen.py writes a rule set over rules/contact.qual; one that
`qualify check` refuses is skipped; `qualify eval` classifies the contacts; the script of
`qualify sql --load` loads them into DuckDB and the query of `qualify sql` runs, with the
session in America/New_York (its zone must not matter). Every contact's every value must
agree. A rule set `qualify sql` refuses (Q0401) is counted, not failed. A difference or a
DuckDB error is printed with the rules and the first contacts that differ; exit status 1.
"""

import argparse
import csv
import io
import os
import shutil
import subprocess
import sys

import duckdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402

AS_OF = "2026-11-22"


def sh(args):
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--qualify", required=True)
    p.add_argument("--contacts", required=True)
    p.add_argument("--cases", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--work", default="target/sql-random")
    args = p.parse_args()
    contacts = os.path.abspath(args.contacts)
    schema = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                          "rules", "contact.qual")
    q = args.qualify
    counts = {"compared": 0, "refused": 0, "not checked": 0}
    failed = 0
    for seed in range(args.seed, args.seed + args.cases):
        g = gen.generate(seed)
        rules = gen.render(g.lets, g.classes)
        case = os.path.join(args.work, f"case{seed}")
        shutil.rmtree(case, ignore_errors=True)
        os.makedirs(case)
        shutil.copy(schema, os.path.join(case, "contact.qual"))
        with open(os.path.join(case, "rules.qual"), "w") as f:
            f.write(rules)
        rc, _, _ = sh([q, "check", case])
        if rc != 0:
            counts["not checked"] += 1
            shutil.rmtree(case)
            continue
        rc, out, err = sh([q, "eval", case, contacts, "--as-of", AS_OF, "--format", "csv"])
        if rc != 0:
            print(f"seed {seed}: eval failed ({rc}): {err[-500:]}\n{rules}")
            failed += 1
            continue
        want = {r["id"]: r for r in csv.DictReader(io.StringIO(out))}
        rc1, load, err1 = sh([q, "sql", case, "--dialect", "duckdb", "--load", contacts])
        rc2, query, err2 = sh([q, "sql", case, "--dialect", "duckdb", "--as-of", AS_OF])
        if rc1 != 0 or rc2 != 0:
            if "Q0401" in err1 + err2:
                counts["refused"] += 1
                shutil.rmtree(case)
                continue
            print(f"seed {seed}: qualify sql failed ({rc1}, {rc2}): {(err1 + err2)[-500:]}\n{rules}")
            failed += 1
            continue
        try:
            con = duckdb.connect()
            con.execute(load)  # DuckDB runs a script of several statements
            con.execute("SET TimeZone = 'America/New_York'")
            cur = con.execute(query)
            header = [c[0] for c in cur.description]
            got = {}
            for row in cur.fetchall():
                r = {h: ("" if v is None else str(v)) for h, v in zip(header, row)}
                got[r["id"]] = r
            con.close()
        except Exception as e:  # a query the database cannot run is a failure too
            print(f"seed {seed}: DuckDB: {e}\n{rules}")
            failed += 1
            continue
        counts["compared"] += 1
        differing = [cid for cid in want if want[cid] != got.get(cid)]
        if set(got) != set(want) or differing:
            failed += 1
            print(f"seed {seed}: {len(differing)} contacts differ\n{rules}")
            for cid in differing[:3]:
                print(f"  {cid}: eval {want[cid]}\n  {' ' * len(cid)}  sql  {got.get(cid)}")
            print(f"  rules and SQL kept in {case}")
            with open(os.path.join(case, "query.sql"), "w") as f:
                f.write(query)
            continue
        shutil.rmtree(case)
    print(f"random rule sets (seeds {args.seed}..{args.seed + args.cases - 1}): "
          f"{counts['compared']} compared, {counts['refused']} refused by qualify sql (Q0401), "
          f"{counts['not checked']} refused by qualify check, {failed} failed")
    sys.exit(1 if failed else 0)


main()
