"""The work ledger (工作台账, WS-28): an append-only, hash-chained record of every state change.

Use :func:`append` inside the same unit of work as the change it records, and
:func:`verify` to walk the chain. The encoding is in :mod:`qinglang.ledger.chain`.
"""

from qinglang.ledger.chain import GENESIS_HASH, Broken, Verification
from qinglang.ledger.events import LedgerEvent, Subject, SubjectType
from qinglang.ledger.models import LedgerEntry
from qinglang.ledger.service import append, head, recent_entries, serialise_appends
from qinglang.ledger.verification import verify

__all__ = [
    "GENESIS_HASH",
    "Broken",
    "LedgerEntry",
    "LedgerEvent",
    "Subject",
    "SubjectType",
    "Verification",
    "append",
    "head",
    "recent_entries",
    "serialise_appends",
    "verify",
]
