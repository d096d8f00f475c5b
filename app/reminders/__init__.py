"""SMS reminders, offline-first: an outbox of messages in the hall database, delivered by a worker.

- `outbox`: queue a message once per subject (idempotent), claim due messages (PostgreSQL
  `FOR UPDATE SKIP LOCKED`; SQLite `BEGIN IMMEDIATE`), record each attempt's result, back off.
- `senders`: the province's HTTP SMS gateway (signed, idempotency key on every attempt) and a
  log-only sender for the demo (numbers masked).
- `schedule`: tomorrow's appointment reminders with what to bring; "you are Nth in line".
- `service`: the one object the CLI and a worker loop talk to.

Nothing here runs inside a queue transaction: queueing reads the queue and writes only these
tables (site-local, never synced: db/outbox.LOCAL_TABLES) and the audit log.
"""
