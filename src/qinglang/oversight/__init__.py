"""The regulator's side (WS-28, WS-29, CP-2, ES-1, BS-1): legal holds and retention of the
domain's records, statistics, periodic reports, inspections and the regulator's portal.

It reads every other domain package and writes only its own records and ledger entries;
the regulator's users read here and never change anything else.
"""
