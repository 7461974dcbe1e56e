"""Measures as records with periods, and the outbox that applies them on the platform.

- :func:`record_measures` (in the decision's transaction) and :func:`revoke_measure`;
- :func:`deliver_due`, one round of the outbox, run by ``qinglang worker``;
- :func:`expire_due`, :func:`due_soon` and :func:`mark_review_requested`, the timers.
"""

from qinglang.measures.outbox import DeliveryRound, RetryPolicy, claim_due, deliver_due
from qinglang.measures.service import (
    MeasureOrder,
    case_measures,
    record_measures,
    revoke_measure,
)
from qinglang.measures.timers import DueMeasure, due_soon, expire_due, mark_review_requested

__all__ = [
    "DeliveryRound",
    "DueMeasure",
    "MeasureOrder",
    "RetryPolicy",
    "case_measures",
    "claim_due",
    "deliver_due",
    "due_soon",
    "expire_due",
    "mark_review_requested",
    "record_measures",
    "revoke_measure",
]
