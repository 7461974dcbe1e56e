"""The PII finder (WS-14): what it reports, how it masks, what it refuses to report."""

from __future__ import annotations

import pytest

from qinglang.detect.pii import PiiHit, PiiType, find_pii, mask_text

ID = PiiType.RESIDENT_ID
PHONE = PiiType.PHONE
CARD = PiiType.BANK_CARD
EMAIL = PiiType.EMAIL
PASSPORT = PiiType.PASSPORT
ADDRESS = PiiType.ADDRESS


def _only(text: str) -> tuple[PiiType, str, str, str]:
    """The single hit in ``text`` as (type, raw span text, value, masked)."""
    hits = find_pii(text)
    assert len(hits) == 1, hits
    (hit,) = hits
    return hit.type, text[hit.span[0] : hit.span[1]], hit.value, hit.masked


# (text, raw match, value, masked)
RESIDENT_IDS = [
    (
        "身份证110105199003071239号",
        "110105199003071239",
        "110105199003071239",
        "110105********1239",
    ),
    ("证号11010519491231002X。", "11010519491231002X", "11010519491231002X", "110105********002X"),
    (
        "lower-case x: 11010519491231002x",
        "11010519491231002x",
        "11010519491231002X",
        "110105********002X",
    ),
    (
        "身份证１１０１０５１９４９１２３１００２Ｘ",
        "１１０１０５１９４９１２３１００２Ｘ",
        "11010519491231002X",
        "110105********002X",
    ),
    (
        "分组 440305 19900101 123X 完",
        "440305 19900101 123X",
        "44030519900101123X",
        "440305********123X",
    ),
    (
        "连字符440305-1990-0101-123X完",
        "440305-1990-0101-123X",
        "44030519900101123X",
        "440305********123X",
    ),
    ("新疆650102198506150029人", "650102198506150029", "650102198506150029", "650102********0029"),
]

NOT_RESIDENT_IDS = [
    ("wrong check digit", "身份证110105199003071230"),
    ("30 February", "身份证110105199002301231"),
    ("unknown region 000000", "身份证00000019900101123X"),
    ("born before 1900", "身份证110105189901011239"),
    ("17 digits", "身份证11010519900307123"),
    ("inside a 19-digit run", "编号1110105199003071239"),
    ("X followed by letters", "11010519491231002Xabc"),
]

PHONES = [
    ("电话13800138000联系", "13800138000", "+8613800138000", "138****8000"),
    ("电话 138 0013 8000 联系", "138 0013 8000", "+8613800138000", "138****8000"),
    ("手机138-0013-8000", "138-0013-8000", "+8613800138000", "138****8000"),
    ("手机1380 0138 000", "1380 0138 000", "+8613800138000", "138****8000"),
    ("拨打+86 138 0013 8000吧", "+86 138 0013 8000", "+8613800138000", "138****8000"),
    ("拨打+8613800138000吧", "+8613800138000", "+8613800138000", "138****8000"),
    ("拨打0086-13800138000吧", "0086-13800138000", "+8613800138000", "138****8000"),
    ("拨打(+86)13800138000吧", "(+86)13800138000", "+8613800138000", "138****8000"),
    ("手机１３８００１３８０００呀", "１３８００１３８０００", "+8613800138000", "138****8000"),
    (
        "手机＋８６　１３８００１３８０００",
        "＋８６　１３８００１３８０００",
        "+8613800138000",
        "138****8000",
    ),
    ("Tel:13800138000.", "13800138000", "+8613800138000", "138****8000"),
    ("座机010-12345678转", "010-12345678", "+861012345678", "010-****5678"),
    ("座机(0755)12345678好", "(0755)12345678", "+8675512345678", "0755-****5678"),
    ("座机0755-1234 5678好", "0755-1234 5678", "+8675512345678", "0755-****5678"),
    ("座机075512345678好", "075512345678", "+8675512345678", "0755-****5678"),
    ("座机+86 10 1234 5678", "+86 10 1234 5678", "+861012345678", "010-****5678"),
]

NOT_PHONES = [
    ("12x is no mobile range", "号码12345678901"),
    ("10 digits", "号码1380013800"),
    ("12 digits", "号码138001380001"),
    ("86 without + or 00", "号码8613800138000"),
    ("short service number", "拨打10086"),
    ("fixed line too short", "座机0755-1234"),
]

BANK_CARDS = [
    ("UnionPay 19", "卡号6222021234567890128好", "6222021234567890128", "622202*********0128"),
    ("grouped by 4", "卡号6222 0212 3456 7890 128", "6222021234567890128", "622202*********0128"),
    ("hyphens", "卡号6222-0212-3456-7890-128", "6222021234567890128", "622202*********0128"),
    ("6 + rest", "卡号622202 1234567890128", "6222021234567890128", "622202*********0128"),
    (
        "full-width",
        "卡号６２２２０２１２３４５６７８９０１２８",
        "6222021234567890128",
        "622202*********0128",
    ),
    ("Visa 19", "卡4367421234567890129", "4367421234567890129", "436742*********0129"),
    ("Visa 16", "卡4270201234567898", "4270201234567898", "427020******7898"),
    ("Mastercard 51-55", "卡5187101234567899", "5187101234567899", "518710******7899"),
    ("Mastercard 2-series", "卡2223001234567894", "2223001234567894", "222300******7894"),
    ("Amex 15", "卡377677123456782", "377677123456782", "377677*****6782"),
    ("Amex 4-6-5", "卡3776 771234 56782", "377677123456782", "377677*****6782"),
    ("JCB", "卡3568331234567896", "3568331234567896", "356833******7896"),
    ("Discover", "卡6011001234567891", "6011001234567891", "601100******7891"),
]

NOT_BANK_CARDS = [
    ("wrong Luhn digit", "卡号6222021234567890127"),
    ("no known issuer (9…)", "卡号9000001234567898"),
    ("Visa has no 17-digit cards", "卡号42702012345678906"),
    ("20 digits", "卡号62220212345678901280"),
    ("17 digits and an X are an ID with a wrong check digit", "号65312419781228265X"),
    ("an ID-shaped number with a wrong check digit, Luhn valid", "号620102198506150006"),
]


@pytest.mark.parametrize(("text", "raw", "value", "masked"), RESIDENT_IDS)
def test_resident_ids_are_found_with_region_and_last_four_kept(
    text: str, raw: str, value: str, masked: str
) -> None:
    assert _only(text) == (ID, raw, value, masked)


@pytest.mark.parametrize(("why", "text"), NOT_RESIDENT_IDS)
def test_numbers_that_are_not_valid_ids_are_not_ids(why: str, text: str) -> None:
    assert [h for h in find_pii(text) if h.type is ID] == [], why


@pytest.mark.parametrize(("text", "raw", "value", "masked"), PHONES)
def test_phones_are_found_with_e164_value_and_middle_masked(
    text: str, raw: str, value: str, masked: str
) -> None:
    assert _only(text) == (PHONE, raw, value, masked)


@pytest.mark.parametrize(("why", "text"), NOT_PHONES)
def test_numbers_that_are_not_cn_phones_are_not_phones(why: str, text: str) -> None:
    assert find_pii(text) == [], why


def test_phones_separated_by_one_space_are_two_phones() -> None:
    hits = find_pii("电话13800138000 13900139000")
    assert [h.value for h in hits] == ["+8613800138000", "+8613900139000"]


@pytest.mark.parametrize(("scheme", "text", "value", "masked"), BANK_CARDS)
def test_cards_are_found_with_issuer_and_last_four_kept(
    scheme: str, text: str, value: str, masked: str
) -> None:
    hit_type, _raw, hit_value, hit_masked = _only(text)
    assert (hit_type, hit_value, hit_masked) == (CARD, value, masked), scheme


@pytest.mark.parametrize(("why", "text"), NOT_BANK_CARDS)
def test_numbers_that_are_not_valid_cards_are_not_cards(why: str, text: str) -> None:
    assert [h for h in find_pii(text) if h.type is CARD] == [], why


def test_a_valid_id_that_also_passes_luhn_is_an_id_even_when_only_cards_are_asked_for() -> None:
    text = "号码620102198506150154"  # Gansu (62), Luhn-valid: a UnionPay-shaped number
    assert [h.type for h in find_pii(text)] == [ID]
    assert find_pii(text, types={CARD}) == []


EMAILS = [
    ("邮箱abc@example.com谢谢", "abc@example.com", "a***@example.com"),
    (
        "联系张三zhang.san+pii@mail.example.com.cn。",
        "zhang.san+pii@mail.example.com.cn",
        "z***@mail.example.com.cn",
    ),
    ("全角ａｂｃ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ａｂｃ＠ｅｘａｍｐｌｅ．ｃｏｍ", "a***@example.com"),
    ("QQ邮箱12345678@qq.com", "12345678@qq.com", "1***@qq.com"),
]


@pytest.mark.parametrize(("text", "raw", "masked"), EMAILS)
def test_emails_are_found_without_the_chinese_around_them(text: str, raw: str, masked: str) -> None:
    hit_type, hit_raw, _value, hit_masked = _only(text)
    assert (hit_type, hit_raw, hit_masked) == (EMAIL, raw, masked)


PASSPORTS = [
    ("strict form, no keyword", "E12345678", "E12345678", "E*****678"),
    ("strict letter form", "号码EA1234567。", "EA1234567", "EA****567"),
    ("old G form after 护照", "护照号码：G12345678", "G12345678", "G*****678"),
    ("foreign form after passport", "passport no. AB1234567", "AB1234567", "AB****567"),
    ("lower case after 护照", "护照e12345678", "E12345678", "E*****678"),
]

NOT_PASSPORTS = [
    ("G form without a keyword", "车次G12345678"),
    ("I and O are not used in the strict form", "EI1234567"),
    ("9 digits", "E123456789"),
    ("keyword too far away", "护照" + "的" * 30 + "G12345678"),
    ("part of a longer code", "SKU-XE12345678"),
]


@pytest.mark.parametrize(("why", "text", "value", "masked"), PASSPORTS)
def test_passports_are_strict_form_or_near_a_keyword(
    why: str, text: str, value: str, masked: str
) -> None:
    hit_type, _raw, hit_value, hit_masked = _only(text)
    assert (hit_type, hit_value, hit_masked) == (PASSPORT, value, masked), why


@pytest.mark.parametrize(("why", "text"), NOT_PASSPORTS)
def test_passport_look_alikes_are_not_reported(why: str, text: str) -> None:
    assert [h for h in find_pii(text) if h.type is PASSPORT] == [], why


ADDRESSES = [
    ("我住在北京市朝阳区建国路88号，", "北京市朝阳区建国路88号", "北京市朝阳区******"),
    ("广东省深圳市南山区科技园路1号", "广东省深圳市南山区科技园路1号", "广东省深圳市南山区******"),
    (
        "寄到北京市朝阳区建国路88号院3号楼2单元501室吧",
        "北京市朝阳区建国路88号院3号楼2单元501室",
        "北京市朝阳区*****************",
    ),
    ("上海市徐汇区天钥桥路123弄4号", "上海市徐汇区天钥桥路123弄4号", "上海市徐汇区**********"),
    ("深圳南山区桃源村3栋201室", "深圳南山区桃源村3栋201室", "深圳南山区*********"),
    ("他说的区别在于北京市朝阳区建国路88号", "北京市朝阳区建国路88号", "北京市朝阳区******"),
    (
        "浙江省杭州市西湖区文三路９０号",
        "浙江省杭州市西湖区文三路９０号",
        "浙江省杭州市西湖区******",
    ),
]

NOT_ADDRESSES = [
    ("no division name", "幸福路88号"),
    ("no house number", "北京市朝阳区建国路"),
    ("a number that is not a house number", "北京市朝阳区地铁3号线"),
    ("号码 is not 号", "北京市朝阳区建国路88号码"),
    ("made-up division", "某某市某某区建国路88号"),
    ("punctuation between division and road", "北京市朝阳区，幸福路88号"),
]


@pytest.mark.parametrize(("text", "raw", "masked"), ADDRESSES)
def test_addresses_keep_the_division_names_and_mask_the_rest(
    text: str, raw: str, masked: str
) -> None:
    hit_type, hit_raw, _value, hit_masked = _only(text)
    assert (hit_type, hit_raw, hit_masked) == (ADDRESS, raw, masked)


@pytest.mark.parametrize(("why", "text"), NOT_ADDRESSES)
def test_addresses_need_a_real_division_a_road_and_a_number(why: str, text: str) -> None:
    assert [h for h in find_pii(text) if h.type is ADDRESS] == [], why


def test_mask_text_replaces_every_hit_and_keeps_the_rest() -> None:
    text = (
        "张三，身份证11010519491231002X，手机１３８００１３８０００，"
        "邮箱zhangsan@example.com，住北京市朝阳区建国路88号。"
    )
    assert mask_text(text, find_pii(text)) == (
        "张三，身份证110105********002X，手机138****8000，"
        "邮箱z***@example.com，住北京市朝阳区******。"
    )


def test_hits_come_in_text_order_and_spans_index_the_given_text() -> None:
    text = "卡4270201234567898，电话13800138000，护照E12345678"
    hits = find_pii(text)
    assert [h.type for h in hits] == [CARD, PHONE, PASSPORT]
    assert [text[h.span[0] : h.span[1]] for h in hits] == [
        "4270201234567898",
        "13800138000",
        "E12345678",
    ]


def test_types_limits_what_is_returned() -> None:
    text = "电话13800138000，邮箱a@example.com"
    assert [h.type for h in find_pii(text, types={EMAIL})] == [EMAIL]
    assert [h.type for h in find_pii(text, types=[PHONE, EMAIL])] == [PHONE, EMAIL]
    assert find_pii(text, types=()) == []


def test_a_phone_inside_an_email_is_part_of_the_email() -> None:
    assert [h.type for h in find_pii("13800138000@163.com")] == [EMAIL]


def test_as_dict_is_the_shape_the_issue_names() -> None:
    (hit,) = find_pii("电话13800138000")
    assert hit.as_dict() == {"type": "phone", "span": [2, 13], "masked": "138****8000"}


@pytest.mark.parametrize(
    ("why", "hits"),
    [
        ("outside the text", [PiiHit(PHONE, (0, 99), "x", "x")]),
        ("overlapping", [PiiHit(PHONE, (0, 4), "x", "x"), PiiHit(EMAIL, (2, 6), "y", "y")]),
        ("backwards", [PiiHit(PHONE, (4, 2), "x", "x")]),
    ],
)
def test_mask_text_refuses_hits_that_do_not_fit_the_text(why: str, hits: list[PiiHit]) -> None:
    with pytest.raises(ValueError, match="hit span"):
        mask_text("0123456789", hits)


BAD_INPUTS = {
    "empty": "",
    "1 MB of Chinese": "清朗网络" * 262_144,
    "1 MB of digits": "1" * 1_048_576,
    "1 MB of digit groups": "6222 " * 209_715,
    "1 MB of house numbers": "区区路1号" * 209_715,
    "1 MB of dots and at signs": "a@a." * 262_144,
    "lone surrogates": "\ud800电话\udfff13800138000\ud800",
    "noncharacters and the last code point": "\ufffe\uffff\U0010ffff\U000effff",
    "right-to-left override": "\u202e电话13800138000\u202c \u200f",
    "combining marks": "1\u03013800138000 电话\u0301\u0302 11010519491231002X\u0300",
    "mixed scripts": "Тел. 13800138000 هاتف ٠١٢٣٤٥٦٧٨٩ 電話 ＴＥＬ שלום",
    "controls": "\x00\x01\x1b[31m\x7f\u0085",
    "zero-width inside a number": "138\u200b0013\u200b8000",
}


@pytest.mark.parametrize("text", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_never_raises(text: str) -> None:
    hits = find_pii(text)
    assert all(0 <= h.span[0] < h.span[1] <= len(text) for h in hits)
    masked = mask_text(text, hits)
    assert isinstance(masked, str)


def test_spans_stay_right_at_the_end_of_a_1_mb_text() -> None:
    text = "清朗" * 524_288 + "电话１３８００１３８０００"
    (hit,) = find_pii(text)
    assert hit.span == (len(text) - 11, len(text))
