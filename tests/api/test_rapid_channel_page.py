"""The rapid channel's public form (GD-1, GD-2): a person harmed reports without documents,
without JavaScript, and the report is due in hours and comes first."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from qinglang.cases.models import Case
from qinglang.db.engine import Database
from qinglang.intake.models import Report
from tests.api.test_public_pages import keys_of, post, report_count

ZONE = "/report?zone=rapid_channel"


def person(**override: str | None) -> dict[str, str]:
    data: dict[str, str | None] = {
        "zone": "rapid_channel",
        "reporter_kind": "individual",
        "reporter_name": "陈女士",
        "reporter_phone": "13900139000",
        "reporter_email": "",
        "holder_name": "陈女士",
        "category": "cyber_violence",
        "subtype": "cyber_violence.privacy_violation",
        "statement": "有人公开了我的住址和电话，并号召他人上门骚扰。",
        "targets": "https://demo.example.cn/demo-site/posts/3",
        "declaration": "1",
    }
    data.update(override)
    return {k: v for k, v in data.items() if v is not None}


def test_the_form_asks_for_the_person_harmed_not_an_enterprise(client: TestClient) -> None:
    page = client.get(ZONE)
    assert page.status_code == 200
    html = page.text
    assert "网络暴力信息举报快速处置通道" in html
    assert "被侵害人姓名或网络昵称" in html
    assert 'name="involves_minor"' in html
    assert "侵犯隐私（“人肉搜索”）" in html
    assert "网络欺凌" in html
    assert 'name="credit_code"' not in html  # no enterprise fields
    assert 'name="delegated"' not in html
    assert "营业执照" not in html  # no identity document is asked for
    english = client.get(ZONE + "&lang=en").text
    assert "Rapid channel for cyber-violence reports" in english
    assert "The person harmed is a minor (under 18)" in english


def test_a_person_reports_without_documents_and_the_case_is_due_in_hours(
    client: TestClient, database: Database
) -> None:
    received = database.clock.now()
    done = post(client, ZONE, person(involves_minor="1"))
    number, _token = keys_of(done)
    with database.unit_of_work(read_only=True) as uow:
        stored = uow.session.scalars(select(Report)).one()
        case = uow.session.get(Case, stored.case_id)
        assert case is not None
        assert stored.tracking_no == number
        assert (stored.pack, stored.status, stored.channel) == (
            "cac-guidance-2023",
            "accepted",
            "web_form",
        )
        assert stored.involves_minor is True
        assert stored.right_holder_credit_code is None
        assert case.hours == 12
        assert case.due_at == received + timedelta(hours=12)
        assert case.priority == 5  # cyber violence (2) and a minor (3)


def test_missing_items_are_the_channels_own_and_named_at_once(
    client: TestClient, database: Database
) -> None:
    page = post(client, ZONE, person(statement="", targets="", declaration=None, holder_name=""))
    assert report_count(database) == 0
    html = page.text
    assert "请填写被侵害人的姓名。" in html
    assert "权利主体资格证明" not in html  # never asked on this channel


def test_an_enterprise_category_is_not_one_of_the_channels(
    client: TestClient, database: Database
) -> None:
    page = post(client, ZONE, person(category="rumour", subtype="rumour.other"))
    assert report_count(database) == 0
    assert page.status_code in (400, 422)


def test_the_enterprise_form_offers_the_minor_flag(client: TestClient, database: Database) -> None:
    page = client.get("/report")
    assert "被举报信息侵害未成年人" in page.text
    assert 'name="credit_code"' in page.text
