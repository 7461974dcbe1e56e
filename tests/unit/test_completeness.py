"""WS-5 completeness, table-driven over every category of the cac-ws-2023 pack."""

from __future__ import annotations

from dataclasses import replace

import pytest

from qinglang.errors import InvalidInput
from qinglang.intake.completeness import ReportFacts, check
from qinglang.intake.identifiers import credit_code, email, phone
from qinglang.policy import load_pack, packs_dir

PACK = load_pack(packs_dir() / "cac-ws-2023.toml")
COMPLETE = ReportFacts(
    category="rumour",
    subtype="product_quality_defamation",
    statement="该帖捏造我司产品质量问题。",
    delegated=False,
    reporter_name="华锦科技有限公司 法务部 张敏",
    reporter_phone="13800138000",
    reporter_email=None,
    targets=("https://example.cn/demo-site/posts/12",),
    evidence_types=("business_licence", "official_debunk"),
    declaration_accepted=True,
)
FIRST_SUBTYPE = {c.code: c.subtypes[0].code for c in PACK.categories}


def missing_items(facts: ReportFacts) -> list[str]:
    return [m.item for m in check(facts, PACK).missing]


def test_a_complete_report_lacks_nothing() -> None:
    result = check(COMPLETE, PACK)
    assert result.complete
    assert result.not_counted == ()


@pytest.mark.parametrize(
    ("category", "evidence", "lacks_preliminary"),
    [
        # identity-only categories (WS-7, 13, 15): the business licence suffices
        ("impersonation", ("business_licence",), False),
        ("insult", ("business_licence",), False),
        ("privacy_leak", ("entrepreneur_identity",), False),
        # listed-types categories (WS-9, 11, 17): identity alone is not enough
        ("misleading", ("business_licence",), True),
        ("rumour", ("business_licence",), True),
        ("interference", ("business_licence",), True),
        # ... and one listed type is
        ("misleading", ("business_licence", "retraction_letter"), False),
        ("rumour", ("business_licence", "standard"), False),
        ("interference", ("business_licence", "enterprise_collected_evidence"), False),
        # impersonation may also bring the WS-7 extras
        ("impersonation", ("business_licence", "site_filing_record"), False),
    ],
)
def test_preliminary_evidence_follows_each_categorys_rule(
    category: str, evidence: tuple[str, ...], lacks_preliminary: bool
) -> None:
    facts = replace(
        COMPLETE, category=category, subtype=FIRST_SUBTYPE[category], evidence_types=evidence
    )
    assert ("preliminary_evidence" in missing_items(facts)) is lacks_preliminary


def test_evidence_of_another_category_is_kept_but_not_counted() -> None:
    facts = replace(
        COMPLETE,
        category="insult",
        subtype="abuse",
        evidence_types=("business_licence", "standard"),
    )
    result = check(facts, PACK)
    assert result.complete
    assert result.not_counted == ("standard",)
    rumour = replace(COMPLETE, evidence_types=("business_licence", "retraction_letter"))
    assert missing_items(rumour) == ["preliminary_evidence"]
    assert check(rumour, PACK).not_counted == ("retraction_letter",)


@pytest.mark.parametrize(
    ("evidence", "code"),
    [
        (("business_licence", "official_debunk"), "agent_proof_missing"),
        (("business_licence", "official_debunk", "agent_identity"), "agent_proof_missing"),
        (("business_licence", "official_debunk", "agent_identity", "power_of_attorney"), None),
    ],
)
def test_a_delegated_report_needs_the_agents_identity_and_power_of_attorney(
    evidence: tuple[str, ...], code: str | None
) -> None:
    result = check(replace(COMPLETE, delegated=True, evidence_types=evidence), PACK)
    assert [m.code for m in result.missing] == ([code] if code else [])
    if code:
        assert "授权委托书" in result.missing[0].message.zh


def test_every_missing_item_is_listed_at_once_in_both_languages() -> None:
    empty = ReportFacts(
        category="rumour",
        subtype="other",
        statement=" ",
        delegated=True,
        reporter_name="",
        reporter_phone=None,
        reporter_email=None,
        targets=(),
        evidence_types=(),
        declaration_accepted=False,
    )
    result = check(empty, PACK)
    assert [(m.item, m.code) for m in result.missing] == [
        ("statement", "statement_missing"),
        ("right_holder_proof", "right_holder_proof_missing"),
        ("agent_proof", "agent_proof_missing"),
        ("reporter_contact", "reporter_name_missing"),
        ("target_locator", "target_locator_missing"),
        ("preliminary_evidence", "preliminary_evidence_missing"),
        ("declaration", "declaration_missing"),
    ]
    assert all(m.message.zh and m.message.en for m in result.missing)
    assert "权威辟谣信息" in result.missing[5].message.zh  # says what would satisfy it


@pytest.mark.parametrize(
    ("phone_number", "mail", "code"),
    [
        (None, None, "reporter_contact_missing"),
        ("12345", None, "reporter_contact_invalid"),
        (None, "zhang@", "reporter_contact_invalid"),
        ("12345", "zhang@huajin.example.cn", None),  # one contact that parses is enough
        ("010-12345678", None, None),
    ],
)
def test_the_reporters_contact_must_parse(
    phone_number: str | None, mail: str | None, code: str | None
) -> None:
    result = check(replace(COMPLETE, reporter_phone=phone_number, reporter_email=mail), PACK)
    assert [m.code for m in result.missing] == ([code] if code else [])


@pytest.mark.parametrize(
    ("category", "subtype", "code"),
    [
        ("gossip", "other", "unknown_category"),
        ("rumour", "no_such_subtype", "unknown_subtype"),
        ("rumour", "abuse", "subtype_of_other_category"),
    ],
)
def test_unknown_categories_and_subtypes_are_refused(
    category: str, subtype: str, code: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        check(replace(COMPLETE, category=category, subtype=subtype), PACK)
    assert caught.value.code == code


def test_unknown_evidence_types_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        check(replace(COMPLETE, evidence_types=("selfie",)), PACK)
    assert caught.value.code == "unknown_evidence_type"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("91110000600037341L", "91110000600037341L"),
        ("9111 0000 6000 3734 1l", "91110000600037341L"),
        ("91110000600037341M", None),
        ("", None),
    ],
)
def test_unified_social_credit_codes_are_checked_with_their_check_digit(
    value: str, expected: str | None
) -> None:
    assert credit_code(value) == expected


def test_phones_and_emails_parse_or_not() -> None:
    assert phone("138 0013 8000") == "+8613800138000"
    assert phone("not a phone") is None
    assert email(" Zhang@Huajin.example.CN ") == "Zhang@huajin.example.cn"
    assert email("zhang@@x") is None
