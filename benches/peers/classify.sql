-- The reference rules (rules/*.qual) as DuckDB SQL over read_json, for benches/compare.
-- Run by benches/peers/duckdb_classify.py, which fills in {input}, {output} and {now}.
-- SQL's NULL logic is the rules' three-valued logic: a comparison with NULL is NULL,
-- AND/OR/NOT follow the same tables, and a CASE row is taken only when it is TRUE.
-- `any e in events: C` is any3(list_transform(events, lambda e: C)): true if some element is
-- true, else NULL if some is NULL, else false.

SET threads = 2;

CREATE MACRO any3(l) AS
  CASE WHEN list_contains(l, true) THEN true
       WHEN list_count(l) < len(l) THEN NULL
       ELSE false END;

COPY (
  WITH contact AS (
    SELECT * FROM read_json('{input}', format = 'newline_delimited', columns = {
      id: 'VARCHAR', role: 'VARCHAR', seniority: 'VARCHAR',
      company: 'STRUCT(size DOUBLE, industry VARCHAR)',
      budget_eur: 'DOUBLE', decision_maker: 'BOOLEAN', knows_needs: 'BOOLEAN',
      has_crm: 'BOOLEAN', opted_out: 'BOOLEAN', urgency: 'VARCHAR', blocker: 'VARCHAR',
      events: 'STRUCT(kind VARCHAR, "at" TIMESTAMPTZ, product VARCHAR, amount_eur DOUBLE)[]'
    })
  ),
  criteria AS (
    SELECT
      id, opted_out, urgency, blocker,
      any3(list_transform(events, lambda e: e.kind IN ('whitepaper_download', 'social_like',
        'social_share', 'blog_comment', 'email_open', 'email_click', 'form_submit')))
        AS one_way_contact,
      any3(list_transform(events, lambda e: e.kind IN ('email_reply', 'call', 'meeting',
        'conference_meeting', 'website_questionnaire'))) AS two_way_contact,
      any3(list_transform(events, lambda e: e.kind = 'purchase')) AS bought_anything,
      lower(company.industry) IN ('financial services', 'insurance', 'banking')
        AS fits_target_market,
      company.size >= 50 AND seniority IN ('director', 'vp', 'c_level')
        AND (contains(lower(role), 'sales') OR contains(lower(role), 'marketing'))
        AS fits_persona,
      budget_eur >= 1000 AND knows_needs AND has_crm AS means_to_buy,
      decision_maker AS has_authority,
      any3(list_transform(events, lambda e: e.kind = 'purchase' AND e.amount_eur >= 250))
        AS bought_premium,
      any3(list_transform(events, lambda e: e.kind = 'email_click'
        AND e.product IN ('course', 'consulting'))) AS clicked_premium_offer,
      any3(list_transform(events, lambda e: e.kind = 'commitment')) AS committed,
      any3(list_transform(events, lambda e: TIMESTAMPTZ '{now}' - INTERVAL 30 DAY <= e."at"
        AND e."at" <= TIMESTAMPTZ '{now}')) AS recently_active
    FROM contact
  ),
  derived AS (
    SELECT *,
      one_way_contact OR two_way_contact OR bought_anything AS has_interacted,
      NOT ((bought_anything AND NOT bought_premium) AND NOT clicked_premium_offer)
        AS fits_price_tier
    FROM criteria
  ),
  staged AS (
    SELECT *,
      CASE WHEN bought_premium THEN 'customer'
           WHEN two_way_contact AND fits_target_market AND fits_persona AND means_to_buy
                AND has_authority AND fits_price_tier AND committed THEN 'opportunity'
           WHEN two_way_contact AND fits_target_market AND fits_persona AND means_to_buy
                AND has_authority AND fits_price_tier THEN 'prospect'
           WHEN has_interacted THEN 'lead'
      END AS stage
    FROM derived
  )
  SELECT id, stage,
    CASE WHEN stage IN ('prospect', 'opportunity') THEN
      CASE WHEN opted_out THEN 'closed'
           WHEN blocker IS NOT NULL THEN 'warm'
           WHEN urgency = 'now' AND recently_active THEN 'hot'
           WHEN urgency IN ('quarter', 'later') OR NOT recently_active THEN 'cold'
           ELSE 'new' END
    END AS temperature
  FROM staged
) TO '{output}' (FORMAT csv, HEADER);
