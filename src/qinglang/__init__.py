"""Qinglang (清朗): report handling, self-media governance and a tamper-evident ledger.

The domain packages (``ledger``, ``auth``, ``platform`` …) hold typed service
functions; ``web`` and ``cli`` are thin fronts over the same functions.
"""

__version__ = "0.1.0"
