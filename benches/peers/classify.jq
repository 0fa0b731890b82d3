# The reference rules (rules/*.qual) in jq, for benches/compare.
#
# Usage: jq -rn --argjson now EPOCH -f benches/peers/classify.jq FILE.jsonl
# (EPOCH: the --as-of instant in seconds, 1795305600 for 2026-11-22.) Prints
# `id,stage,temperature` CSV like `qualify eval --format csv` (none is an empty cell).
#
# Three-valued logic: true, false and null (unknown). jq's own `and`/`or` treat null as
# false, so the rules use and3/or3/not3, which follow the tables in docs/language.md.

def and3($a; $b): if $a == false or $b == false then false
                  elif $a == null or $b == null then null else true end;
def or3($a; $b): if $a == true or $b == true then true
                 elif $a == null or $b == null then null else false end;
def not3($a): if $a == null then null else ($a | not) end;
# any e in LIST: f — true if some element is true, else unknown if some is unknown, else false
def any3(f): [.[] | f] as $v
  | if any($v[]; . == true) then true elif any($v[]; . == null) then null else false end;
def ge($a; $b): if $a == null then null else $a >= $b end;
def in3($a; $xs): if $a == null then null else any($xs[]; . == $a) end;
def lower: if . == null then null else ascii_downcase end;
def contains3($s; $part): if $s == null then null else ($s | contains($part)) end;
# seconds since 1970 of an RFC 3339 datetime with `Z` or an offset (whole seconds)
def epoch: (.[0:19] + "Z" | fromdateiso8601) as $t
  | if .[19:] == "Z" then $t
    else $t - ((if .[19:20] == "+" then 1 else -1 end)
               * ((.[20:22] | tonumber) * 3600 + (.[23:25] | tonumber) * 60)) end;

def one_way_kinds: ["whitepaper_download", "social_like", "social_share", "blog_comment",
                    "email_open", "email_click", "form_submit"];
def two_way_kinds: ["email_reply", "call", "meeting", "conference_meeting",
                    "website_questionnaire"];

def classify:
  . as $c
  | $c.events as $events
  | ($events | any3(.kind as $k | any(one_way_kinds[]; . == $k))) as $one_way_contact
  | ($events | any3(.kind as $k | any(two_way_kinds[]; . == $k))) as $two_way_contact
  | ($events | any3(.kind == "purchase")) as $bought_anything
  | or3(or3($one_way_contact; $two_way_contact); $bought_anything) as $has_interacted
  | in3($c.company.industry | lower; ["financial services", "insurance", "banking"])
    as $fits_target_market
  | ($c.role | lower) as $role
  | or3(contains3($role; "sales"); contains3($role; "marketing")) as $in_sales_or_marketing
  | and3(and3(ge($c.company.size; 50); in3($c.seniority; ["director", "vp", "c_level"]));
         $in_sales_or_marketing) as $fits_persona
  | and3(and3(ge($c.budget_eur; 1000); $c.knows_needs); $c.has_crm) as $means_to_buy
  | $c.decision_maker as $has_authority
  | ($events | any3(and3(.kind == "purchase"; ge(.amount_eur; 250)))) as $bought_premium
  | ($events | any3(and3(.kind == "email_click"; in3(.product; ["course", "consulting"]))))
    as $clicked_premium_offer
  | and3($bought_anything; not3($bought_premium)) as $low_ticket_only
  | and3($low_ticket_only; not3($clicked_premium_offer)) as $below_price_tier
  | not3($below_price_tier) as $fits_price_tier
  | and3(and3(and3($two_way_contact; $fits_target_market); and3($fits_persona; $means_to_buy));
         and3($has_authority; $fits_price_tier)) as $qualified
  | ($events | any3(.kind == "commitment")) as $committed
  | (if $bought_premium == true then "customer"
     elif and3($qualified; $committed) == true then "opportunity"
     elif $qualified == true then "prospect"
     elif $has_interacted == true then "lead"
     else null end) as $stage
  | (if $stage == "prospect" or $stage == "opportunity" then
       ($events | any3(.at | epoch | . >= $now - 30 * 86400 and . <= $now)) as $recently_active
       | $c.urgency as $urgency
       | if $c.opted_out == true then "closed"
         elif $c.blocker != null then "warm"
         elif and3(if $urgency == null then null else $urgency == "now" end; $recently_active)
              == true then "hot"
         elif or3(in3($urgency; ["quarter", "later"]); not3($recently_active)) == true
              then "cold"
         else "new" end
     else null end) as $temperature
  | "\($c.id),\($stage // ""),\($temperature // "")";

"id,stage,temperature", (inputs | classify)
