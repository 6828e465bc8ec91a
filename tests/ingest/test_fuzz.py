"""Any input gives a plan or a clear IngestError, never another exception."""

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duban.ingest.errors import IngestError
from duban.ingest.service import ingest_document
from duban.plan.planfile import dump_plan, parse_plan_text

PLAN_WORDS = ["新增", "力争", "不低于", "以上", "左右", "分别", "、", ",", "。", "\n", "\n\n", "**", "“", "”",
              "各县(市、区)", "镇雄县", "亿元", "万", "%", "个", "户", "1", "2026年", "5.5", "百万亩", "项目", "已",
              "一、", "(一)", "1 ", "\t", "牵头单位:", "去年", "千万吨级", " and ", "１２"]  # fmt: skip
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def outcome(path: Path) -> str:
    try:
        plan = ingest_document(path=path).plan
    except IngestError as exc:
        assert str(exc)
        return "error"
    parse_plan_text(dump_plan(plan))
    return "plan"


@SETTINGS
@given(data=st.binary(max_size=4000))
def test_binary_junk(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "junk.txt"
    path.write_bytes(data)
    assert outcome(path) in ("plan", "error")


@SETTINGS
@given(text=st.lists(st.sampled_from(PLAN_WORDS) | st.text(max_size=5), max_size=300).map("".join))
def test_plan_like_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    assert outcome(path) in ("plan", "error")


@SETTINGS
@given(
    member=st.sampled_from(["word/document.xml", "[Content_Types].xml", "x"]), body=st.binary(max_size=500)
)
def test_malformed_docx(tmp_path: Path, member: str, body: bytes) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(member, body)
    path = tmp_path / "plan.docx"
    path.write_bytes(out.getvalue())
    assert outcome(path) == "error"


@SETTINGS
@given(cut=st.integers(min_value=1, max_value=5000))
def test_truncated_pdf(tmp_path: Path, cut: int) -> None:
    data = (Path(__file__).resolve().parent.parent / "data" / "ingest" / "liyang-extract.pdf").read_bytes()
    path = tmp_path / "plan.pdf"
    path.write_bytes(data[:cut])
    assert outcome(path) in ("plan", "error")


@pytest.mark.slow
@pytest.mark.parametrize(
    "unit",
    ["全年新增学位1.5万个,力争净增企业700户以上。\n\n", "1个、" * 50 + "\n", "“" + "甲," * 40 + "\n"],
)
def test_ten_megabytes_of_text(tmp_path: Path, unit: str) -> None:
    path = tmp_path / "big.txt"
    path.write_text(unit * (10_000_000 // len(unit.encode("utf-8")) + 1), encoding="utf-8")
    assert path.stat().st_size >= 10_000_000
    assert outcome(path) in ("plan", "error")
