#!/usr/bin/env python3
"""The reference rules (rules/*.qual) in plain Python (stdlib only), for benches/compare.

Usage: classify.py FILE.jsonl [AS_OF]  (AS_OF a date, default 2026-11-22)
Prints `id,stage,temperature` CSV like `qualify eval --format csv` (none is an empty cell).

Three-valued logic: True, False, None (unknown). A comparison with a missing value is
None; `and`/`or`/`not` follow the tables in docs/language.md; a row matches only when True.
"""

import json
import sys
from datetime import datetime, timedelta, timezone

ONE_WAY_KINDS = {"whitepaper_download", "social_like", "social_share", "blog_comment",
                 "email_open", "email_click", "form_submit"}
TWO_WAY_KINDS = {"email_reply", "call", "meeting", "conference_meeting", "website_questionnaire"}
TARGET_INDUSTRIES = {"financial services", "insurance", "banking"}
SENIOR_LEVELS = {"director", "vp", "c_level"}
PREMIUM_PRODUCTS = {"course", "consulting"}


def and3(*xs):
    result = True
    for x in xs:
        if x is False:
            return False
        if x is None:
            result = None
    return result


def or3(*xs):
    result = False
    for x in xs:
        if x is True:
            return True
        if x is None:
            result = None
    return result


def not3(x):
    return None if x is None else not x


def any3(xs):
    result = False
    for x in xs:
        if x is True:
            return True
        if x is None:
            result = None
    return result


def ge(a, b):
    return None if a is None else a >= b


def eq(a, b):
    return None if a is None else a == b


def in3(a, xs):
    return None if a is None else a in xs


def lower(s):
    return None if s is None else s.lower()


def contains(s, part):
    return None if s is None else part in s


def parse_time(s):
    return datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith("Z") else s)


def classify(c, now, since):
    events = c["events"]
    company = c["company"]
    one_way_contact = any3(e["kind"] in ONE_WAY_KINDS for e in events)
    two_way_contact = any3(e["kind"] in TWO_WAY_KINDS for e in events)
    bought_anything = any3(e["kind"] == "purchase" for e in events)
    has_interacted = or3(one_way_contact, two_way_contact, bought_anything)

    fits_target_market = in3(lower(company.get("industry")), TARGET_INDUSTRIES)
    role = lower(c.get("role"))
    in_sales_or_marketing = or3(contains(role, "sales"), contains(role, "marketing"))
    fits_persona = and3(ge(company.get("size"), 50), in3(c.get("seniority"), SENIOR_LEVELS),
                        in_sales_or_marketing)
    means_to_buy = and3(ge(c.get("budget_eur"), 1000), c.get("knows_needs"), c.get("has_crm"))
    has_authority = c.get("decision_maker")

    bought_premium = any3(and3(e["kind"] == "purchase", ge(e.get("amount_eur"), 250))
                          for e in events)
    clicked_premium_offer = any3(and3(e["kind"] == "email_click",
                                      in3(e.get("product"), PREMIUM_PRODUCTS))
                                 for e in events)
    low_ticket_only = and3(bought_anything, not3(bought_premium))
    below_price_tier = and3(low_ticket_only, not3(clicked_premium_offer))
    fits_price_tier = not3(below_price_tier)

    qualified = and3(two_way_contact, fits_target_market, fits_persona, means_to_buy,
                     has_authority, fits_price_tier)
    committed = any3(e["kind"] == "commitment" for e in events)

    if bought_premium is True:
        stage = "customer"
    elif and3(qualified, committed) is True:
        stage = "opportunity"
    elif qualified is True:
        stage = "prospect"
    elif has_interacted is True:
        stage = "lead"
    else:
        stage = None

    temperature = None
    if stage in ("prospect", "opportunity"):
        recently_active = any3(since <= parse_time(e["at"]) <= now for e in events)
        urgency = c.get("urgency")
        if c.get("opted_out") is True:
            temperature = "closed"
        elif c.get("blocker") is not None:
            temperature = "warm"
        elif and3(eq(urgency, "now"), recently_active) is True:
            temperature = "hot"
        elif or3(in3(urgency, ("quarter", "later")), not3(recently_active)) is True:
            temperature = "cold"
        else:
            temperature = "new"
    return stage, temperature


def main():
    path = sys.argv[1]
    as_of = sys.argv[2] if len(sys.argv) > 2 else "2026-11-22"
    now = datetime.fromisoformat(as_of).replace(tzinfo=timezone.utc)
    since = now - timedelta(days=30)
    out = sys.stdout
    out.write("id,stage,temperature\n")
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            c = json.loads(line)
            stage, temperature = classify(c, now, since)
            out.write(f"{c['id']},{stage or ''},{temperature or ''}\n")


if __name__ == "__main__":
    main()
