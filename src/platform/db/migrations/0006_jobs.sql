-- Jobs move to graphile-worker (schema graphile_worker, installed by migrate() before this file).
-- graphile-worker deletes a job when it completes, so completed jobs are kept here for the jobs page
-- (written by the runner when a handler succeeds). Failed and waiting jobs are read from graphile_worker.jobs.
CREATE TABLE job_history (
  id            text PRIMARY KEY,
  kind          text NOT NULL,
  job_key       text,
  state         text NOT NULL CHECK (state IN ('done', 'failed')),
  attempts      integer NOT NULL,
  max_attempts  integer NOT NULL,
  last_error    text,
  created_at    timestamptz NOT NULL,
  finished_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_history_created ON job_history (created_at DESC);

-- The old hand-made queue: waiting (and stranded 'running') jobs go to graphile-worker with their dedupe key,
-- finished ones to the history; then the table goes.
SELECT graphile_worker.add_job(
  identifier => kind,
  payload => payload::json,
  run_at => run_at,
  max_attempts => GREATEST(max_attempts - attempts, 1),
  job_key => dedupe_key,
  job_key_mode => 'unsafe_dedupe')
FROM job WHERE state IN ('queued', 'running');

INSERT INTO job_history (id, kind, job_key, state, attempts, max_attempts, last_error, created_at, finished_at)
SELECT id::text, kind, dedupe_key, state, attempts, max_attempts, last_error, created_at, COALESCE(finished_at, updated_at)
FROM job WHERE state IN ('done', 'failed');

DROP TABLE job;
