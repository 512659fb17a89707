-- Each offer line carries the rates that priced it, so a supplier can
-- reproduce its price: its tenor bucket's spread, the all-in rate
-- (reference + spread) and the effective annual rate, both as fractions
-- rounded as pricing rounds them (6 decimals). docs/pricing.md.
ALTER TABLE offer_lines ADD COLUMN spread_bps integer CHECK (spread_bps >= 0);
ALTER TABLE offer_lines ADD COLUMN all_in_rate numeric(12, 6);
ALTER TABLE offer_lines ADD COLUMN effective_rate numeric(30, 6);
-- Lines priced before this migration: the offer's spread (exact for auction
-- offers and single-bucket quotes, the only kinds a quote's ten minutes
-- leave open), the all-in rate from it, and the effective rate from the cash
-- that moves, (face / net)^(365 / days) - 1, as pricing computes it.
UPDATE offer_lines l SET spread_bps = o.spread_bps,
    all_in_rate = round(o.reference_rate / 100 + o.spread_bps / 10000.0, 6),
    effective_rate = round(exp(365.0 / l.days * ln(l.face / l.net)) - 1, 6)
FROM offers o WHERE o.id = l.offer_id;
ALTER TABLE offer_lines ALTER COLUMN spread_bps SET NOT NULL;
ALTER TABLE offer_lines ALTER COLUMN all_in_rate SET NOT NULL;
ALTER TABLE offer_lines ALTER COLUMN effective_rate SET NOT NULL;
