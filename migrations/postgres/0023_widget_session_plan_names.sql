-- What the merchant calls its fee plans in this session's widget: a JSON array of three names in
-- plan order (ONE, TWO, THREE), "" for a plan without one; NULL when none was given.
ALTER TABLE widget_sessions ADD COLUMN plan_names TEXT;
