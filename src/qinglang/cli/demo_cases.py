"""A few reports and cases for `qinglang demo`, so that every queue and the dashboard show
something on first start: the same services the API and the console call, no shortcuts.

- a doxxing report on the rapid channel (GD-1), decided: clear facts, a first poster
  handled strictly (removal and account measures, which the worker delivers to the demo
  platform);
- another whose incitement makes it severe: closing the account waits for an approver;
- an enterprise rumour report with its licence and a debunk, open in the reviewer's queue;
- an enterprise report without documents, awaiting a supplement (补正).
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from sqlalchemy import select

from qinglang.actor import Actor
from qinglang.auth.models import User
from qinglang.auth.users import actor_for, find_user
from qinglang.db.engine import Database
from qinglang.disposal import review
from qinglang.disposal.review import Finding, ProposedMeasure
from qinglang.disposal.rules import DisposalRules
from qinglang.intake.evidence import upload_evidence
from qinglang.intake.reports import Intake
from qinglang.intake.store import EvidenceStore
from qinglang.intake.submission import SubmissionIn, parse
from qinglang.platform.models import PlatformPost
from qinglang.settings import Settings

DEMO_SITE = "https://demo.example.cn/demo-site/posts/{}"


def _post(database: Database, title_part: str) -> int:
    with database.unit_of_work(read_only=True) as uow:
        found = uow.session.scalars(
            select(PlatformPost.id).where(PlatformPost.title.contains(title_part))
        ).first()
    if found is None:
        raise LookupError(f"the demo platform has no post titled …{title_part}…")
    return found


def _png(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), (shade, 120, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def _person(post: int, subtype: str, statement: str, **extra: Any) -> dict[str, Any]:
    return {
        "reporter": {"kind": "individual", "name": "周女士", "phone": "13900139000"},
        "right_holder": {"name": "周女士"},
        "category": "cyber_violence",
        "subtype": subtype,
        "statement": statement,
        "targets": [{"url": DEMO_SITE.format(post)}],
        "declaration": {"accepted": True, "version": "2023-08"},
        "zone": "rapid_channel",
    } | extra


def _enterprise(post: int, evidence: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "reporter": {"kind": "enterprise", "name": "刘经理", "email": "legal@huajin.example.cn"},
        "right_holder": {"name": "华锦科技有限公司"},
        "category": "rumour",
        "subtype": "exaggerated_difficulty",
        "statement": "该帖捏造我公司资金链断裂、即将破产的消息，与我公司公开披露的经营情况不符。",
        "targets": [{"url": DEMO_SITE.format(post)}],
        "evidence": evidence,
        "declaration": {"accepted": True, "version": "2023-08"},
    }


def _decide(
    database: Database,
    intake: Intake,
    rules: DisposalRules,
    reviewer: User,
    case_id: int,
    conditions: dict[str, str],
) -> None:
    actor = actor_for(reviewer)
    case = review.claim(database, actor=actor, case_id=case_id)
    case, decision = review.assess(
        database,
        actor=actor,
        packs=intake.packs,
        case_id=case_id,
        version=case.version,
        facts={
            "facts_clear": Finding(True, "快照与举报所述一致"),
            "evidence_sufficient": Finding(True, "快照保存了原帖全文"),
        },
        conditions={code: Finding(True, why) for code, why in conditions.items()},
        grading=None,
    )
    review.propose(
        database,
        actor=actor,
        packs=intake.packs,
        adapter=intake.snapshots.adapter,
        case_id=case_id,
        version=case.version,
        measures=[ProposedMeasure(m.code, dict(m.params)) for m in decision.measures],
        reason="",
        rules=rules,
    )


def seed_demo_cases(
    database: Database, *, settings: Settings, intake: Intake, rules: DisposalRules
) -> int:
    """Submit the demo's reports and take two cases as far as a reviewer would; how many."""
    seeder = Actor.system("demo-seed")
    admin = find_user(database, actor=seeder, username="admin")
    reviewer = find_user(database, actor=seeder, username="reviewer")
    submitter = actor_for(admin)
    store = EvidenceStore(settings.evidence_dir)

    def submit(body: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = intake.submit(
            actor=submitter, submission=parse(SubmissionIn, body)
        )
        return answer

    def upload(name: str, shade: int) -> str:
        evidence = upload_evidence(
            database,
            actor=submitter,
            store=store,
            source=io.BytesIO(_png(shade)),
            filename=name,
            limit=settings.evidence_max_bytes,
            owner=f"user:{admin.id}",
        )
        return evidence.id

    doxxed = _post(database, "那个人事经理")
    contacts = _post(database, "质检员的联系方式")
    rumour = _post(database, "资金链断裂，即将破产")
    pay_cut = _post(database, "全员降薪50%")
    first = submit(
        _person(contacts, "privacy_violation", "帖子公布了我的手机号和单位，号召大家去“问问”我。")
    )
    _decide(database, intake, rules, reviewer, first["case_id"], {"first_post": "该账号为首发"})
    severe = submit(
        _person(doxxed, "privacy_violation", "帖子公开了我的身份证号和住址，评论区有人说要上门。")
    )
    _decide(database, intake, rules, reviewer, severe["case_id"], {"incitement": "号召上门骚扰"})
    licence, debunk = upload("营业执照.png", 30), upload("辟谣声明.png", 60)
    documents = [
        {"id": licence, "type": "business_licence"},
        {"id": debunk, "type": "official_debunk"},
    ]
    submit(_enterprise(rumour, documents))
    submit(_enterprise(pay_cut, []))
    return 4
