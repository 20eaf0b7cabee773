-- A status's parts written in the transaction that creates it (its tags, mentions, media, poll) need no new render
-- version: no one has read the status yet. The insert names the status in `rookery.created_status` for the rest of
-- its transaction, and the bump leaves it out; it was a second write of the row just inserted, which, with the
-- inserted row's page full, also wrote every index of statuses again (the search document's among them).
CREATE OR REPLACE FUNCTION rookery_status_parts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  -- '' once the transaction that set it has ended
  created uuid := nullif(current_setting('rookery.created_status', true), '')::uuid;
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE statuses SET render_version = render_version + 1
      WHERE id IN (SELECT status_id FROM new_rows) AND id IS DISTINCT FROM created;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE statuses SET render_version = render_version + 1
      WHERE id IN (SELECT status_id FROM old_rows) AND id IS DISTINCT FROM created;
  ELSE
    UPDATE statuses SET render_version = render_version + 1
      WHERE id IN (SELECT status_id FROM old_rows UNION SELECT status_id FROM new_rows) AND id IS DISTINCT FROM created;
  END IF;
  RETURN NULL;
END
$$;
