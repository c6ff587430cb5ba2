"""Every desk page, for each role and in each state: an empty store, a long list, errors."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from desk_support import add_account, desk_client, post_form, received, signed_in

from complaintflow.store import open_store
from complaintflow.store.base import EventStore
from complaintflow.store.tokens import create_token

#: Each page, and the grant its role must have.
PAGES = {
    "/desk/cases": "read",
    "/desk/cases?show=team": "read",
    "/desk/cases?show=all&procedure=lgsco-2026&stage=1": "read",
    "/desk/cases/new": "write",
    "/desk/find": "read",
    "/desk/reports": "report",
    "/desk/reports/lgsco-2026/2026-27": "report",
    "/desk/admin/users": "admin",
    "/desk/admin/tokens": "admin",
    "/desk/admin/webhooks": "admin",
    "/desk/admin/deliveries": "admin",
    "/desk/accessibility": "read",
}
GRANTS = {
    "officer": {"read", "write"},
    "manager": {"read", "write", "report"},
    "admin": {"read", "write", "report", "admin"},
}


@pytest.fixture
def store(tmp_path: Path) -> EventStore:
    store = open_store(f"sqlite:{tmp_path / 'desk.db'}")
    for role in GRANTS:
        add_account(store, role, role, "housing")
    return store


def _labelled(page: str) -> None:
    """Every visible form control has a label (or a legend around it), as axe asks."""
    ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', page)
    for control in ids:
        assert f'for="{control}"' in page, f"control {control} has no label"


@pytest.mark.parametrize("role", sorted(GRANTS))
@pytest.mark.parametrize("url", sorted(PAGES))
def test_every_page_renders_for_each_role_on_an_empty_store(store: EventStore, role: str, url: str) -> None:
    page = signed_in(store, role).get(url)
    if PAGES[url] in GRANTS[role]:
        assert page.status_code == 200, page.text
        _labelled(page.text)
        assert f"Signed in as <strong>{role}</strong>" in page.text
    else:
        assert page.status_code == 403
        assert "You cannot see this page" in page.text


@pytest.mark.parametrize("url", [*sorted(PAGES), "/desk/cases/C-1", "/desk/cases.csv"])
def test_nobody_signed_in_is_sent_to_sign_in(store: EventStore, url: str) -> None:
    answer = desk_client(store).get(url)
    if url == "/desk/accessibility":
        assert answer.status_code == 200
    else:
        assert answer.status_code == 303 and answer.headers["location"] == "/desk/sign-in"


def test_the_desks_home_is_the_daily_list(store: EventStore) -> None:
    assert desk_client(store).get("/desk/").headers["location"] == "/desk/cases"
    client = signed_in(store, "officer")
    assert client.get("/desk/", follow_redirects=True).url.path == "/desk/cases"


def test_the_sign_in_page_has_labelled_fields(store: EventStore) -> None:
    page = desk_client(store).get("/desk/sign-in")
    assert page.status_code == 200
    _labelled(page.text)
    assert 'autocomplete="current-password"' in page.text


@pytest.fixture
def busy(store: EventStore) -> EventStore:
    """120 complaints: those received in October overdue on the desk's day, owned by two officers."""
    for number in range(120):
        case_id = f"C-{number:03d}"
        day = f"2026-10-{1 + number % 28:02d}" if number % 3 == 0 else f"2026-11-{2 + number % 17:02d}"
        received(store, case_id, day, service_area='=HYPERLINK("http://x")' if number == 0 else "Housing")
        officer = "officer" if number % 2 else "someone-else"
        store.append(
            case_id,
            [{"type": "Assigned", "case_id": case_id, "on": day, "officer": officer, "team": "housing"}],
        )
    return store


def _rows(page: str) -> list[str]:
    return re.findall(
        r'<th scope="row" class="govuk-table__header"><a class="govuk-link" href="/desk/cases/([^"]+)"', page
    )


def test_a_long_daily_list_is_paged_overdue_first(busy: EventStore) -> None:
    client = signed_in(busy, "officer")
    first = client.get("/desk/cases?show=all")
    assert first.status_code == 200
    assert 'class="govuk-pagination"' in first.text
    counts = re.search(r'id="counts">(\d+) deadlines, (\d+) overdue<', first.text)
    assert counts is not None
    total, overdue = int(counts.group(1)), int(counts.group(2))
    assert total > 50 and 0 < overdue < total
    statuses = re.findall(r"govuk-tag--(red|blue)", first.text)
    assert statuses == sorted(statuses, key=lambda colour: colour != "red"), "overdue first"
    last = -(-total // 50)
    pages = [_rows(client.get(f"/desk/cases?show=all&page={n}").text) for n in range(1, last + 1)]
    assert [len(rows) for rows in pages[:-1]] == [50] * (last - 1)
    assert sum(len(rows) for rows in pages) == total
    assert _rows(client.get(f"/desk/cases?show=all&page={last + 5}").text) == pages[-1], (
        "past the end: the last"
    )


def test_my_cases_are_the_ones_i_own(busy: EventStore) -> None:
    client = signed_in(busy, "officer")
    mine = set(_rows(client.get("/desk/cases?show=mine").text))
    assert mine and all(int(case_id[2:]) % 2 == 1 for case_id in mine)
    assert set(_rows(client.get("/desk/cases?show=all&owner=someone-else").text)).isdisjoint(mine)


def test_the_daily_list_as_csv_runs_no_formula(busy: EventStore) -> None:
    answer = signed_in(busy, "officer").get("/desk/cases.csv?show=all")
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) > 100
    areas = {row["service_area"] for row in rows}
    assert '\'=HYPERLINK("http://x")' in areas
    assert not any(
        cell[:1] in "=+-@" for row in rows for cell in row.values() if cell and not cell.lstrip("-").isdigit()
    )


def test_find_a_case(busy: EventStore) -> None:
    client = signed_in(busy, "officer")
    assert client.get("/desk/find?reference=C-007").headers["location"] == "/desk/cases/C-007"
    missing = client.get("/desk/find?reference=NOPE")
    assert missing.status_code == 404
    assert 'class="govuk-error-summary"' in missing.text and 'href="#reference"' in missing.text


def test_a_case_that_does_not_exist_is_a_page_that_says_so(store: EventStore) -> None:
    page = signed_in(store, "officer").get("/desk/cases/NOPE")
    assert page.status_code == 404
    assert "No events are stored for this case" in page.text


def test_a_new_complaint_is_recorded_and_shown(store: EventStore) -> None:
    client = signed_in(store, "officer")
    answer = post_form(
        client,
        "/desk/cases/new",
        {
            "case_id": "N-1",
            "kind": "ComplaintReceived",
            "procedure": "lgsco-2026",
            "on-day": "2",
            "on-month": "11",
            "on-year": "2026",
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/desk/cases/N-1"
    (event,) = store.events("N-1")
    assert event.type == "ComplaintReceived" and event.on.isoformat() == "2026-11-02"
    assert store.subject_access("N-1").events[0].recorded_by == "officer"
    page = client.get("/desk/cases/N-1").text
    assert "Stage 1 acknowledgement" in page and "LGSCO Complaint Handling Code" in page


def test_a_concern_is_logged(store: EventStore) -> None:
    client = signed_in(store, "officer")
    fields = {
        "case_id": "N-2",
        "kind": "ConcernLogged",
        "procedure": "lgsco-2026",
        "on-day": "2",
        "on-month": "11",
        "on-year": "2026",
    }
    assert post_form(client, "/desk/cases/new", fields).status_code == 303
    assert [event.type for event in store.events("N-2")] == ["ConcernLogged"]


def test_a_new_complaint_with_mistakes_says_where(store: EventStore) -> None:
    client = signed_in(store, "officer")
    answer = post_form(
        client, "/desk/cases/new", {"case_id": "", "on-day": "31", "on-month": "2", "on-year": "2026"}
    )
    assert answer.status_code == 422
    for anchor in ("#case_id", "#kind", "#procedure", "#on-day"):
        assert f'href="{anchor}"' in answer.text
    assert answer.text.count("govuk-error-message") == 4
    assert "<title>Error: " in answer.text
    assert store.cases() == []


def test_a_reference_used_already_is_refused(store: EventStore) -> None:
    received(store, "N-3")
    fields = {
        "case_id": "N-3",
        "kind": "ComplaintReceived",
        "procedure": "lgsco-2026",
        "on-day": "2",
        "on-month": "11",
        "on-year": "2026",
    }
    answer = post_form(signed_in(store, "officer"), "/desk/cases/new", fields)
    assert answer.status_code == 422 and "recorded already" in answer.text
    assert store.version("N-3") == 1


def test_reports_are_shown_in_their_published_form(busy: EventStore) -> None:
    page = signed_in(busy, "manager").get("/desk/reports/lgsco-2026/2026-27")
    assert page.status_code == 200
    assert 'class="govuk-table"' in page.text
    assert signed_in(busy, "manager").get("/desk/reports/nope/2026").status_code == 404


def test_the_admin_pages_list_what_there_is(store: EventStore) -> None:
    create_token(store, "case-system", "write")
    client = signed_in(store, "admin")
    assert "case-system" in client.get("/desk/admin/tokens").text
    users_page = client.get("/desk/admin/users").text
    assert all(role in users_page for role in GRANTS)
    answer = post_form(client, "/desk/admin/tokens", {}, action="/desk/admin/tokens/case-system/revoke")
    assert answer.status_code == 303
    assert "Revoked" in client.get("/desk/admin/tokens").text


@pytest.mark.parametrize(
    "url", ["/desk/cases?page=none", "/desk/cases?show=everyone", "/desk/cases/C%00/record/Acknowledged"]
)
def test_a_bad_address_is_a_page_that_says_so(store: EventStore, url: str) -> None:
    page = signed_in(store, "officer").get(url)
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert "The address is not valid" in page.text


def test_admins_see_webhooks_and_send_a_failed_delivery_again(tmp_path: Path) -> None:
    from datetime import date, timedelta

    from store_contract import RECEIVED
    from webhook_receiver import receiving

    from complaintflow.notices import add_subscription, deliver_once, failed_deliveries, notify
    from complaintflow.notices.delivery import RETRY_FOR
    from complaintflow.notices.outbox import utc_now

    store = open_store(f"sqlite:{tmp_path / 'notices.db'}")
    add_account(store, "admin", "admin")
    with receiving() as receiver:
        _, receiver.secret = add_subscription(store, receiver.url, ["approaching", "due", "missed"])
        store.append("A", [RECEIVED])
        notify(store, date(2024, 4, 12))
        receiver.behaviour = "fail"
        start = utc_now()
        deliver_once(store, clock=lambda: start)
        deliver_once(store, clock=lambda: start + RETRY_FOR + timedelta(minutes=1))
        [failed] = failed_deliveries(store)
        client = signed_in(store, "admin")
        assert receiver.url in client.get("/desk/admin/webhooks").text
        page = client.get("/desk/admin/deliveries").text
        assert failed.notice_id in page and "answered 500" in page
        action = f"/desk/admin/deliveries/{failed.notice_id}/resend"
        answer = post_form(client, "/desk/admin/deliveries", {}, action=action)
        assert answer.status_code == 303
        assert failed_deliveries(store) == []
        assert "No failed deliveries." in client.get("/desk/admin/deliveries").text


def test_with_a_councils_identity_provider_the_sign_in_page_offers_it(store: EventStore) -> None:
    from complaintflow.desk.oidc import OidcSettings

    settings = OidcSettings("https://login.example-council.gov.uk", "desk", "a client secret")
    with_provider = desk_client(store, oidc=settings).get("/desk/sign-in").text
    assert 'href="/desk/sign-in/oidc"' in with_provider
    assert 'href="/desk/sign-in/oidc"' not in desk_client(store).get("/desk/sign-in").text
