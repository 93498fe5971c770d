-- The custody report (issue 8 §7) finds what concerns one recording: the access requests that named it and the
-- daily hand-over receipts (第十条) that listed it. Without these two indexes both lookups scanned their tables.
CREATE INDEX access_request_item_recording ON access_request_item (recording_id);
-- Looked up with `recording_ids @> ARRAY[id]` (a GIN index does not serve `id = ANY(recording_ids)`).
CREATE INDEX offload_receipt_recordings ON offload_receipt USING gin (recording_ids);
