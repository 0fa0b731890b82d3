//! Generates contacts in the reference schema (`rules/contact.qual`) for `benches/compare`.
//!
//! Run by `benches/compare` (which builds it with `cargo bench --no-run`); by hand:
//! `gen_contacts --contacts N --out DIR` writes `DIR/contacts-N.jsonl` and `DIR/contacts-N.csv`,
//! the same contacts in both, from a fixed seed (the same N gives the same bytes).
//! `gen_contacts --contacts N --stdout` writes the JSON Lines to standard output instead (for
//! measuring memory on more contacts than are worth keeping on disk).
//! `gen_contacts --contacts N --out DIR --split` also writes the same contacts as two files,
//! for the activities join (`benches/join`): `DIR/bare-N.jsonl`, the contacts without their
//! `events`, and `DIR/events-N.jsonl`, one line per event with its contact's id in
//! `contact_id` (in contact order), plus `DIR/events-N-shuffled.jsonl`, the same lines in a
//! random order.
//! Without `--out` or `--stdout` (as under a plain `cargo bench`) it only prints this usage.
//!
//! The spread of values is chosen so that every stage (customer, opportunity, prospect, lead,
//! none) and every temperature (closed, warm, hot, cold, new) occurs in good numbers, and so
//! that the three-valued logic of the rules is exercised: about 10 % of each optional field is
//! missing (half absent, half `null`), except `blocker`, whose absence means "no blocker" and
//! which is absent for 65 % of contacts. Events number 0–40 per contact (about 4.5 on average),
//! at times spread over the last year before 2026-11-22, a few in the future, a few exactly on
//! the edges of `within 30 days`, and one in ten written with a UTC offset other than `Z`.

use std::fmt::Write as _;
use std::io::Write as _;

/// 2026-11-22T00:00:00Z, the `--as-of` of the benchmark.
const NOW: i64 = 1_795_305_600;
const DAY: i64 = 86_400;
const SEED: u64 = 0x5EED_2026_1122;

/// SplitMix64: small, fast and good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
    /// Picks from `(weight, value)` pairs.
    fn weighted<T: Copy>(&mut self, xs: &[(u32, T)]) -> T {
        let total: u32 = xs.iter().map(|x| x.0).sum();
        let mut r = self.below(u64::from(total)) as u32;
        for &(w, x) in xs {
            if r < w {
                return x;
            }
            r -= w;
        }
        xs[xs.len() - 1].1
    }
}

#[derive(Clone, Copy)]
enum V {
    Missing,
    Str(&'static str),
    Num(f64),
    Bool(bool),
}

const FAVOURABLE_ROLES: &[&str] = &[
    "VP Sales",
    "Head of Sales, EMEA",
    "Sales Director",
    "Chief Marketing Officer",
    "Marketing Director",
    "VP of Marketing",
    "Directrice Marketing",
    "SVP SALES",
    "Chief Sales Officer",
    "Director, Sales & Marketing",
];
const OTHER_ROLES: &[&str] = &[
    "Analyst",
    "Software Engineer",
    "CFO",
    "Head of Procurement",
    "Operations Manager",
    "Office Manager",
    "Vertriebsleiter",
    "Chief Executive Officer",
    "Salesforce Administrator",
    "Customer Success Lead",
    "Geschäftsführer",
];
const SENIOR: &[&str] = &["director", "vp", "c_level"];
const JUNIOR: &[&str] = &["ic", "manager"];
const BIG: &[f64] = &[
    50.0, 51.0, 80.0, 120.0, 250.0, 800.0, 1500.0, 5000.0, 20000.0,
];
const SMALL: &[f64] = &[1.0, 5.0, 12.0, 30.0, 49.0, 49.5];
const TARGET_INDUSTRIES: &[&str] = &[
    "Banking",
    "banking",
    "BANKING",
    "Insurance",
    "insurance",
    "Financial Services",
    "financial services",
    "Financial services",
];
const OTHER_INDUSTRIES: &[&str] = &[
    "Retail",
    "Software",
    "Healthcare",
    "Manufacturing",
    "Insurance Brokerage",
    "Banking ",
    "Logistics",
];
const ENOUGH_BUDGET: &[f64] = &[1000.0, 1000.5, 1500.0, 5000.0, 20000.0, 100000.0];
const LOW_BUDGET: &[f64] = &[0.0, 200.0, 500.0, 999.0, 999.99];

const ONE_WAY: &[(u32, &str)] = &[
    (35, "email_open"),
    (20, "email_click"),
    (10, "whitepaper_download"),
    (10, "social_like"),
    (5, "social_share"),
    (5, "blog_comment"),
    (15, "form_submit"),
];
const TWO_WAY: &[(u32, &str)] = &[
    (30, "email_reply"),
    (25, "call"),
    (20, "meeting"),
    (10, "conference_meeting"),
    (15, "website_questionnaire"),
];
const PRODUCTS: &[&str] = &["ebook", "course", "consulting"];
const PREMIUM: &[(u32, (&str, f64))] = &[
    (45, ("course", 250.0)),
    (40, ("consulting", 1000.0)),
    (10, ("consulting", 2000.0)),
    (5, ("course", 249.99)),
];
/// Offsets (minutes) for the events not written with `Z`.
const OFFSETS: &[i32] = &[60, 120, 330, -300, -480];

struct Event {
    kind: &'static str,
    at: i64,
    offset_minutes: i32,
    product: Option<V>,
    amount: Option<V>,
}

/// Missing (10 %) or the value.
fn maybe(rng: &mut Rng, v: V) -> V {
    if rng.chance(0.10) { V::Missing } else { v }
}

/// A field of the persona: favourable with probability `good` when present.
fn profile<T: Copy>(rng: &mut Rng, good: f64, yes: &[T], no: &[T], make: fn(T) -> V) -> V {
    let v = if rng.chance(good) {
        make(rng.pick(yes))
    } else {
        make(rng.pick(no))
    };
    maybe(rng, v)
}

fn event_count(rng: &mut Rng) -> usize {
    // 1 + exponential with mean 3.3, at most 40
    let x = -(1.0 - rng.unit()).ln() * 3.3;
    (1 + x as usize).min(40)
}

fn one_way_event(rng: &mut Rng) -> &'static str {
    rng.weighted(ONE_WAY)
}

fn make_event(rng: &mut Rng, kind: &'static str, at: i64) -> Event {
    let mut e = Event {
        kind,
        at,
        offset_minutes: if rng.chance(0.10) {
            rng.pick(OFFSETS)
        } else {
            0
        },
        product: None,
        amount: None,
    };
    if kind == "email_open" || kind == "email_click" {
        let product = rng.pick(PRODUCTS);
        e.product = Some(maybe(rng, V::Str(product)));
    }
    e
}

fn purchase(rng: &mut Rng, at: i64, product: &'static str, amount: f64) -> Event {
    let mut e = make_event(rng, "purchase", at);
    e.product = Some(maybe(rng, V::Str(product)));
    e.amount = Some(maybe(rng, V::Num(amount)));
    e
}

struct Contact {
    id: String,
    fields: [(&'static str, V); 9],
    company: [(&'static str, V); 2],
    events: Vec<Event>,
}

fn contact(rng: &mut Rng, index: usize) -> Contact {
    // archetype: 9 % no interaction, 26 % one-way only, 65 % engaged in two-way contact
    let kind = rng.below(100);
    let (none, one_way) = (kind < 9, (9..35).contains(&kind));
    let good = if one_way || none {
        if rng.chance(0.5) { 0.97 } else { 0.3 }
    } else if rng.chance(0.85) {
        0.97
    } else {
        0.3
    };
    let role = profile(rng, good, FAVOURABLE_ROLES, OTHER_ROLES, V::Str);
    let seniority = profile(rng, good, SENIOR, JUNIOR, V::Str);
    let size = profile(rng, good, BIG, SMALL, V::Num);
    let industry = profile(rng, good, TARGET_INDUSTRIES, OTHER_INDUSTRIES, V::Str);
    let budget = profile(rng, good, ENOUGH_BUDGET, LOW_BUDGET, V::Num);
    let decision_maker = profile(rng, good, &[true], &[false], V::Bool);
    let knows_needs = profile(rng, good, &[true], &[false], V::Bool);
    let has_crm = profile(rng, good, &[true], &[false], V::Bool);
    let opted_out = match rng.below(100) {
        0..10 => V::Missing,
        10..20 => V::Bool(true),
        _ => V::Bool(false),
    };
    let urgency = match rng.below(100) {
        0..14 => V::Missing,
        14..54 => V::Str("now"),
        54..78 => V::Str("quarter"),
        _ => V::Str("later"),
    };
    let blocker = match rng.below(100) {
        0..65 => V::Missing,
        65..78 => V::Str("budget"),
        78..90 => V::Str("competitor_contract"),
        _ => V::Str("other"),
    };

    // when the contact last interacted: within 30 days for 65 %, else up to a year ago
    let last = if rng.chance(0.65) {
        NOW - rng.below((30 * DAY) as u64) as i64
    } else {
        NOW - 30 * DAY - 1 - rng.below((335 * DAY) as u64) as i64
    };
    let earlier = |rng: &mut Rng| last - (-(1.0 - rng.unit()).ln() * 20.0 * DAY as f64) as i64;
    let mut events = Vec::new();
    if none {
        // no interaction, or only a commitment logged (which is not an interaction)
        if rng.chance(0.15) {
            events.push(make_event(rng, "commitment", last));
        }
    } else {
        let n = event_count(rng);
        events.push(if one_way {
            let k = one_way_event(rng);
            make_event(rng, k, last)
        } else {
            let k = rng.weighted(TWO_WAY);
            make_event(rng, k, last)
        });
        for _ in 1..n {
            let at = earlier(rng);
            let k = if !one_way && rng.chance(0.35) {
                rng.weighted(TWO_WAY)
            } else {
                one_way_event(rng)
            };
            events.push(make_event(rng, k, at));
        }
        if !one_way {
            match rng.below(100) {
                0..22 => {
                    let (product, amount) = rng.weighted(PREMIUM);
                    let at = earlier(rng);
                    events.push(purchase(rng, at, product, amount));
                }
                22..34 => {
                    let at = earlier(rng);
                    events.push(purchase(rng, at, "ebook", 20.0));
                    if rng.chance(0.5) {
                        let at = earlier(rng);
                        let mut click = make_event(rng, "email_click", at);
                        click.product = Some(maybe(rng, V::Str("course")));
                        events.push(click);
                    }
                }
                _ => {}
            }
            if rng.chance(0.45) {
                let at = earlier(rng);
                events.push(make_event(rng, "commitment", at));
            }
        }
        // edges of `within 30 days` and the future (a scheduled meeting)
        // (`Z` or an offset that moves the local date across the edge)
        let edge = NOW - 30 * DAY;
        let mut at_offset = |rng: &mut Rng, at: i64, offset_minutes: i32| {
            let mut e = make_event(rng, "meeting", at);
            e.offset_minutes = offset_minutes;
            events.push(e);
        };
        match rng.below(1000) {
            0..30 => at_offset(rng, edge, 0),
            30..40 => at_offset(rng, edge - 1, 0),
            40..50 => at_offset(rng, edge + 1800, -300),
            50..60 => at_offset(rng, edge - 1800, 60),
            60..70 => at_offset(rng, NOW, 0),
            70..80 => at_offset(rng, NOW + 1, 0),
            80..100 => {
                let at = NOW + 3600 + rng.below((10 * DAY) as u64) as i64;
                events.push(make_event(rng, "meeting", at));
            }
            _ => {}
        }
        events.truncate(40);
        events.sort_by_key(|e| e.at);
    }
    Contact {
        id: format!("c{index:07}"),
        fields: [
            ("role", role),
            ("seniority", seniority),
            ("budget_eur", budget),
            ("decision_maker", decision_maker),
            ("knows_needs", knows_needs),
            ("has_crm", has_crm),
            ("opted_out", opted_out),
            ("urgency", urgency),
            ("blocker", blocker),
        ],
        company: [("size", size), ("industry", industry)],
        events,
    }
}

fn json_value(out: &mut String, v: V) {
    match v {
        V::Missing => out.push_str("null"),
        V::Str(s) => {
            out.push('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        V::Num(x) => number(out, x),
        V::Bool(b) => out.push_str(if b { "true" } else { "false" }),
    }
}

fn number(out: &mut String, x: f64) {
    if x.fract() == 0.0 {
        let _ = write!(out, "{}", x as i64);
    } else {
        let _ = write!(out, "{x}");
    }
}

/// `"key":value`, or nothing (absent) or `"key":null` for a missing value, decided by `rng`.
fn json_field(out: &mut String, rng: &mut Rng, first: &mut bool, key: &str, v: V) {
    if matches!(v, V::Missing) && rng.chance(0.5) {
        return;
    }
    if !*first {
        out.push(',');
    }
    *first = false;
    let _ = write!(out, "\"{key}\":");
    json_value(out, v);
}

/// Days since 1970-01-01 to (year, month, day), after Howard Hinnant's `civil_from_days`.
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn datetime(out: &mut String, at: i64, offset_minutes: i32) {
    let local = at + i64::from(offset_minutes) * 60;
    let (y, mo, d) = civil(local.div_euclid(DAY));
    let s = local.rem_euclid(DAY);
    let _ = write!(
        out,
        "\"{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    );
    if offset_minutes == 0 {
        out.push_str("Z\"");
    } else {
        let sign = if offset_minutes < 0 { '-' } else { '+' };
        let m = offset_minutes.abs();
        let _ = write!(out, "{sign}{:02}:{:02}\"", m / 60, m % 60);
    }
}

fn events_json(out: &mut String, rng: &mut Rng, events: &[Event]) {
    out.push('[');
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{{\"kind\":\"{}\",\"at\":", e.kind);
        datetime(out, e.at, e.offset_minutes);
        let mut first = false;
        if let Some(p) = e.product {
            json_field(out, rng, &mut first, "product", p);
        }
        if let Some(a) = e.amount {
            json_field(out, rng, &mut first, "amount_eur", a);
        }
        out.push('}');
    }
    out.push(']');
}

fn csv_cell(out: &mut String, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

fn csv_value(out: &mut String, v: V) {
    match v {
        V::Missing => {}
        V::Str(s) => csv_cell(out, s),
        V::Num(x) => number(out, x),
        V::Bool(b) => out.push_str(if b { "true" } else { "false" }),
    }
}

const CSV_HEADER: &str = "id,role,seniority,company.size,company.industry,budget_eur,\
decision_maker,knows_needs,has_crm,opted_out,urgency,blocker,events\n";

fn write_contact(
    jsonl: &mut String,
    csv: &mut String,
    events: &mut String,
    rng: &mut Rng,
    c: &Contact,
) {
    events.clear();
    events_json(events, rng, &c.events);

    let _ = write!(jsonl, "{{\"id\":\"{}\"", c.id);
    let mut first = false;
    let (head, tail) = c.fields.split_at(2);
    for &(k, v) in head {
        json_field(jsonl, rng, &mut first, k, v);
    }
    jsonl.push_str(",\"company\":{");
    let mut first_in_company = true;
    for &(k, v) in &c.company {
        json_field(jsonl, rng, &mut first_in_company, k, v);
    }
    jsonl.push('}');
    for &(k, v) in tail {
        json_field(jsonl, rng, &mut first, k, v);
    }
    jsonl.push_str(",\"events\":");
    jsonl.push_str(events);
    jsonl.push_str("}\n");

    csv.push_str(&c.id);
    for &(_, v) in head.iter() {
        csv.push(',');
        csv_value(csv, v);
    }
    for &(_, v) in &c.company {
        csv.push(',');
        csv_value(csv, v);
    }
    for &(_, v) in tail {
        csv.push(',');
        csv_value(csv, v);
    }
    csv.push(',');
    csv_cell(csv, events);
    csv.push('\n');
}

fn main() -> std::io::Result<()> {
    let mut contacts = 1_000_000usize;
    let mut out_dir = None;
    let mut split = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--contacts" => {
                contacts = args
                    .next()
                    .and_then(|n| n.replace('_', "").parse().ok())
                    .expect("--contacts N");
            }
            "--out" => out_dir = Some(std::path::PathBuf::from(args.next().expect("--out DIR"))),
            "--stdout" => return jsonl_to_stdout(contacts),
            "--split" => split = true,
            _ => {} // `cargo bench` passes `--bench`
        }
    }
    let Some(dir) = out_dir else {
        println!(
            "gen_contacts: run through benches/compare (or: gen_contacts --contacts N --out DIR)"
        );
        return Ok(());
    };
    std::fs::create_dir_all(&dir)?;
    let jsonl_path = dir.join(format!("contacts-{contacts}.jsonl"));
    let csv_path = dir.join(format!("contacts-{contacts}.csv"));
    let mut jsonl_file =
        std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&jsonl_path)?);
    let mut csv_file =
        std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&csv_path)?);
    csv_file.write_all(CSV_HEADER.as_bytes())?;

    let mut rng = Rng(SEED);
    let (mut jsonl, mut csv, mut events) = (String::new(), String::new(), String::new());
    let mut parts = Split::new(&dir, contacts, split)?;
    for i in 0..contacts {
        let c = contact(&mut rng, i);
        let start = jsonl.len();
        write_contact(&mut jsonl, &mut csv, &mut events, &mut rng, &c);
        if let Some(parts) = &mut parts {
            parts.add(&jsonl[start..], &c.id, &events)?;
        }
        if jsonl.len() > 1 << 20 {
            jsonl_file.write_all(jsonl.as_bytes())?;
            csv_file.write_all(csv.as_bytes())?;
            jsonl.clear();
            csv.clear();
        }
    }
    jsonl_file.write_all(jsonl.as_bytes())?;
    csv_file.write_all(csv.as_bytes())?;
    jsonl_file.flush()?;
    csv_file.flush()?;
    if let Some(parts) = parts {
        parts.finish()?;
    }
    println!("{}\n{}", jsonl_path.display(), csv_path.display());
    Ok(())
}

/// The contacts split into a file of contacts without events and a file of their events.
struct Split {
    bare: std::io::BufWriter<std::fs::File>,
    events: std::io::BufWriter<std::fs::File>,
    shuffled: std::path::PathBuf,
    /// Every event line, to be written shuffled at the end.
    lines: Vec<String>,
}

impl Split {
    fn new(dir: &std::path::Path, contacts: usize, wanted: bool) -> std::io::Result<Option<Split>> {
        if !wanted {
            return Ok(None);
        }
        let open = |name: String| -> std::io::Result<_> {
            Ok(std::io::BufWriter::with_capacity(
                1 << 20,
                std::fs::File::create(dir.join(name))?,
            ))
        };
        Ok(Some(Split {
            bare: open(format!("bare-{contacts}.jsonl"))?,
            events: open(format!("events-{contacts}.jsonl"))?,
            shuffled: dir.join(format!("events-{contacts}-shuffled.jsonl")),
            lines: Vec::new(),
        }))
    }

    /// Splits one contact's JSON line (which ends with `,"events":EVENTS}`).
    fn add(&mut self, line: &str, id: &str, events: &str) -> std::io::Result<()> {
        let tail = format!(",\"events\":{events}}}\n");
        let head = line
            .strip_suffix(tail.as_str())
            .expect("the events come last");
        self.bare.write_all(head.as_bytes())?;
        self.bare.write_all(b"}\n")?;
        // the elements are flat objects whose texts hold no braces
        let inner = &events[1..events.len() - 1];
        let mut depth = 0;
        let mut start = 0;
        for (i, b) in inner.bytes().enumerate() {
            match b {
                b'{' => {
                    if depth == 0 {
                        start = i;
                    }
                    depth += 1;
                }
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        let element = &inner[start + 1..=i];
                        let line = format!("{{\"contact_id\":\"{id}\",{element}\n");
                        self.events.write_all(line.as_bytes())?;
                        self.lines.push(line);
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<()> {
        self.bare.flush()?;
        self.events.flush()?;
        // Fisher–Yates with its own seed, so the contacts' bytes do not depend on it
        let mut rng = Rng(SEED ^ 0x054A_FF1E);
        for i in (1..self.lines.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            self.lines.swap(i, j);
        }
        let mut out =
            std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&self.shuffled)?);
        for line in &self.lines {
            out.write_all(line.as_bytes())?;
        }
        out.flush()
    }
}

/// The same JSON Lines as `--out` writes, to standard output (a closed pipe ends it quietly).
fn jsonl_to_stdout(contacts: usize) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    let mut rng = Rng(SEED);
    let (mut jsonl, mut csv, mut events) = (String::new(), String::new(), String::new());
    for i in 0..contacts {
        let c = contact(&mut rng, i);
        write_contact(&mut jsonl, &mut csv, &mut events, &mut rng, &c);
        if jsonl.len() > 1 << 20 {
            match out.write_all(jsonl.as_bytes()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
                other => other?,
            }
            jsonl.clear();
            csv.clear();
        }
    }
    out.write_all(jsonl.as_bytes())?;
    out.flush()
}
