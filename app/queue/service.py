"""The queue service: issuing, calling and every window operation of one site, one transaction each.

`QueueService` is assembled from the modules that hold each job, so a newcomer can find them by
name: `core` (transactions, the window lock, ticket and event writes), `reference` (categories and
windows), `ordering` (the SQL side of the policy), `issuing`, `calling`, `window_ops`, `visits` (多窗联办) and `reads`;
`idhash` keeps the keyed hash of ID numbers and `pgfunc` the PostgreSQL fast path.
"""

from __future__ import annotations

from app.queue.calling import Calling
from app.queue.core import announcement, format_number, guard_refusal
from app.queue.idhash import MissingIdHashKey, hash_id_number, id_hash_key_from_env
from app.queue.ordering import eligible_sql, order_terms
from app.queue.reference import CategoryRef, Reference, WindowRef
from app.queue.visits import Visits

__all__ = [
    "CategoryRef",
    "MissingIdHashKey",
    "QueueService",
    "Reference",
    "WindowRef",
    "announcement",
    "eligible_sql",
    "format_number",
    "guard_refusal",
    "hash_id_number",
    "id_hash_key_from_env",
    "order_terms",
]


class QueueService(Visits, Calling):
    """All queue operations of one site. Thread-safe: each call uses its own session."""
