-- Three additions to the outbox (0005):
-- * `outbox.coalesce_key`: for a `chat.update`, "<channel> <ts>"; queueing a newer update of
--   the same message marks the older pending ones (not in flight) sent, superseded by it, so
--   that a throttled card costs one call, not one per change.
-- * `outbox.report_to`: a channel to tell when Slack refuses the call for good (an
--   announcement in a channel Firebreak cannot post to).
-- * `outbox_lanes.active_at_ms`: when work was last queued in the lane; lanes with nothing
--   pending, no lease and no activity for a day are pruned. Existing lanes start from their
--   newest queued call (or 0: idle since forever).
ALTER TABLE outbox ADD COLUMN coalesce_key TEXT;
ALTER TABLE outbox ADD COLUMN report_to TEXT;
CREATE INDEX outbox_coalesce ON outbox (coalesce_key) WHERE state = 'pending' AND coalesce_key IS NOT NULL;

ALTER TABLE outbox_lanes ADD COLUMN active_at_ms BIGINT NOT NULL DEFAULT 0;
UPDATE outbox_lanes SET active_at_ms = COALESCE((SELECT MAX(o.created_at_ms) FROM outbox o WHERE o.lane = outbox_lanes.lane), 0);
