"""A later publication knows the earlier ones: what they printed is known, what they withheld is
withheld again, and a record file that is not one is refused with its name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from complaintflow import ComplaintflowError, load_procedure
from complaintflow.report import AnnualReport, publication, publish, records_from_log
from complaintflow.report.forms import build, kind_of
from complaintflow.report.publications import earlier_knowledge, read_record, record_text
from complaintflow.report.tables import ReportSettings

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def records() -> list[Any]:
    corporate = load_procedure(ROOT / "examples" / "corporate-procedure.toml")
    return list(
        records_from_log(
            ROOT / "examples" / "seed-year" / "events.jsonl", procedures={"corporate": corporate}
        )
    )


def _year(records: list[Any], year: int) -> AnnualReport:
    report = build("children", records, year, procedure="all", settings=ReportSettings())
    assert isinstance(report, AnnualReport)
    return report


def _withheld(report: AnnualReport) -> set[tuple[str, ...]]:
    return {tuple(path) for path in report.suppressed}


def test_next_year_withholds_again_what_last_year_withheld_of_its_column(records: list[Any]) -> None:
    last = publish(_year(records, 2011), 5)
    this = _year(records, 2012)
    earlier = [publication(last)]
    known = earlier_knowledge(
        kind_of(this).ledger(this.model_dump()), this.year, "all", earlier, {"children": kind_of(this).ledger}
    )
    assert known.known_here and known.withheld_here  # last year's column, printed and withheld
    later = publish(this, 5, earlier=earlier)
    counts_now = kind_of(this).ledger(this.model_dump()).counts
    counts_then = kind_of(last).ledger(last.model_dump()).counts
    shared = {
        path for path in _withheld(last) if "2011-12" in path and path in counts_now and path in counts_then
    }
    assert len(shared) > 10 and shared <= _withheld(later)


def test_figures_that_changed_since_do_not_stop_a_publication(records: list[Any]) -> None:
    """The year published early, from half its cases: its printed figures differ from today's and
    are taken as other figures; what it withheld (the year's small counts then) is withheld again,
    even where it has grown since."""
    fewer = publish(_year(records[: len(records) // 2], 2012), 5)
    assert fewer.counts.stage1 is None and fewer.counts_by_year["2011-12"].stage1 == 69
    later = publish(_year(records, 2012), 5, earlier=[publication(fewer)], republish=True)
    assert later.suppress_below == 5 and later.counts.stage1 is None
    assert later.counts_by_year["2011-12"].stage1 == 69  # printed before, with the same value


def test_a_record_is_written_and_read_back(tmp_path: Path, records: list[Any]) -> None:
    first = publication(publish(_year(records, 2011), 5))
    path = tmp_path / "record.json"
    path.write_text(record_text([first]), encoding="utf-8")
    assert read_record(path) == [first]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"publications": [{"year": 1}]}', "record.json is not a publication record"),
        ("not json", "record.json is not a publication record"),
        (None, "cannot read record.json"),
    ],
)
def test_a_record_that_is_not_one_is_refused_by_name(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "record.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ComplaintflowError, match=message) as raised:
        read_record(path)
    assert "publications" not in str(raised.value)  # never the file's content
