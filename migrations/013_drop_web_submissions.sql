-- The portal's one-time form keys now live in idempotency_keys, run by the
-- same mechanism as the API's Idempotency-Key (platform/idempotency), so the
-- portal's own claim table goes.
DROP TABLE web_submissions;
