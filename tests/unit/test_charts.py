"""Charts are SVG drawn on the server: well-formed, labelled for a screen reader, escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from qinglang.oversight import charts

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label")
    assert root.find(f"{SVG}title") is not None
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_a_bar_chart_has_a_bar_and_a_value_per_item() -> None:
    root = parsed(charts.bar_chart("处置措施", [("删除", 3), ("禁言", 1)]))
    assert root.find(f"{SVG}title").text == "处置措施"  # type: ignore[union-attr]
    bars = list(root.iter(f"{SVG}rect"))
    assert len(bars) == 2
    assert int(bars[0].get("width", "0")) > int(bars[1].get("width", "0"))
    assert texts(root) == ["删除", "3", "禁言", "1"]
    assert "删除: 3" in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]


def test_labels_are_escaped() -> None:
    hostile = '<script>alert("x")</script> & "quoted"'
    svg = charts.bar_chart(hostile, [(hostile, 2)])
    assert "<script>" not in svg
    root = parsed(svg)
    assert hostile in texts(root)
    assert root.get("aria-label") == hostile
    line = charts.line_chart("t", ["<d1>", "d2"], [(hostile, [1, 2])])
    assert "<script>" not in line
    assert hostile in texts(parsed(line))


@pytest.mark.parametrize(
    "svg",
    [
        charts.bar_chart("空", [], empty="暂无数据"),
        charts.bar_chart("零", [("删除", 0)], empty="暂无数据"),
        charts.line_chart("零", ["2023-09-01"], [("收到", [0])], empty="暂无数据"),
        charts.share_bar("无", None, caption="", empty="暂无数据"),
    ],
)
def test_no_data_says_so(svg: str) -> None:
    root = parsed(svg)
    assert texts(root) == ["暂无数据"]
    assert not list(root.iter(f"{SVG}rect"))


def test_a_line_per_series_over_the_days() -> None:
    root = parsed(
        charts.line_chart(
            "每日", ["2023-09-01", "2023-09-02"], [("收到", [2, 1]), ("办结", [0, 1])]
        )
    )
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 2
    assert len(lines[0].get("points", "").split()) == 2
    assert {"2023-09-01", "2023-09-02", "收到", "办结"} <= set(texts(root))


def test_the_share_bar_fills_to_the_share() -> None:
    root = parsed(charts.share_bar("限时办结率", 2 / 3, caption="3 件中 2 件"))
    outline, filled = list(root.iter(f"{SVG}rect"))
    assert round(int(filled.get("width", "0")) / int(outline.get("width", "1")), 2) == 0.67
    assert texts(root) == ["66.7% · 3 件中 2 件"]


def test_no_script_and_no_external_font() -> None:
    svg = charts.bar_chart("x", [("a", 1)]) + charts.line_chart("y", ["d"], [("s", [1])])
    assert "<script" not in svg
    assert "@import" not in svg
    assert "url(" not in svg
    assert "href" not in svg
