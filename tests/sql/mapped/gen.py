#!/usr/bin/env python3
"""Writes a CSV export and its tasks in the shapes CRMs write, for tests/sql/mapped/:

    gen.py OUT_DIR [ROWS]    # export-ROWS.csv, ny-export-ROWS.csv (the same cells) and tasks-ROWS.csv

Every cell is one `qualify eval` reads through tests/sql/mapped/qualify.toml (spellings,
placeholders, labels in any case, white space around cells, numbers of every shape Rust
reads, instants with and without offsets, local times the clocks skip or repeat in New
York, milliseconds since 1970); tests/sql/run checks that `qualify sql --source` reads
them all as eval does. Cells eval refuses are in bad_cells(), one per case.
"""

import csv
import os
import random
import sys

NAMES = ["Dr. Ann Lee", "  spaced  ", "José Núñez", "", "N/A", "Select", "  ", "Bo", "Drake",
         "Zoë", "dr who", "ΣΟΦΙΑ"]
SOURCES = ["Web Form", "web form", "WEB FORM", "Referral", "trade show", "Partner", "",
           "Select", " Web Form ", "web", "WEB", "PARTNER ", "Trade Show"]
STATUSES = ["Open - Not Contacted", "Working - Contacted", "Closed - Converted",
            "Closed - Lost", "", "Select", " Working - Contacted ", "open", "working"]
INDUSTRIES = ["Banking", "BANKING", "Investment Bank", "Geschäftsbank", "ΤΡΑΠΕΖΑ",
              "İSTANBUL BANKING", "-", "unknown", "", "  Banking ", "Insurance", "N/A",
              "ＢＡＮＫ", "\t\x0bBanking\x0c", "\rInsurance\n", "\x0b\x0c", "\x85\u3000Bank\u2029"]
EMPLOYEES = ["250", "199.999", "200", "1e3", "+5", ".5", "5.", "-1", "999", "", " 300 ",
             "007", "2E2", "199.99999999999997", "-0", "1000000", "\t300\x0b", "\x0c250\r",
             "\u3000199\x85"]
REVENUE = ["1000000.5", "1000000.5000000001", "999999.9999999999", "2e6", "0.1", "-0", "",
           "N/A", "1000001", "1e-5"]
TRUTHS = ["true", "false", "Yes", "no", "Y", "N", "oui", "NON", "1", "0", "TRUE", "", "y",
          " yes "]
OPTED = ["X", "x", "N", "", "false", "Yes"]
DATES = ["2026-11-01", "2026-11-02", "2025-12-31", "", "2026-11-22", " 2026-11-15 "]
INSTANTS = ["2026-11-17T10:00:00+02:00", "2026-11-17 10:00Z", "2026-10-23t00:00:00.5z",
            "2026-10-23T00:00:00.123456-05:00", "2026-11-01 01:30", "2026-03-08 02:30",
            "2026-10-23", "2026-10-23T00:00", "", "2025-12-31T23:59:59.999999Z",
            "2026-11-01T01:30:00", "2026-10-23 05:00:00.000001", "N/A"]
OPENED = ["2026-11-08 00:00", "2026-11-08 04:59:59.999999", "2026-11-08 05:00",
          "2026-11-08T05:00:00Z", "2026-11-07T23:59:59.999999-05:00", "2026-11-21 12:00",
          "", "2026-11-01 01:30", "2026-11-01 00:59:59", "2026-11-01T06:30:00Z",
          "2026-11-08", "2026-11-09"]
MILLIS = ["1763769600000", "1762000000123", "1762000000123.5", " 1762000000123 ", "-1000",
          "0", "", "1748736000000", "1748735999999.999", "1763164800000", "+1763164800001"]
KINDS = ["Call", "Email", "Meeting", "call", "", "N/A", "meeting"]
DURATIONS = ["120", "119.999999", "90.5", "", "N/A", "121", "0", "7200", "120.000000",
             "-5", " 130 "]
NOTES = ["", "ok", " ", "N/A", "follow up"]
INTERESTS = ["pricing;demo", "Pricing Page", " DEMO ; webinar ", "", ";", " ; ;", "demo;;demo",
             "WEBINAR", "pricing page;Demo", "N/A", "webinar;"]
SCORES = ["50|60", "10", "", "|", " 70 | 80 | 5 ", "1e2|.5", "-0|0", "49.999|50"]
PRIORITIES = ["01.High", "02.Medium", "3.Low", "", " 01.High ", "N/A"]
# dates and date-times in the formats of the mapping's `format` columns, in every shape
# jiff reads them (one or two digits, white space before a number, a month's name in any
# case, a second of 60, a two-digit year either side of 1969 where the format says `%y`)
# and some it refuses
VISITED = ["3/5/2026", "03/05/2026", "11/22/2026", "12/31/2025", "1/1/2026", "", "N/A",
           "3/ 5/2026", "10/9/2026", " 11/01/2026 ", "2/29/2024", "7/4/1776"]
TOUCHED = ["21.11.2026 09:30", "1.11.2026 1:30", "08.03.2026 02:30", "8.3.2026 2:30", "",
           "22.11.2026 23:59", "01.11.2026  01:30", "15.11.2026 12:00", "31.12.2025 23:00",
           "1.11.2026 01:59"]
MET = ["5 Nov 26", "05 nov 26", "1 JAN 69", "31 Dec 68", "20 Nov 26", "", "9 Sep 25",
       "15 oct 26"]
CALLED = ["November 20, 2026 10:00:00", "november  2, 2026 23:59:60", "March 8, 2026 2:30:00",
          "DECEMBER 31, 2025 0:00:00", "", "October 30, 2026 8:05:09", "May 1, 2026 12:00:00"]
# twelve groups of a pattern (more than DuckDB numbers): digits run together
STAMPS = ["20261120100000", "20261101013000", "20260308023000", "2026112023595", "", "N/A",
          "20251231235960", "20261121120000"]
# a date split over three columns: every part present (and valid), or none
DAYS = ["1", "01", "15", "28", "+5", "007", " 9 ", "2"]
MONTH_CELLS = ["1", "12", "mar", "MARCH", "Sept", "sept.", "Dec.", "ma.", "ju.", "jun", "July",
               "02", "feb", "NOV", "Novemb", "October", "oct.", "+11", "011", "Jänner"]
YEARS = ["2026", "2025", "2024", "0999", "+2026", "2023", " 2026 "]
BANDS = ["200-499", "2000+", "$10M-$50M", "$200M+", "<10", "<=10", "42", "-5", "€1.5k – €2k",
         "10 to 20", "1e3-2e3", " 500 - 999 ", "10 M", "$ 5k", "300—400", "0.5-1", "5.-6.", "",
         "N/A", "1e5+", "£300", "300-300", "-0", ".5", "10-20.5", "1k-1M", "0-0", "1,000-4,999",
         "10,000+", "$1,500,000", "1,000.5-2,000", "<1,000", "1,000."]


def row(rng, i):
    ident = f"C{i:05d}"
    if i % 17 == 0:
        ident = f" {ident} "
    pick = rng.choice
    return [ident, pick(NAMES), pick(SOURCES), pick(STATUSES), pick(INDUSTRIES),
            pick(EMPLOYEES), pick(REVENUE), pick(TRUTHS), pick(OPTED), pick(DATES),
            pick(INSTANTS), pick(OPENED), pick(MILLIS), f"x{i}", pick(BANDS), pick(BANDS),
            pick(BANDS), pick(INTERESTS), pick(SCORES), pick(PRIORITIES), pick(VISITED),
            pick(TOUCHED), pick(MET), pick(CALLED)] + split_date(rng) + [pick(STAMPS)]


def split_date(rng):
    """A date over three columns (Jänner through the mapping's `values`), or none."""
    if rng.random() < 0.1:
        return ["-", "N/A", ""]
    return [rng.choice(DAYS), rng.choice(MONTH_CELLS), rng.choice(YEARS)]


HEADER = ["Record ID", "Full Name", "Lead Source", "Lead Status", "Industry", "Employees",
          "Annual Revenue", "Converted", "Opted Out", "Last Activity", "Created", "Opened",
          "Last Open (ms)", "Unread Column", "Size Band", "Size Band High", "Revenue Band",
          "Interests", "Scores", "Priority", "Visited", "Touched", "Met", "Called", "Day", "Month",
          "Year", "Stamp"]


def bad_cells():
    """(header, cell, whether eval reads it): cells eval refuses, and cells it reads in a
    shape the SQL does not (a number of units with an exponent): each stops the SQL."""
    return [("Lead Source", "Cold Call", False), ("Lead Status", "open - not contacted", False),
            ("Employees", "abc", False), ("Employees", "1e400", False),
            ("Employees", "inf", False), ("Employees", "  ", False),
            ("Converted", "maybe", False), ("Last Activity", "2026-02-30", False),
            ("Last Activity", "11/02/2026", False), ("Created", "2026-11-17T24:00:00Z", False),
            ("Created", "2026-11-17T10:00:60Z", False), ("Created", "2026-02-30T10:00:00Z", False),
            ("Opened", "2026-02-30 10:00", False), ("Last Open (ms)", "abc", False),
            ("Last Open (ms)", "1.5e12", True), ("Last Open (ms)", "0.0001", True),
            ("Record ID", "", False), ("Record ID", "  ", False), ("Size Band", "500-200", False),
            ("Size Band", "big", False), ("Size Band", "-", False), ("Size Band", "10-", False),
            ("Size Band", "inf-5", False), ("Size Band", "$$10", False), ("Size Band", "10MM", False),
            ("Size Band High", "+", False), ("Revenue Band", "<", False), ("Size Band", "1e400", False),
            ("Size Band", "1,5", False), ("Size Band", "1,0000", False), ("Size Band", ",100", False),
            ("Size Band", "1,000e3", False),
            ("Converted", "Σ", False), ("Lead Source", "ΣWeb", False),
            ("Interests", "pricing;chat", False), ("Scores", "5|x", False),
            ("Priority", "High", False, "crm_ny"), ("Priority", "04.Urgent", False, "crm_ny"),
            ("Visited", "2/30/2026", False), ("Visited", "13/1/2026", False),
            ("Visited", "3/5/2026x", False), ("Visited", "3-5-2026", False),
            ("Visited", "3/5/0", False), ("Visited", "3/5/-2026", False),
            ("Visited", "11/15/26", False),
            ("Touched", "21.11.2026 24:00", False), ("Touched", "21.11.2026 9:60", False),
            ("Touched", "21.11.2026", False), ("Met", "5 Now 26", False),
            ("Called", "Novembre 20, 2026 10:00:00", False),
            ("Called", "November 20, 2026 10:00:61", False),
            ("Day", "30", False), ("Day", "29", False), ("Day", "32", False), ("Day", "0", False),
            ("Day", "x", False), ("Day", "", False), ("Day", "99999", False),
            ("Month", "13", False), ("Month", "ju", False), ("Month", "j..", False),
            ("Month", "Mär", False), ("Month", "", False), ("Year", "10000", False),
            ("Year", "-2026", False), ("Year", "N/A", False),
            ("Stamp", "202611201000", False), ("Stamp", "20261120106000", False)]


def main():
    out = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    os.makedirs(out, exist_ok=True)
    rng = random.Random(7)
    data = [row(rng, i) for i in range(1, rows + 1)]
    for name in (f"export-{rows}.csv", f"ny-export-{rows}.csv"):
        with open(os.path.join(out, name), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(HEADER)
            w.writerows(data)
    with open(os.path.join(out, f"tasks-{rows}.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Task ID", "Who", "Type", "Duration (s)", "Due", "Note"])
        n = 0
        for i in range(1, rows + 1):
            for _ in range(rng.choice([0, 0, 1, 2, 3])):
                n += 1
                who = f"C{i:05d}" if rng.random() > 0.05 else f" C{i:05d}"
                w.writerow([f"T{n}", who, rng.choice(KINDS), rng.choice(DURATIONS),
                            rng.choice(DATES), rng.choice(NOTES)])
        w.writerow(["T0", "NOBODY", "Call", "500", "2026-11-01", ""])  # an orphan


if __name__ == "__main__":
    main()
