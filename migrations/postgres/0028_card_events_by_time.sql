-- Each instance reads back the card events stamped in the last few seconds, every few seconds, to
-- wake trackers whose change notification went missing (server/src/store/card_event_catch_up.rs).
-- card_events is append-only and stamped as it is written, so its at_ms follows the table's
-- physical order: a BRIN index finds the newest pages at almost no cost to each insert, where a
-- B-tree would add a page write to every stage of every card.
CREATE INDEX IF NOT EXISTS card_events_by_time ON card_events USING brin (at_ms);
