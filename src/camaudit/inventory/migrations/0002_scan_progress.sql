-- A scan recorded as it runs (camaudit scan streams its devices in batches): how many of its
-- hosts, in target order, are done, so that `scan --resume` can go on from there. A scan whose
-- `finished` is NULL was interrupted (or is running).
ALTER TABLE scans ADD COLUMN hosts_done INTEGER NOT NULL DEFAULT 0;
