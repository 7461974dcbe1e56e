"""Review over HTTP: queue, claim, facts, recommendation, proposal, sign-off, regulator, effect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qinglang.actor import Actor
from qinglang.db.engine import Database
from qinglang.measures.outbox import deliver_due
from qinglang.platform.demo import DemoPlatform
from qinglang.platform.seed import seed_demo_platform
from tests.api.conftest import add_user, bearer
from tests.reporting import submission

FACTS_CLEAR = {
    "facts_clear": {"value": True, "reason": "原文与官方通报对照，内容系捏造"},
    "evidence_sufficient": {"value": True, "reason": "辟谣公告与检测报告齐全"},
    "grounds_sufficient": {"value": True, "reason": "举报理由充分"},
}


@pytest.fixture
def people(database: Database) -> dict[str, dict[str, str]]:
    seed_demo_platform(database, actor=Actor.system("test"))
    add_user(database, "intake-bot", "reviewer")
    add_user(database, "li", "reviewer")
    add_user(database, "zhao", "reviewer")
    add_user(database, "wang", "approver")
    add_user(database, "reg", "regulator")
    return {
        "bot": bearer(database, "intake-bot", "reports:submit"),
        "li": bearer(database, "li", "cases:review", "reports:read"),
        "zhao": bearer(database, "zhao", "cases:review", "reports:read"),
        "wang": bearer(database, "wang", "cases:approve", "cases:review", "reports:read"),
        "reg": bearer(database, "reg", "regulator:review", "reports:read"),
    }


def open_case(client: TestClient, people: dict[str, dict[str, str]], post: int = 1) -> int:
    body = submission(client, people["bot"], url=f"https://demo.example.cn/demo-site/posts/{post}")
    answer = client.post("/api/v1/reports", json=body, headers=people["bot"])
    assert answer.status_code == 201, answer.text
    case_id: int = answer.json()["case_id"]
    return case_id


def version(client: TestClient, people: dict[str, dict[str, str]], case_id: int) -> int:
    found: int = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()["version"]
    return found


def claim_and_assess(
    client: TestClient, people: dict[str, dict[str, str]], case_id: int, **extra: Any
) -> dict[str, Any]:
    claimed = client.post(f"/api/v1/cases/{case_id}/claim", headers=people["li"])
    assert claimed.status_code == 200, claimed.text
    body = {"version": claimed.json()["version"], "facts": FACTS_CLEAR} | extra
    assessed = client.post(f"/api/v1/cases/{case_id}/assessment", json=body, headers=people["li"])
    assert assessed.status_code == 200, assessed.text
    result: dict[str, Any] = assessed.json()
    return result


def test_clear_facts_are_removed_on_the_platform(
    client: TestClient, database: Database, people: dict[str, dict[str, str]]
) -> None:
    case_id = open_case(client, people)
    listed = client.get("/api/v1/cases", headers=people["li"]).json()
    assert [c["id"] for c in listed["cases"]] == [case_id]
    assessed = claim_and_assess(client, people, case_id)
    recommended = assessed["recommendation"]
    assert [m["code"] for m in recommended["measures"]] == ["remove"]
    assert recommended["measures"][0]["basis"][0]["id"] == "WS-20"
    proposed = client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={"version": assessed["version"], "measures": [{"code": "remove"}]},
        headers=people["li"],
    )
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["status"] == "decided"
    assert proposed.json()["measures"][0]["target"] == "post:1"
    report = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()["reports"][0]
    assert report["outcome"]["measures"][0]["code"] == "remove"  # the reporter is told (RC-1)
    assert report["outcome"]["measures"][0]["basis"][0]["id"] == "WS-20"
    delivered = deliver_due(database, DemoPlatform(database, "http://test"), worker="t", batch=10)
    assert delivered.claimed == 1
    view = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()
    assert view["status"] == "decided"
    assert [m["status"] for m in view["measures"]] == ["applied"]
    events = [e["event"] for e in view["timeline"]]
    for expected in (
        "report_received",
        "case_opened",
        "case_claimed",
        "case_facts_recorded",
        "case_proposed",
        "measure_recorded",
        "case_decided",
    ):
        assert expected in events, expected
    page = client.get("/demo-site/posts/1")
    assert "该内容已被删除" in page.text


def test_a_departure_needs_a_reason_and_a_second_person_who_is_not_the_proposer(
    client: TestClient, people: dict[str, dict[str, str]], database: Database
) -> None:
    add_user(database, "li2", "approver")
    case_id = open_case(client, people)
    assessed = claim_and_assess(client, people, case_id)
    departing = {"version": assessed["version"], "measures": [{"code": "dispute_label"}]}
    refused = client.post(f"/api/v1/cases/{case_id}/proposal", json=departing, headers=people["li"])
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "reason_required"
    departing["reason"] = "内容部分属实，打争议标记更适当"
    proposed = client.post(
        f"/api/v1/cases/{case_id}/proposal", json=departing, headers=people["li"]
    )
    assert proposed.json()["status"] == "pending_approval"
    assert proposed.json()["departs"] is True
    current = version(client, people, case_id)
    own = bearer(database, "li2", "cases:approve", "cases:review")
    # li2 did not propose it, so may approve; li (the proposer) lacks cases:approve anyway
    approved = client.post(
        f"/api/v1/cases/{case_id}/approval",
        json={"version": current, "approve": True, "note": "同意"},
        headers=own,
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "decided"


def test_no_one_approves_their_own_proposal(
    client: TestClient, people: dict[str, dict[str, str]]
) -> None:
    case_id = open_case(client, people)
    claimed = client.post(f"/api/v1/cases/{case_id}/claim", headers=people["wang"])
    assessed = client.post(
        f"/api/v1/cases/{case_id}/assessment",
        json={"version": claimed.json()["version"], "facts": FACTS_CLEAR},
        headers=people["wang"],
    ).json()
    proposal = {"version": assessed["version"], "measures": [], "reason": "不予处置"}
    proposed = client.post(
        f"/api/v1/cases/{case_id}/proposal", json=proposal, headers=people["wang"]
    )
    assert proposed.json()["status"] == "pending_approval"
    own = client.post(
        f"/api/v1/cases/{case_id}/approval",
        json={"version": version(client, people, case_id), "approve": True},
        headers=people["wang"],
    )
    assert own.status_code == 403
    assert own.json()["error"]["code"] == "own_proposal"


def test_a_stakeholder_case_waits_for_the_regulator(
    client: TestClient, database: Database, people: dict[str, dict[str, str]]
) -> None:
    case_id = open_case(client, people)
    assessed = claim_and_assess(
        client, people, case_id, conditions={"involves_stakeholder_party": "举报方为其股东"}
    )
    assert "regulator_review_provincial" in assessed["recommendation"]["requires"]
    proposed = client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={"version": assessed["version"], "measures": [{"code": "remove"}]},
        headers=people["li"],
    ).json()
    assert proposed["status"] == "pending_regulator"
    commented = client.post(
        f"/api/v1/cases/{case_id}/regulator-review",
        json={"verdict": "comment", "note": "请补充股东关系证明"},
        headers=people["reg"],
    )
    assert commented.status_code == 200
    assert client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()["status"] == (
        "pending_regulator"
    )
    by_reviewer = client.post(
        f"/api/v1/cases/{case_id}/regulator-review",
        json={"verdict": "approve"},
        headers=people["li"],
    )
    assert by_reviewer.status_code == 403
    approved = client.post(
        f"/api/v1/cases/{case_id}/regulator-review",
        json={"verdict": "approve", "note": "同意"},
        headers=people["reg"],
    )
    assert approved.json()["status"] == "approved"
    view = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()
    assert view["status"] == "decided"
    assert [r["status"] for r in view["regulator_reviews"]] == ["approved"]


def test_claims_versions_and_unknown_codes(
    client: TestClient, people: dict[str, dict[str, str]]
) -> None:
    case_id = open_case(client, people)
    first = client.post(f"/api/v1/cases/{case_id}/claim", headers=people["li"])
    taken = client.post(f"/api/v1/cases/{case_id}/claim", headers=people["zhao"])
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "case_claimed"
    stale = client.post(
        f"/api/v1/cases/{case_id}/assessment",
        json={"version": first.json()["version"] - 1, "facts": FACTS_CLEAR},
        headers=people["li"],
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "stale_version"
    unknown = client.post(
        f"/api/v1/cases/{case_id}/assessment",
        json={
            "version": first.json()["version"],
            "facts": FACTS_CLEAR,
            "conditions": {"gossip": "x", "rumour_mill": "y"},
        },
        headers=people["li"],
    )
    assert unknown.status_code == 422
    assert "gossip" in unknown.text
    assert "rumour_mill" in unknown.text
    unreasoned = client.post(
        f"/api/v1/cases/{case_id}/assessment",
        json={
            "version": first.json()["version"],
            "facts": {"facts_clear": {"value": True, "reason": " "}},
        },
        headers=people["li"],
    )
    assert unreasoned.status_code == 422
    assert unreasoned.json()["error"]["code"] == "reason_required"
    not_mine = client.post(
        f"/api/v1/cases/{case_id}/assessment",
        json={"version": first.json()["version"], "facts": FACTS_CLEAR},
        headers=people["zhao"],
    )
    assert not_mine.status_code == 409
    assert not_mine.json()["error"]["code"] == "not_claimed"


def test_make_private_then_expiry_returns_the_case_to_review_then_removal(
    client: TestClient, database: Database, people: dict[str, dict[str, str]], clock: Any
) -> None:
    from datetime import timedelta

    from qinglang.disposal.rereview import reopen_before_expiry

    platform = DemoPlatform(database, "http://test")
    case_id = open_case(client, people, post=2)
    holding = {
        "grounds_sufficient": {"value": True, "reason": "举报理由充分"},
        "evidence_hard_to_obtain_quickly": {"value": True, "reason": "检测报告需两周"},
    }
    claimed = client.post(f"/api/v1/cases/{case_id}/claim", headers=people["li"]).json()
    assessed = client.post(
        f"/api/v1/cases/{case_id}/assessment",
        json={
            "version": claimed["version"],
            "facts": holding,
            "conditions": {"critical_business_juncture": "发布于企业上市前一周"},
        },
        headers=people["li"],
    ).json()
    recommended = assessed["recommendation"]["measures"][0]
    assert recommended["code"] == "make_private_time_limited"
    assert recommended["basis"][0]["id"] == "WS-21"
    proposed = client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={
            "version": assessed["version"],
            "measures": [{"code": recommended["code"], "params": recommended["params"]}],
        },
        headers=people["li"],
    ).json()
    assert proposed["status"] == "decided"
    deliver_due(database, platform, worker="t", batch=10)
    assert "内容暂不可见" in client.get("/demo-site/posts/2").text

    assert reopen_before_expiry(database, actor=Actor.system("worker")) == []  # not yet
    clock.advance(timedelta(days=13))  # 15-day expiry, 3-day window
    assert reopen_before_expiry(database, actor=Actor.system("worker")) == [case_id]
    assert reopen_before_expiry(database, actor=Actor.system("worker")) == []  # once
    view = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()
    assert view["status"] == "open"
    assert view["due_at"] == view["measures"][0]["expires_at"]

    assessed = claim_and_assess(client, people, case_id)
    final = client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={"version": assessed["version"], "measures": [{"code": "remove"}]},
        headers=people["li"],
    ).json()
    assert final["status"] == "decided"
    deliver_due(database, platform, worker="t", batch=10)
    assert "该内容已被删除" in client.get("/demo-site/posts/2").text


def test_an_objection_with_evidence_revokes_and_restores_the_content(
    client: TestClient, database: Database, people: dict[str, dict[str, str]], clock: Any
) -> None:
    from datetime import timedelta

    from tests.reporting import upload

    platform = DemoPlatform(database, "http://test")
    case_id = open_case(client, people, post=3)
    assessed = claim_and_assess(client, people, case_id)
    client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={"version": assessed["version"], "measures": [{"code": "remove"}]},
        headers=people["li"],
    )
    deliver_due(database, platform, worker="t", batch=10)
    assert "该内容已被删除" in client.get("/demo-site/posts/3").text

    relay = bearer(database, "intake-bot", "objections:submit", "reports:submit")
    bare = client.post(
        f"/api/v1/cases/{case_id}/objections",
        json={"party": "account:2", "statement": "内容属实", "evidence": []},
        headers=relay,
    )
    assert bare.status_code == 422
    assert bare.json()["error"]["code"] == "objection_evidence_required"
    proof = upload(client, relay, "检测报告.png")
    objected = client.post(
        f"/api/v1/cases/{case_id}/objections",
        json={"party": "account:2", "statement": "所述质量问题有检测报告为证", "evidence": [proof]},
        headers=relay,
    )
    assert objected.status_code == 201, objected.text
    view = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()
    assert view["status"] == "objection_review"
    assert view["objections"][0]["evidence"] == [proof]
    assert view["reports"][0]["evidence"]  # both sides' evidence on one page

    decided = client.post(
        f"/api/v1/cases/{case_id}/objection-decision",
        json={"version": view["version"], "outcome": "revoke", "reason": "检测报告证明内容属实"},
        headers=people["li"],
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["outcome"] == "revoked"
    deliver_due(database, platform, worker="t", batch=10)
    page = client.get("/demo-site/posts/3").text
    assert "该内容已被删除" not in page
    view = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()
    assert [(m["code"], m["status"]) for m in view["measures"]] == [
        ("remove", "revoked"),
        ("restore", "applied"),
    ]

    clock.advance(timedelta(days=31))
    late = client.post(
        f"/api/v1/cases/{case_id}/objections",
        json={"party": "account:2", "statement": "再次申诉", "evidence": [proof]},
        headers=relay,
    )
    assert late.status_code == 422
    assert late.json()["error"]["code"] == "objection_window_closed"


def test_forged_evidence_twice_refuses_the_reporter(
    client: TestClient, database: Database, people: dict[str, dict[str, str]]
) -> None:
    for post in (4, 5):
        case_id = open_case(client, people, post=post)
        evidence = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()["reports"][
            0
        ]["evidence"][0]["id"]
        marked = client.post(
            f"/api/v1/cases/{case_id}/forged-evidence",
            json={"evidence_id": evidence, "reason": "营业执照编号与登记信息不符"},
            headers=people["li"],
        )
        assert marked.status_code == 200, marked.text
    assert marked.json()["reporter_standing"] == "refused"
    body = submission(client, people["bot"], url="https://demo.example.cn/demo-site/posts/6")
    refused = client.post("/api/v1/reports", json=body, headers=people["bot"])
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "reporter_restricted"
    again = client.post(
        f"/api/v1/cases/{case_id}/forged-evidence",
        json={"evidence_id": evidence, "reason": "again"},
        headers=people["li"],
    )
    assert again.status_code == 409


def test_unfounded_reports_warn_then_push_the_reporter_back_in_the_queue(
    settings: Any, database: Database, people: dict[str, dict[str, str]]
) -> None:
    from qinglang.web.app import create_app

    strict = settings.model_copy(
        update={"reporter_warn_at": (1, 0.5), "reporter_deprioritise_at": (2, 0.5)}
    )
    with TestClient(create_app(strict, database=database)) as client:
        levels = []
        for post in (1, 2):
            case_id = open_case(client, people, post=post)
            claimed = client.post(f"/api/v1/cases/{case_id}/claim", headers=people["li"]).json()
            nothing = {k: {"value": False, "reason": "查无实据"} for k in FACTS_CLEAR}
            assessed = client.post(
                f"/api/v1/cases/{case_id}/assessment",
                json={"version": claimed["version"], "facts": nothing},
                headers=people["li"],
            ).json()
            assert assessed["recommendation"]["measures"] == []
            decided = client.post(
                f"/api/v1/cases/{case_id}/proposal",
                json={"version": assessed["version"], "measures": [], "reason": "查无实据"},
                headers=people["li"],
            ).json()
            assert decided["status"] == "decided"
            entries = [e.event for e in ledger_entries(database)]
            levels.append(entries.count("reporter_warned") + entries.count("reporter_restricted"))
        assert levels == [1, 2]  # warned after one unfounded, deprioritised after two
        late = open_case(client, people, post=3)
        add_user(database, "other-bot", "reviewer")
        other = bearer(database, "other-bot", "reports:submit")
        body = submission(client, other, url="https://demo.example.cn/demo-site/posts/4")
        body["right_holder"] = {"name": "另一家公司"}
        first = client.post("/api/v1/reports", json=body, headers=other).json()["case_id"]
        queue = client.get("/api/v1/cases", headers=people["li"]).json()["cases"]
        assert [c["id"] for c in queue] == [first, late]  # the deprioritised one comes last
        assert queue[1]["priority"] == -1
        page = client.get("/api/v1/cases?limit=1", headers=people["li"]).json()
        rest = client.get(
            "/api/v1/cases", params={"limit": 1, "after": page["next"]}, headers=people["li"]
        ).json()
        assert [c["id"] for c in rest["cases"]] == [late]


def ledger_entries(database: Database) -> list[Any]:
    from qinglang import ledger

    return ledger.recent_entries(database, limit=500)


def test_a_reviewer_linked_to_a_party_cannot_take_its_case(
    client: TestClient, database: Database, people: dict[str, dict[str, str]]
) -> None:
    from qinglang.auth.users import actor_for, find_user
    from qinglang.disposal.review import declare_conflict
    from tests.reporting import CREDIT_CODE

    li = find_user(database, actor=Actor.system("test"), username="li")
    declare_conflict(database, actor=actor_for(li), party=CREDIT_CODE, note="曾任该公司法务")
    case_id = open_case(client, people)
    refused = client.post(f"/api/v1/cases/{case_id}/claim", headers=people["li"])
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "conflict_of_interest"
    assert client.post(f"/api/v1/cases/{case_id}/claim", headers=people["zhao"]).status_code == 200


def test_a_share_of_decisions_is_drawn_for_a_second_review_and_disagreements_count(
    settings: Any, database: Database, people: dict[str, dict[str, str]]
) -> None:
    from qinglang.web.app import create_app

    always = settings.model_copy(update={"second_review_share": 1.0})
    with TestClient(create_app(always, database=database)) as client:
        case_id = open_case(client, people)
        assessed = claim_and_assess(client, people, case_id)
        client.post(
            f"/api/v1/cases/{case_id}/proposal",
            json={"version": assessed["version"], "measures": [{"code": "remove"}]},
            headers=people["li"],
        )
        drawn = client.get("/api/v1/cases/second-reviews", headers=people["li"]).json()
        assert drawn["pending"] == [case_id]
        own = client.post(
            f"/api/v1/cases/{case_id}/second-review",
            json={"agrees": True},
            headers=people["li"],
        )
        assert own.status_code == 403  # li proposed it
        unreasoned = client.post(
            f"/api/v1/cases/{case_id}/second-review",
            json={"agrees": False},
            headers=people["zhao"],
        )
        assert unreasoned.status_code == 422
        recorded = client.post(
            f"/api/v1/cases/{case_id}/second-review",
            json={"agrees": False, "note": "证据不足以删除，应加争议标记"},
            headers=people["zhao"],
        )
        assert recorded.status_code == 200
        summary = client.get("/api/v1/cases/second-reviews", headers=people["li"]).json()
        assert summary | {"pending": []} == {
            "drawn": 1,
            "reviewed": 1,
            "disagreed": 1,
            "disagreement_rate": 1.0,
            "pending": [],
        }


def test_both_sides_are_told_and_the_mailbox_keeps_it_without_a_mail_server(
    client: TestClient, database: Database, people: dict[str, dict[str, str]]
) -> None:
    from qinglang.notices.service import Mailer, mailbox, send_due
    from tests.api.conftest import sign_in

    body = submission(client, people["bot"], url="https://demo.example.cn/demo-site/posts/1")
    body["reporter"]["email"] = "wang@example.cn"
    case_id = client.post("/api/v1/reports", json=body, headers=people["bot"]).json()["case_id"]
    assessed = claim_and_assess(client, people, case_id)
    client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={"version": assessed["version"], "measures": [{"code": "remove"}]},
        headers=people["li"],
    )
    written = {(n.recipient, n.channel, n.address): n for n in mailbox(database)}
    reporter = written[("reporter", "email", "wang@example.cn")]
    assert "删除" in reporter.body
    assert "WS-20" in reporter.body
    party = written[("reported_party", "platform", "post:1")]
    assert "申诉" in party.body  # how to object, and until when (WS-24)
    assert "第二十四条" in party.body

    unreachable = Mailer("127.0.0.1", 1, "noreply@example.cn", None, None, tls=False)
    assert send_due(database, actor=Actor.system("worker"), mailer=unreachable) == 1
    states = {n.address: n.status for n in mailbox(database)}
    assert states == {"wang@example.cn": "failed", "post:1": "kept"}  # retried next round
    assert send_due(database, actor=Actor.system("worker"), mailer=None) == 1
    assert {n.status for n in mailbox(database)} == {"kept"}

    add_user(database, "chen", "compliance")
    sign_in(client, "chen")
    page = client.get("/console/mailbox")
    assert page.status_code == 200
    assert "您的举报已办理完毕" in page.text


FACT_FILES = sorted((Path(__file__).parents[1] / "data" / "facts").glob("*.json"))


@pytest.mark.parametrize("path", FACT_FILES, ids=[p.stem for p in FACT_FILES])
def test_every_clause_through_the_api_gives_the_engines_recommendation(
    path: Path, client: TestClient, people: dict[str, dict[str, str]]
) -> None:
    """WS-18, WS-20 to WS-25 clause by clause: review over HTTP agrees with the engine."""
    import json

    from qinglang.policy.engine import evaluate
    from qinglang.policy.facts import case_facts_from_json
    from tests.reporting import PACK

    data = json.loads(path.read_text(encoding="utf-8"))
    body = submission(client, people["bot"], category=data["category"], subtype=data["subtype"])
    case_id = client.post("/api/v1/reports", json=body, headers=people["bot"]).json()["case_id"]
    claimed = client.post(f"/api/v1/cases/{case_id}/claim", headers=people["li"]).json()
    grading = data.get("grading")
    assessed = client.post(
        f"/api/v1/cases/{case_id}/assessment",
        json={
            "version": claimed["version"],
            "facts": {k: {"value": v, "reason": "核查所得"} for k, v in data["facts"].items()},
            "conditions": dict.fromkeys(data.get("conditions", []), "核查所得"),
            "grading": {d: {"level": lv, "reason": "评估所得"} for d, lv in grading.items()}
            if grading
            else None,
        },
        headers=people["li"],
    )
    assert assessed.status_code == 200, assessed.text
    got = assessed.json()["recommendation"]
    expected = evaluate(PACK, case_facts_from_json(data)).as_dict()
    assert [(m["code"], m["basis"]) for m in got["measures"]] == [
        (m["code"], m["basis"]) for m in expected["measures"]
    ]
    assert got["requires"] == expected["requires"]
    assert got["grade"] == expected["grade"]
    assert (got["no_measure_reason"] is None) == bool(expected["measures"])


def test_an_objection_can_modify_the_measures(
    client: TestClient, database: Database, people: dict[str, dict[str, str]]
) -> None:
    from tests.reporting import upload

    platform = DemoPlatform(database, "http://test")
    case_id = open_case(client, people, post=7)
    assessed = claim_and_assess(client, people, case_id)
    client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={"version": assessed["version"], "measures": [{"code": "remove"}]},
        headers=people["li"],
    )
    deliver_due(database, platform, worker="t", batch=10)
    relay = bearer(database, "intake-bot", "objections:submit", "reports:submit")
    proof = upload(client, relay, "说明.png")
    client.post(
        f"/api/v1/cases/{case_id}/objections",
        json={"party": "account:3", "statement": "部分属实", "evidence": [proof]},
        headers=relay,
    )
    version = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()["version"]
    unnamed = client.post(
        f"/api/v1/cases/{case_id}/objection-decision",
        json={"version": version, "outcome": "modify", "reason": "改为争议标记"},
        headers=people["li"],
    )
    assert unnamed.status_code == 422
    assert unnamed.json()["error"]["code"] == "measures_required"
    modified = client.post(
        f"/api/v1/cases/{case_id}/objection-decision",
        json={
            "version": version,
            "outcome": "modify",
            "reason": "内容部分属实，改为争议标记",
            "measures": [{"code": "dispute_label"}],
        },
        headers=people["li"],
    )
    assert modified.status_code == 200, modified.text
    assert modified.json()["outcome"] == "modified"
    deliver_due(database, platform, worker="t", batch=10)
    view = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()
    assert [(m["code"], m["status"]) for m in view["measures"]] == [
        ("remove", "revoked"),
        ("restore", "applied"),
        ("dispute_label", "applied"),
    ]
    page = client.get("/demo-site/posts/7").text
    assert "该内容已被删除" not in page
