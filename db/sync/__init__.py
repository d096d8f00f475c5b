"""Sync with the central PostgreSQL: outbox up, reference releases down.

- `db.sync.site.Syncer`: the site's engine (upload batches, download releases, verify).
- `db.sync.central`: district-side administration (init, add-site, publish).
- `db.sync.status.read_status`: what managers see (last success, backlog, errors), no network.
- `db.sync.worker.SyncRunner`: the loop with back-off that the Qt adapter (ui/sync_worker.py) drives.
"""
