-- Credentials (issue 6, items 3 and 10).

-- Login throttling (item 10): failed password checks counted per account name and per source
-- address, in the database so that every api node sees the same counts. The account name is the one
-- typed, whether or not such a user exists, so that unknown and known names are answered alike.
-- The old hard lock (app_user.failed_logins / locked_until) is no longer used; the columns stay
-- because migrations are additive.
CREATE TABLE login_throttle (
  scope            text NOT NULL CHECK (scope IN ('account', 'address')),
  subject          text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
  failures         integer NOT NULL CHECK (failures >= 0),
  last_failure_at  timestamptz NOT NULL,
  blocked_until    timestamptz,
  PRIMARY KEY (scope, subject)
);
CREATE INDEX login_throttle_last_failure ON login_throttle (last_failure_at);

-- Item 3: a department-scoped account (officer, custodian, leader) without a department of its own
-- takes the department of the person it is linked to.
UPDATE app_user u
   SET department_id = p.department_id, updated_at = now()
  FROM person p
 WHERE p.id = u.person_id
   AND u.department_id IS NULL
   AND u.roles && ARRAY['officer', 'custodian', 'leader']::text[];
