"""Random rule sets over the reference schema (rules/contact.qual), for the differential test
of `qualify sql` against `qualify eval` (tests/sql/random/run.py).

Expressions are trees of Node; `generate(seed)` builds `let`s and classifications with
three-valued logic, quantifiers and aggregates (nested, and over the contact's own values),
times and durations on the edges of summer time, text with non-ASCII case mappings, and
regular expressions; `render` gives the rule text. The same seed gives the same rules.
"""
import random

ENUMS = {
    'seniority': ["ic", "manager", "director", "vp", "c_level"],
    'urgency': ["now", "quarter", "later"],
    'blocker': ["budget", "competitor_contract", "other"],
    'source': ["organic_search", "paid_search", "social", "advertising", "email", "referral",
               "partner", "event", "direct", "purchased_list", "outbound", "other"],
    'signup_form': ["newsletter", "content_download", "webinar", "enquiry", "consultation",
                    "profile", "other"],
    'kind': ["whitepaper_download", "social_like", "social_share", "blog_comment", "email_open",
             "email_click", "form_submit", "email_reply", "call", "meeting", "conference_meeting",
             "website_questionnaire", "commitment", "purchase"],
    'product': ["ebook", "course", "consulting"],
}
TOP_ENUM_FIELDS = ['seniority', 'urgency', 'blocker', 'source', 'signup_form']
BOOL_FIELDS = ['decision_maker', 'knows_needs', 'has_crm', 'opted_out']
NUM_FIELDS = ['budget_eur', 'company.size']
TEXT_FIELDS = ['role', 'company.industry']

NUM_LITS = ['0', '1', '2', '3', '5', '10', '12', '20', '30', '49', '49.5', '50', '51', '80', '100', '120',
            '200', '249.99', '250', '500', '999', '999.99', '1000', '1000.5', '1500', '2000', '5000',
            '20000', '100000', '0.1', '0.2', '0.3', '0.5', '1_000', '49.99999999999999',
            '999.9999999999999', '249.99999999999997', '1000.0000000000001', '0.30000000000000004',
            '3.3333333333333335', '0.000001', '7', '-1', '-3', '-0', '0.0', '1.5', '2.5', '1e3x']
NUM_LITS = [n for n in NUM_LITS if 'x' not in n]
TEXT_LITS = ['"sales"', '"Sales"', '"SALES"', '"marketing"', '"vp"', '"VP"', '"director"', '"head of"',
             '"insurance"', '"banking"', '"financial services"', '"banking "', '"Banking"', '""', '" "',
             '"é"', '"ventes"', '"générale"', '"i̇stanbul"', '"istanbul"', '"İ"', '"ı"', '"ß"', '"ss"',
             '"ｓａｌｅｓ"', '"Ｓａｌｅｓ"', '"ς"', '"σ"', '"ω"', '"Ω"', '"k"', '"K"', '"ǆ"', '"ǅ"', '"ⓢ"',
             '"ⅰ"', '"\\\\"', '"\\""', '"\'"', '"%"', '"_"', '"\\n"', '"\\t"', '"o\'brien"',
             '"lead"', '"er"', '"s"', '"a"', '"z"', '"M"', '"Sales "', '"ο"', '"ά"', '"ΐ"', '"𐐨"']
TIME_LITS = ['2026-10-23T00:00:00Z', '2026-10-23', '2026-11-22', '2026-11-22T00:00:00Z', '2026-11-01',
             '2026-11-01T06:00:00Z', '2026-11-01T05:00:00Z', '2026-11-01T01:30:00-04:00',
             '2026-11-01T01:30:00-05:00', '2026-10-22T23:59:59.999999Z', '2026-11-21T23:59:59.999999Z',
             '2026-10-01', '2026-09-01T00:00', '2026-11-15T12:00:00+14:00', '2026-11-15T12:00:00-12:00',
             '2026-11-01T09:30:00+01:00', '2026-11-12T16:00', '2026-11-02T08:00:00.5Z', '2026-06-01T00:00:00Z',
             '2026-03-08T07:00:00Z', '2026-12-01', '2025-01-01', '2026-11-22T00:00:00.000001Z',
             '2026-10-08', '2026-11-08T00:00:00Z', '2026-11-20T12:00:00Z', '1970-01-01',
             '2026-10-23T00:00:00+05:30', '2026-10-22T19:00:00-05:00', '2026-11-21T19:00:00-05:00']
DUR_LITS = ['30 days', '1 day', '12 hours', '2 weeks', '1 week', '0 seconds', '1.5 days', '90 minutes',
            '29.5 days', '720 hours', '1 second', '0.000001 seconds', '0.5 seconds', '7 days', '31 days',
            '29 days', '1 hour', '23 hours', '25 hours', '60 days', '365 days', '3 days', '10 days', '1 minute',
            '0.25 hours', '100 weeks', '1.0000001 seconds', '59.999999 seconds']
REGEXES = ['(?i)sales', '(?i)^vp', '^VP', 'Sales$', '(?i)market', '\\\\d', '\\\\w+', '^\\\\w+$', '\\\\s',
           '^$', '', '.', '^.{3,8}$', '(?i)^(vp|head|chief)', '[A-Z]{3}', '[^a-z ]', '(?i)é', '(?i)É',
           '(?i)ß', '(?i)k', '(?i)s', '(?i)σ', '(?i)i', '(?i)ı', '(?i)ǅ', '\\\\pL+$', '\\\\p{Greek}',
           '(?i)\\\\p{Lu}', '\\\\p{Lu}\\\\p{Ll}', '\\\\S+\\\\s\\\\S+', '\\\\D', '\\\\W', '(?s).', '^.*$',
           'a|b', '(ab|c)+', 'a*?b', 'x?', '[[:upper:]]', '[[:alpha:]]{4}', '(?i)[a-c]', '(?i)[^a-z]',
           '(?x) s a l e s', '\\\\x41', '\\\\x{263A}', '[\\\\-.]', '\\\\.', '(?i)ｓ', '(?i)ａ',
           '^[^@]+$', '(?u)\\\\w', '(?-i)S', '(?i:S)ales', '[é-ü]', '(?i)[é-ü]', '\\\\A\\\\w', '\\\\w\\\\z',
           'e{2}', 'l{1,}', '(?i)l{2,3}', '[\\\\d\\\\s]', '[^\\\\w]', '(?i)^ο', '(?i)Ά', '\\\\n', '\\\\t',
           '^\\\\s', '\\\\s$', '(?i)\\\\bsales', '(?m)^s', '(?i)ǆ', '(?i)\\\\bsales\\\\b',
           '\\\\bVP\\\\b', '\\\\b\\\\w+\\\\b', '(?i)\\\\b(vp|head|chief)\\\\b', '\\\\Bales',
           '(?-u:\\\\b)sales', 'ales\\\\b', '\\\\b\\\\W', '\\\\<vp', 'sales\\\\>', '(?i)\\\\bé']


class Node:
    __slots__ = ('t', 'fmt', 'kids')

    def __init__(self, t, fmt, kids=()):
        self.t = t
        self.fmt = fmt
        self.kids = list(kids)

    def render(self):
        return self.fmt.format(*[k.render() for k in self.kids])

    def size(self):
        return 1 + sum(k.size() for k in self.kids)


def esc(s):
    return s.replace('{', '{{').replace('}', '}}')


def leaf(t, s):
    return Node(t, s.replace('{', '{{').replace('}', '}}'))


class Gen:
    def __init__(self, rnd, nlets=3, nclass=2):
        self.r = rnd
        self.lets = []      # (name, Node)
        self.let_types = {}
        self.classes = []   # dict(name, guard, rows, otherwise, values)
        self.nlets = nlets
        self.nclass = nclass
        self.vars_used = 0

    def ch(self, l):
        return self.r.choice(l)

    def p(self, x):
        return self.r.random() < x

    # ---------- scalar generators: scope = list of (varname) of event records ----------
    def num(self, d, sc):
        r = self.r.random()
        if d <= 0 or r < 0.25:
            opts = [lambda: leaf('num', self.ch(NUM_LITS)), lambda: leaf('num', self.ch(NUM_FIELDS))]
            if sc:
                opts.append(lambda: leaf('num', self.ch(sc) + '.amount_eur'))
                opts.append(lambda: leaf('num', self.ch(sc) + '.amount_eur'))
            ln = [n for n, t in self.let_types.items() if t == 'num']
            if ln:
                opts.append(lambda: leaf('num', self.ch(ln)))
            return self.ch(opts)()
        k = self.r.randrange(9)
        if k == 0:
            return Node('num', '({} %s {})' % self.ch(['+', '-', '*', '/']), [self.num(d - 1, sc), self.num(d - 1, sc)])
        if k == 1:
            return Node('num', 'abs({})', [self.num(d - 1, sc)])
        if k == 2:
            return Node('num', '(-{})', [self.num(d - 1, sc)])
        if k == 3:
            return Node('num', '({} ?? {})', [self.num(d - 1, sc), self.num(d - 1, sc)])
        if k == 4:
            return Node('num', 'days_since({})', [self.time(d - 1, sc)])
        if k == 5:
            v = self.newvar(sc)
            if self.p(0.5):
                return Node('num', 'count(%s in events)' % v)
            return Node('num', '(count(%s in events where {}))' % v, [self.cond(d - 1, sc + [v])])
        if k in (6, 7):
            v = self.newvar(sc)
            agg = self.ch(['sum', 'min', 'max'])
            val = self.refval(lambda: self.num(d - 1, sc + [v]), v, leaf('num', v + '.amount_eur')) if self.p(0.4) else leaf('num', v + '.amount_eur')
            if self.p(0.5):
                return Node('num', '%s({} for %s in events where {})' % (agg, v), [val, self.cond(d - 1, sc + [v])])
            return Node('num', '%s({} for %s in events)' % (agg, v), [val])
        return Node('num', '({} %s {})' % self.ch(['+', '-', '*', '/']), [self.num(d - 1, sc), leaf('num', self.ch(NUM_LITS))])

    def refval(self, f, v, fallback, tries=6):
        """a generated value that references the loop variable v (an aggregate over a value that reads only
        outer columns is a known DuckDB translation bug; avoid it so other bugs surface)"""
        import re as _re
        for _ in range(tries):
            n = f()
            if _re.search(r'(?<![\w.])%s\.' % _re.escape(v), n.render()):
                return n
        return fallback

    def newvar(self, sc):
        if sc and self.p(0.15):
            return self.ch(sc)  # shadowing
        names = ['e', 'f', 'g', 'h', 'x', 'ev']
        for n in names:
            if n not in sc:
                return n
        return 'z' + str(len(sc))

    def text(self, d, sc):
        r = self.r.random()
        if d <= 0 or r < 0.35:
            opts = [lambda: leaf('text', self.ch(TEXT_LITS)), lambda: leaf('text', self.ch(TEXT_FIELDS)),
                    lambda: leaf('text', self.ch(TEXT_FIELDS))]
            lt = [n for n, t in self.let_types.items() if t == 'text']
            if lt:
                opts.append(lambda: leaf('text', self.ch(lt)))
            return self.ch(opts)()
        k = self.r.randrange(5)
        if k <= 1:
            return Node('text', 'lower({})', [self.text(d - 1, sc)])
        if k == 2:
            return Node('text', '({} ?? {})', [self.text(d - 1, sc), self.text(d - 1, sc)])
        if k == 3:
            # lower of an enum is text
            return Node('text', 'lower({})', [self.enum_expr(self.ch(list(ENUMS)), d - 1, sc)])
        v = self.newvar(sc)
        agg = self.ch(['min', 'max'])
        if self.p(0.5):
            return Node('text', '%s(lower(%s.kind) for %s in events where {})' % (agg, v, v), [self.cond(d - 1, sc + [v])])
        val = self.refval(lambda: self.text(d - 1, sc + [v]), v, Node('text', 'lower(%s.kind)' % v))
        return Node('text', '%s({} for %s in events)' % (agg, v), [val])

    def enum_expr(self, en, d, sc):
        # returns Node of type ('enum', en)
        t = ('enum', en)
        if en in ('kind', 'product'):
            if not sc:
                v = self.newvar(sc)
                agg = self.ch(['min', 'max'])
                if self.p(0.5):
                    return Node(t, '%s(%s.%s for %s in events where {})' % (agg, v, en, v), [self.cond(d - 1, sc + [v])])
                return Node(t, '%s(%s.%s for %s in events)' % (agg, v, en, v))
            base = leaf(t, self.ch(sc) + '.' + en)
        else:
            base = leaf(t, en)
        if self.p(0.15):
            return Node(t, '({} ?? {})', [base, leaf(t, '"%s"' % self.ch(ENUMS[en]))])
        return base

    def time(self, d, sc):
        r = self.r.random()
        if d <= 0 or r < 0.4:
            opts = [lambda: leaf('time', self.ch(TIME_LITS)), lambda: leaf('time', 'now'),
                    lambda: leaf('time', 'signed_up_at')]
            if sc:
                opts += [lambda: leaf('time', self.ch(sc) + '.at')] * 3
            lt = [n for n, t in self.let_types.items() if t == 'time']
            if lt:
                opts.append(lambda: leaf('time', self.ch(lt)))
            return self.ch(opts)()
        k = self.r.randrange(4)
        if k == 0:
            return Node('time', '({} %s {})' % self.ch(['+', '-']), [self.time(d - 1, sc), self.dur(d - 1, sc)])
        if k == 1:
            return Node('time', '({} ?? {})', [self.time(d - 1, sc), self.time(d - 1, sc)])
        v = self.newvar(sc)
        agg = self.ch(['min', 'max'])
        val = leaf('time', v + '.at') if self.p(0.7) else self.refval(lambda: self.time(d - 1, sc + [v]), v, leaf('time', v + '.at'))
        if self.p(0.5):
            return Node('time', '%s({} for %s in events where {})' % (agg, v), [val, self.cond(d - 1, sc + [v])])
        return Node('time', '%s({} for %s in events)' % (agg, v), [val])

    def dur(self, d, sc):
        r = self.r.random()
        if d <= 0 or r < 0.4:
            lt = [n for n, t in self.let_types.items() if t == 'dur']
            if lt and self.p(0.2):
                return leaf('dur', self.ch(lt))
            return leaf('dur', self.ch(DUR_LITS))
        k = self.r.randrange(6)
        if k == 5 and not self.p(0.1):
            k = 0  # duration aggregates are refused (Q0401); keep a few
        if k <= 1:
            return Node('dur', '({} - {})', [self.time(d - 1, sc), self.time(d - 1, sc)])
        if k == 2:
            return Node('dur', '({} %s {})' % self.ch(['+', '-']), [self.dur(d - 1, sc), self.dur(d - 1, sc)])
        if k == 3:
            return Node('dur', '(-{})', [self.dur(d - 1, sc)])
        if k == 4:
            return Node('dur', '({} ?? {})', [self.dur(d - 1, sc), self.dur(d - 1, sc)])
        v = self.newvar(sc)
        agg = self.ch(['sum', 'min', 'max'])
        if self.p(0.5):
            return Node('dur', '%s({} for %s in events where {})' % (agg, v), [self.dur(d - 1, sc + [v]), self.cond(d - 1, sc + [v])])
        return Node('dur', '%s({} for %s in events)' % (agg, v), [self.dur(d - 1, sc + [v])])

    def cmp(self, t, d, sc):
        ops = ['==', '!=', '<', '<=', '>', '>=']
        if t == 'num':
            return Node('bool', '({} %s {})' % self.ch(ops), [self.num(d, sc), self.num(d, sc)])
        if t == 'text':
            return Node('bool', '({} %s {})' % self.ch(ops), [self.text(d, sc), self.text(d, sc)])
        if t == 'time':
            op = self.ch(ops + ['before', 'after', 'before', 'after'])
            return Node('bool', '({} %s {})' % op, [self.time(d, sc), self.time(d, sc)])
        if t == 'dur':
            return Node('bool', '({} %s {})' % self.ch(ops), [self.dur(d, sc), self.dur(d, sc)])

    def cond(self, d, sc):
        if d <= 0:
            return self.atom(0, sc)
        k = self.r.randrange(20)
        if k < 2:
            return Node('bool', '({} and {})', [self.cond(d - 1, sc), self.cond(d - 1, sc)])
        if k < 4:
            return Node('bool', '({} or {})', [self.cond(d - 1, sc), self.cond(d - 1, sc)])
        if k < 5:
            return Node('bool', '(not {})', [self.cond(d - 1, sc)])
        if k < 7:
            v = self.newvar(sc)
            q = self.ch(['any', 'all'])
            return Node('bool', '(%s %s in events: {})' % (q, v), [self.cond(d - 1, sc + [v])])
        if k < 8:
            return Node('bool', '({} == {})' if self.p(0.5) else '({} != {})', [self.cond(d - 1, sc), self.cond(d - 1, sc)])
        if k < 9:
            return Node('bool', '({} ?? {})', [self.cond(d - 1, sc), self.cond(d - 1, sc)])
        return self.atom(d - 1, sc)

    def atom(self, d, sc):
        k = self.r.randrange(22)
        if k < 3:
            return self.cmp('num', d, sc)
        if k < 4:
            return self.cmp('text', d, sc)
        if k < 6:
            return self.cmp('time', d, sc)
        if k < 7:
            return self.cmp('dur', d, sc)
        if k < 8:
            return Node('bool', '({} within {})', [self.time(d, sc), self.dur(d, sc)])
        if k < 10:
            # enum comparison / in
            en = self.ch(TOP_ENUM_FIELDS + (['kind', 'product'] * 2 if sc else []))
            e = self.enum_expr(en, d, sc)
            vals = ENUMS[en]
            r = self.r.random()
            if r < 0.4:
                return Node('bool', '({} %s "%s")' % (self.ch(['==', '!=', '<', '>=']), self.ch(vals)), [e])
            if r < 0.8:
                lst = ', '.join('"%s"' % v for v in self.r.sample(vals, self.r.randint(0 if self.p(0.1) else 1, min(4, len(vals)))))
                return Node('bool', '({} %s [%s])' % (self.ch(['in', 'not in']), lst), [e])
            return Node('bool', '({} %s {})' % self.ch(['==', '!=']), [e, self.enum_expr(en, d, sc)])
        if k < 11:
            # in with number/text lists possibly holding missing values
            if self.p(0.5):
                items = [self.num(d - 1, sc) if self.p(0.3) else leaf('num', self.ch(NUM_LITS)) for _ in range(self.r.randint(1, 3))]
                return Node('bool', '({} %s [%s])' % (self.ch(['in', 'not in']), ', '.join(['{}'] * len(items))), [self.num(d, sc)] + items)
            items = [self.text(d - 1, sc) if self.p(0.3) else leaf('text', self.ch(TEXT_LITS)) for _ in range(self.r.randint(1, 3))]
            return Node('bool', '({} %s [%s])' % (self.ch(['in', 'not in']), ', '.join(['{}'] * len(items))), [self.text(d, sc)] + items)
        if k < 13:
            op = self.ch(['contains', 'starts_with', 'ends_with', 'contains'])
            return Node('bool', '({} %s {})' % op, [self.text(d, sc), self.text(d - 1, sc) if self.p(0.3) else leaf('text', self.ch(TEXT_LITS))])
        if k < 14:
            return Node('bool', '({} matches "%s")' % esc(self.ch(REGEXES)), [self.text(d, sc)])
        if k < 15:
            fld = self.ch(BOOL_FIELDS + NUM_FIELDS + TEXT_FIELDS + TOP_ENUM_FIELDS + ['signed_up_at', 'company'] +
                          ([self.ch(sc) + '.amount_eur', self.ch(sc) + '.product'] if sc else []))
            return leaf('bool', '(%s is %s)' % (fld, self.ch(['missing', 'present'])))
        if k < 16:
            b = self.ch(BOOL_FIELDS)
            return leaf('bool', self.ch([b, b, '(%s == true)' % b, '(%s == false)' % b, '(%s ?? true)' % b, '(%s ?? false)' % b]))
        if k < 18:
            lb = [n for n, t in self.let_types.items() if t == 'bool']
            if lb:
                return leaf('bool', self.ch(lb))
            return self.cmp('num', d, sc)
        if k < 19 and self.classes:
            c = self.ch(self.classes)
            vals = c['values']
            r = self.r.random()
            if r < 0.5:
                return leaf('bool', '(%s %s %s)' % (c['name'], self.ch(['==', '!=']), self.ch(vals)))
            if r < 0.8:
                return leaf('bool', '(%s %s [%s])' % (c['name'], self.ch(['in', 'not in']), ', '.join(self.r.sample(vals, self.r.randint(1, len(vals))))))
            return leaf('bool', '(%s is %s)' % (c['name'], self.ch(['missing', 'present'])))
        if k < 20:
            return leaf('bool', self.ch(['true', 'false']))
        return self.cmp(self.ch(['num', 'time']), d, sc)

    def expr_of(self, t, d):
        return {'bool': self.cond, 'num': self.num, 'text': self.text, 'time': self.time, 'dur': self.dur}[t](d, [])

    def build(self):
        for i in range(self.nlets):
            t = self.ch(['bool', 'bool', 'bool', 'num', 'num', 'text', 'time', 'dur'])
            name = 'l%d_%s' % (i, t)
            e = self.expr_of(t, self.r.randint(1, 3))
            self.lets.append((name, e))
            self.let_types[name] = t
        for ci in range(self.nclass):
            name = 'c%d' % ci
            nrows = self.r.randint(1, 4)
            values = ['v%d_%d' % (ci, j) for j in range(nrows + 1)]
            rows = []
            for j in range(nrows):
                rows.append([values[j] if self.p(0.85) else self.ch(values), self.cond(self.r.randint(1, 3), [])])
            guard = self.cond(self.r.randint(0, 2), []) if self.p(0.25) else None
            oth = values[-1] if self.p(0.6) else None
            self.classes.append({'name': name, 'guard': guard, 'rows': rows, 'otherwise': oth,
                                 'values': sorted(set([r[0] for r in rows] + ([oth] if oth else [])))})
        return self


def render(g_lets, g_classes):
    out = []
    for name, e in g_lets:
        out.append('let %s = %s' % (name, e.render()))
    for c in g_classes:
        head = 'classify %s' % c['name']
        if c['guard'] is not None:
            head += ' when ' + c['guard'].render()
        out.append(head + ' {')
        for v, cond in c['rows']:
            out.append('  %s when %s' % (v, cond.render()))
        if c['otherwise']:
            out.append('  otherwise %s' % c['otherwise'])
        out.append('}')
    return '\n'.join(out) + '\n'


def generate(seed):
    r = random.Random(seed)
    g = Gen(r, nlets=r.randint(0, 4), nclass=r.randint(1, 2)).build()
    return g


if __name__ == '__main__':
    import sys
    g = generate(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
    print(render(g.lets, g.classes))
