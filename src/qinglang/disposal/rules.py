"""The platform's disposal settings, passed to every decision that takes effect."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from qinglang.intake.standing import ReporterPolicy
from qinglang.notices.service import NoticeSettings
from qinglang.policy.model import Pack
from qinglang.settings import Settings


@dataclass(frozen=True)
class DisposalRules:
    reporters: ReporterPolicy = field(default_factory=ReporterPolicy)
    second_review_share: float = 0.05  # WS-27: share of decided cases drawn for a re-check
    draw: random.Random = field(default_factory=random.SystemRandom, compare=False)
    notices: NoticeSettings = field(default_factory=NoticeSettings)
    packs: Mapping[str, Pack] = field(default_factory=dict)  # measure labels in notices, by id

    @classmethod
    def from_settings(
        cls, settings: Settings, reporters: ReporterPolicy, packs: Mapping[str, Pack]
    ) -> DisposalRules:
        return cls(
            reporters=reporters,
            second_review_share=settings.second_review_share,
            notices=NoticeSettings(
                base_url=settings.base_url,
                platform=settings.platform_name,
                objection_window=timedelta(days=settings.objection_window_days),
            ),
            packs=packs,
        )
