"""Building the intake service from settings, the same way for the web app and the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from functools import cache
from types import MappingProxyType

from qinglang.db.engine import Database
from qinglang.intake.access import AccessTokens
from qinglang.intake.reports import PACK, Intake, IntakeRules
from qinglang.intake.snapshots import Snapshots
from qinglang.intake.standing import ReporterPolicy
from qinglang.intake.store import EvidenceStore
from qinglang.intake.targets import TargetRules
from qinglang.platform.adapter import PlatformAdapter
from qinglang.platform.demo import DemoPlatform
from qinglang.policy.campaigns import Campaign, load_campaigns
from qinglang.policy.loader import load_packs
from qinglang.policy.model import Pack
from qinglang.settings import Settings


@cache
def shipped_packs() -> Mapping[str, Pack]:
    """The shipped packs, read once per process (the worker builds intake every round)."""
    return MappingProxyType(load_packs())


def shipped_pack() -> Pack:
    """The default pack: the enterprise zone's and the campaigns'."""
    return shipped_packs()[PACK]


@cache
def shipped_campaigns() -> Mapping[str, Campaign]:
    return MappingProxyType(load_campaigns())


def build_intake(
    database: Database,
    settings: Settings,
    *,
    store: EvidenceStore | None = None,
    adapter: PlatformAdapter | None = None,
) -> Intake:
    """Intake on ``database`` with the shipped pack and campaigns; the demo platform's
    adapter unless another is given."""
    return Intake(
        database,
        pack=shipped_pack(),
        packs=shipped_packs(),
        campaigns=shipped_campaigns(),
        snapshots=Snapshots(
            adapter if adapter is not None else DemoPlatform(database, settings.base_url),
            store if store is not None else EvidenceStore(settings.evidence_dir),
        ),
        tokens=AccessTokens(settings.secret_key.get_secret_value()),
        rules=IntakeRules(
            supplement_days=settings.supplement_days,
            duplicate_window=timedelta(days=settings.duplicate_window_days),
            targets=TargetRules(host_aliases=dict(settings.target_host_aliases)),
            reporters=reporter_policy(settings),
        ),
    )


def reporter_policy(settings: Settings) -> ReporterPolicy:
    return ReporterPolicy(
        window=timedelta(days=settings.reporter_window_days),
        warn_reports=settings.reporter_warn_at[0],
        warn_share=settings.reporter_warn_at[1],
        deprioritise_reports=settings.reporter_deprioritise_at[0],
        deprioritise_share=settings.reporter_deprioritise_at[1],
        refuse_reports=settings.reporter_refuse_at[0],
        refuse_share=settings.reporter_refuse_at[1],
        refuse_days=settings.reporter_refuse_days,
    )
