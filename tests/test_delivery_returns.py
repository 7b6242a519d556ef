"""Members' returns and the coordinator's check: services, scoping with both consortia, pages
and API (contracts/delivery/services/returns.py, selectors/returns.py, web/returns.py,
api/returns.py).

The contract is ``started_contract`` (tests/builders.py): consortium A's Cardiff contract, moved
to have started eight weeks ago in four-weekly periods, so its first two periods have started;
coop A delivers 60 weekday and 40 weekend hours a week, coop B 40 weekday hours.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse

from consortium.errors import Conflict, DomainError, Forbidden
from contracts.delivery.sealing import seal_of
from contracts.delivery.selectors import returns as selectors
from contracts.delivery.services import returns as services
from contracts.models import BillingPeriod, DeliveryReturn, ReturnLine, ReturnStatus
from tests.builders import WEEKDAY, WEEKEND, accepted_return, started_contract

pytestmark = [pytest.mark.django_db, pytest.mark.shared_world]

CRF = "GB-CRF"
COUNTS = {"visits_planned": 10, "visits_delivered": 9, "visits_missed": 1, "visits_late": 2,
          "visits_short": 1}


@pytest.fixture
def contract(world):
    return started_contract(world)


def periods(contract) -> list[BillingPeriod]:
    return list(contract.periods.order_by("start"))


def sub_of(contract, coop):
    return contract.subcontracts.get(coop=coop)


def a_lines(weekday="240.00", weekend="160.00"):
    return [{"council": CRF, "time_band": WEEKDAY, "quantity": weekday},
            {"council": CRF, "time_band": WEEKEND, "quantity": weekend}]


def save_a(world, contract, period=None, **kwargs):
    period = period or periods(contract)[0]
    kwargs.setdefault("lines", a_lines())
    kwargs.setdefault("counts", COUNTS)
    return services.return_save(subcontract=sub_of(contract, world.coop_a), period=period,
                                by=world.user("member_a"), **kwargs)


def submitted_a(world, contract, period=None, **kwargs):
    ret = save_a(world, contract, period, **kwargs)
    return services.return_submit(ret=ret, by=world.user("member_a"))


# --- writing and submitting -----------------------------------------------------------------------------

def test_member_writes_a_draft_and_rewrites_it(world, contract):
    ret = save_a(world, contract)
    assert ret.status == ReturnStatus.DRAFT
    assert {(x.council.code, x.time_band): x.quantity for x in ret.lines.all()} == {
        (CRF, WEEKDAY): Decimal("240.00"), (CRF, WEEKEND): Decimal("160.00")}
    again = save_a(world, contract, lines=a_lines("230.50", "150"))
    assert again.pk == ret.pk
    assert sorted(x.quantity for x in again.lines.all()) == [Decimal("150"), Decimal("230.50")]
    assert DeliveryReturn.objects.count() == 1


def test_lines_must_be_the_subcontracts_areas_and_bands(world, contract):
    with pytest.raises(DomainError) as refused:
        services.return_save(subcontract=sub_of(contract, world.coop_b), period=periods(contract)[0],
                             by=world.user("member_b"),
                             lines=[{"council": CRF, "time_band": WEEKEND, "quantity": "5"}])
    assert "no line for" in str(refused.value.message)
    with pytest.raises(DomainError):
        save_a(world, contract, lines=a_lines("-1"))
    with pytest.raises(DomainError):
        save_a(world, contract, lines=a_lines("1.234"))
    assert not DeliveryReturn.objects.exists()


def test_counts_must_add_up(world, contract):
    with pytest.raises(DomainError) as refused:
        save_a(world, contract, counts={**COUNTS, "visits_missed": 3})
    assert refused.value.field == "visits_planned"
    with pytest.raises(DomainError):
        save_a(world, contract, counts={**COUNTS, "visits_late": 10})


def test_only_started_periods_can_be_returned(world, contract):
    future = [p for p in periods(contract) if p.start > dt.date.today()][0]
    with pytest.raises(DomainError) as refused:
        save_a(world, contract, period=future)
    assert "has not started" in str(refused.value.message)


def test_only_the_members_own_users_write_its_returns(world, contract):
    period = periods(contract)[0]
    for persona in ("member_b", "coordinator", "board", "reviewer", "coordinator_other"):
        with pytest.raises(Forbidden):
            services.return_save(subcontract=sub_of(contract, world.coop_a), period=period,
                                 by=world.user(persona), lines=a_lines())
    assert not DeliveryReturn.objects.exists()


def test_submit_then_accept_seals_like_the_builder(world, contract):
    ret = submitted_a(world, contract)
    assert ret.status == ReturnStatus.SUBMITTED and ret.submitted_by == world.user("member_a")
    accepted = services.return_accept(ret=ret, by=world.user("coordinator"))
    assert accepted.status == ReturnStatus.ACCEPTED
    assert accepted.seal == seal_of(accepted.sealed_content)
    assert accepted.decided_by == world.user("coordinator")
    # The same content through tests/builders.py's accepted_return gives the same seal.
    other = periods(contract)[1]
    built = accepted_return(contract, world.coop_a, other, {(world.council, WEEKDAY): "240.00",
                                                             (world.council, WEEKEND): "160.00"},
                            counts=COUNTS)
    mine = dict(accepted.sealed_content, period=built.sealed_content["period"])
    assert seal_of(mine) == built.seal


def test_an_accepted_period_is_locked(world, contract):
    ret = services.return_accept(ret=submitted_a(world, contract), by=world.user("coordinator"))
    with pytest.raises(Conflict) as refused:
        save_a(world, contract, lines=a_lines("1"))
    assert "locked" in str(refused.value.message)
    with pytest.raises(Conflict):
        services.return_submit(ret=ret, by=world.user("member_a"))
    with pytest.raises(Conflict):
        services.return_send_back(ret=ret, by=world.user("coordinator"), reason="late")
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.ACCEPTED
    assert sorted(x.quantity for x in ret.lines.all()) == [Decimal("160.00"), Decimal("240.00")]


def test_send_back_needs_a_reason_and_the_member_submits_again(world, contract):
    ret = submitted_a(world, contract)
    with pytest.raises(DomainError):
        services.return_send_back(ret=ret, by=world.user("coordinator"), reason=" ")
    back = services.return_send_back(ret=ret, by=world.user("coordinator"), reason="Weekend looks high")
    assert back.status == ReturnStatus.SENT_BACK and back.sent_back_reason == "Weekend looks high"
    with pytest.raises(Conflict):
        services.return_accept(ret=back, by=world.user("coordinator"))
    save_a(world, contract, lines=a_lines(weekend="120"))
    again = services.return_submit(ret=back, by=world.user("member_a"))
    assert again.status == ReturnStatus.SUBMITTED and again.sent_back_reason == ""


def test_only_the_contracts_coordinators_decide(world, contract):
    ret = submitted_a(world, contract)
    for persona in ("member_a", "board", "reviewer", "coordinator_other"):
        with pytest.raises(Forbidden):
            services.return_accept(ret=ret, by=world.user(persona))
        with pytest.raises(Forbidden):
            services.return_send_back(ret=ret, by=world.user(persona), reason="no")
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED and ret.seal == ""


def test_accept_refuses_a_return_changed_since_the_coordinator_looked(world, contract):
    ret = submitted_a(world, contract)
    seen = seal_of(services.sealed_content(ret))
    save_a(world, contract, lines=a_lines("239"))
    with pytest.raises(Conflict):
        services.return_accept(ret=ret, by=world.user("coordinator"), seen=seen)
    fresh = seal_of(services.sealed_content(ret))
    assert services.return_accept(ret=ret, by=world.user("coordinator"), seen=fresh).seal == fresh


def test_adjustments_correct_an_accepted_earlier_period(world, contract):
    first, second = periods(contract)[:2]
    services.return_accept(ret=submitted_a(world, contract, first), by=world.user("coordinator"))
    adjustment = {"council": CRF, "time_band": WEEKEND, "quantity": "-10.50", "period": first.pk,
                  "reason": "Two visits were returned twice"}
    ret = save_a(world, contract, second, adjustments=[adjustment])
    line = ret.lines.get(adjusts__isnull=False)
    assert (line.quantity, line.adjusts, line.reason) == (Decimal("-10.50"), first, adjustment["reason"])
    # No reason, a period not accepted (or not earlier), or taking off more than was accepted.
    for wrong in ({"reason": ""}, {"period": second.pk}, {"quantity": "-160.01"}, {"quantity": "0"}):
        with pytest.raises(DomainError):
            save_a(world, contract, second, adjustments=[{**adjustment, **wrong}])
    accepted = services.return_accept(ret=services.return_submit(ret=ret, by=world.user("member_a")),
                                      by=world.user("coordinator"))
    assert {"council": CRF, "time_band": WEEKEND, "quantity": "-10.50",
            "adjusts": first.start.isoformat()} in accepted.sealed_content["lines"]


def test_submitting_needs_lines(world, contract):
    ret = services.return_save(subcontract=sub_of(contract, world.coop_a), period=periods(contract)[0],
                               by=world.user("member_a"), counts=COUNTS)
    with pytest.raises(DomainError):
        services.return_submit(ret=ret, by=world.user("member_a"))


# --- the call monitoring file ---------------------------------------------------------------------------

def visits_csv(period: BillingPeriod, rows: int = 3, *, extra: str = "") -> bytes:
    monday = period.start + dt.timedelta(days=(7 - period.start.weekday()) % 7)
    saturday = monday + dt.timedelta(days=5)
    lines = ["visit_reference,person_reference,planned_start,planned_end,actual_start,actual_end,"
             "carer_reference"]
    for i in range(rows):
        day = (monday if i % 2 == 0 else saturday).isoformat()
        lines.append(f"V{i},P{i},{day} 0{8 + i % 2}:00,{day} 0{8 + i % 2}:30,{day} 0{8 + i % 2}:03,"
                     f"{day} 0{8 + i % 2}:29,C{i}")
    return ("\n".join(lines) + "\n" + extra).encode()


def test_import_fills_lines_and_counts_and_keeps_the_file(world, contract, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    period = periods(contract)[0]
    data = visits_csv(period, 3)
    ret = services.return_import_visits(subcontract=sub_of(contract, world.coop_a), period=period,
                                        by=world.user("member_a"), data=data, filename="ecm.csv")
    hours = {x.time_band: x.quantity for x in ret.lines.all()}
    assert hours == {WEEKDAY: Decimal("1.00"), WEEKEND: Decimal("0.50")}  # 30 min each, 2 + 1 visits
    assert (ret.visits_planned, ret.visits_delivered, ret.visits_missed) == (3, 3, 0)
    assert ret.visits_file_sha256 == services.file_sha256(data)
    assert ret.visits_file.read() == data
    accepted = services.return_accept(ret=services.return_submit(ret=ret, by=world.user("member_a")),
                                      by=world.user("coordinator"))
    assert accepted.sealed_content["visits_file_sha256"] == services.file_sha256(data)


def test_a_refused_file_stores_nothing(world, contract, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    period = periods(contract)[0]
    save_a(world, contract)
    before = list(ReturnLine.objects.values_list("time_band", "quantity"))
    day = period.start.isoformat()
    overlap = f"V9,P9,{day} 08:10,{day} 08:40,{day} 08:10,{day} 08:40,C0\n"
    with pytest.raises(DomainError) as refused:
        services.return_import_visits(subcontract=sub_of(contract, world.coop_a), period=period,
                                      by=world.user("member_a"), data=visits_csv(period, 1, extra=overlap))
    assert any(p.row == 3 for p in refused.value.rows)
    assert list(ReturnLine.objects.values_list("time_band", "quantity")) == before
    assert not list(tmp_path.rglob("*.csv"))
    ret = DeliveryReturn.objects.get()
    assert ret.visits_file_sha256 == "" and not ret.visits_file


def test_import_into_a_locked_period_is_refused(world, contract, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    period = periods(contract)[0]
    services.return_accept(ret=submitted_a(world, contract), by=world.user("coordinator"))
    with pytest.raises(Conflict):
        services.return_import_visits(subcontract=sub_of(contract, world.coop_a), period=period,
                                      by=world.user("member_a"), data=visits_csv(period))
    assert not list(tmp_path.rglob("*.csv"))


# --- scoping and the check ------------------------------------------------------------------------------

def test_members_see_only_their_own_returns(world, contract):
    mine = save_a(world, contract)
    theirs = services.return_save(subcontract=sub_of(contract, world.coop_b), period=periods(contract)[0],
                                  by=world.user("member_b"),
                                  lines=[{"council": CRF, "time_band": WEEKDAY, "quantity": "160"}])
    assert list(selectors.returns_visible_to(world.user("member_a"))) == [mine]
    assert list(selectors.returns_visible_to(world.user("member_b"))) == [theirs]
    assert set(selectors.returns_visible_to(world.user("coordinator"))) == {mine, theirs}
    for persona in ("board", "reviewer", "reviewer_other", "coordinator_other"):
        assert not selectors.returns_visible_to(world.user(persona)).exists()
    for persona in ("member_b", "board", "reviewer", "coordinator_other"):
        with pytest.raises(Http404):
            selectors.return_get_for_user(world.user(persona), mine.pk)


def test_the_check_against_commissioned_volume(world, contract):
    first = periods(contract)[0]  # 28 days: 4 weeks
    services.return_submit(ret=save_a(world, contract, lines=a_lines("240", "100")),
                           by=world.user("member_a"))
    check = selectors.period_check(world.user("coordinator"), contract, first)
    a, b = (check.returns[0], check.returns[1]) if check.returns[0].subcontract.coop == world.coop_a \
        else (check.returns[1], check.returns[0])
    bands = {x.time_band: x for x in a.bands}
    assert (bands[WEEKDAY].commissioned, bands[WEEKDAY].delivered, bands[WEEKDAY].within) == (
        Decimal("240.00"), Decimal("240"), True)
    assert (bands[WEEKEND].commissioned, bands[WEEKEND].within) == (Decimal("160.00"), False)
    assert a.missed_rate == Decimal("10.0") and a.late_rate == Decimal("22.2")
    assert b.ret is None and [r.subcontract.coop for r in check.not_in] == [world.coop_b]
    totals = {x.time_band: x for x in check.totals}
    assert totals[WEEKDAY].commissioned == Decimal("400.00") and totals[WEEKDAY].delivered == Decimal("240")
    board = selectors.period_check(world.user("board"), contract, first)
    assert board.totals_only and board.returns == [] and board.totals == check.totals
    for persona in ("member_a", "reviewer", "coordinator_other"):
        with pytest.raises(Http404):
            selectors.contract_for_checks(world.user(persona), contract.pk)


def test_returns_due_lists_started_periods_for_the_member(world, contract):
    save_a(world, contract)
    rows = selectors.returns_due(world.user("member_a"))
    started = [p for p in periods(contract) if p.start <= dt.date.today()]
    assert [r.period for r in rows] == sorted(started, key=lambda p: p.start, reverse=True)
    assert {r.subcontract.coop for r in rows} == {world.coop_a}
    assert rows[-1].ret is not None and rows[0].ret is None
    assert selectors.returns_due(world.user("reviewer")) == []
    assert selectors.returns_due(world.user("coordinator_other")) == []


# --- pages ----------------------------------------------------------------------------------------------

def edit_url(contract, coop, period):
    return reverse("return-edit", args=[sub_of(contract, coop).pk, period.pk])


def form_data(weekday="240", weekend="160", **extra):
    return {"q__GB-CRF__weekday_day": weekday, "q__GB-CRF__weekend": weekend, **COUNTS, **extra}


def test_member_writes_and_submits_a_return_on_its_page(world, contract, client_for):
    client = client_for("member_a")
    first = periods(contract)[0]
    listing = client.get(reverse("return-list"))
    assert listing.status_code == 200 and edit_url(contract, world.coop_a, first) in listing.content.decode()
    page = client.get(edit_url(contract, world.coop_a, first))
    assert page.status_code == 200 and "weekday daytime: hours delivered" in page.content.decode()
    bad = client.post(edit_url(contract, world.coop_a, first), form_data(weekday="-3"))
    assert bad.status_code == 200 and "govuk-error-summary" in bad.content.decode()
    assert not DeliveryReturn.objects.exists()
    done = client.post(edit_url(contract, world.coop_a, first), form_data(submit="1"))
    assert done.status_code == 302
    ret = DeliveryReturn.objects.get()
    assert ret.status == ReturnStatus.SUBMITTED and ret.visits_planned == 10


def test_a_refused_file_is_shown_row_by_row(world, contract, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    first = periods(contract)[0]
    day = first.start.isoformat()
    data = visits_csv(first, 1, extra=f"V0,Mary Jones,{day} 08:00,{day} 08:30,,,C9\n")
    upload = SimpleUploadedFile("ecm.csv", data, content_type="text/csv")
    page = client_for("member_a").post(reverse("return-import", args=[sub_of(contract, world.coop_a).pk,
                                                                      first.pk]), {"file": upload})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="visits-file-problems"' in html
    assert "person_reference" in html and "looks like a person" in html
    assert not DeliveryReturn.objects.filter(lines__isnull=False).exists()
    assert not list(tmp_path.rglob("*.csv"))


def test_who_may_open_a_members_return_form(world, contract, client_for):
    url = edit_url(contract, world.coop_a, periods(contract)[0])
    codes = {p: client_for(p).get(url).status_code for p in
             ("member_a", "member_b", "coordinator", "board", "reviewer", "coordinator_other")}
    assert codes == {"member_a": 200, "member_b": 404, "coordinator": 403, "board": 403, "reviewer": 404,
                     "coordinator_other": 404}


def test_coordinator_checks_and_accepts_on_the_pages(world, contract, client_for):
    first = periods(contract)[0]
    ret = submitted_a(world, contract)
    client = client_for("coordinator")
    check = client.get(reverse("return-check-period", args=[contract.pk, first.pk]))
    html = check.content.decode()
    assert check.status_code == 200 and "<svg" in html and 'id="totals"' in html
    assert world.coop_b.legal_name in html and "Returns not yet in" in html
    detail = client.get(reverse("return-detail", args=[ret.pk]))
    assert detail.status_code == 200 and "Accept and seal" in detail.content.decode()
    no_reason = client.post(reverse("return-send-back", args=[ret.pk]), {"reason": ""})
    assert no_reason.status_code == 200 and "govuk-error-summary" in no_reason.content.decode()
    seen = seal_of(services.sealed_content(ret))
    assert client.post(reverse("return-accept", args=[ret.pk]), {"seen": seen}).status_code == 302
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.ACCEPTED and ret.seal == seen


def test_the_board_sees_totals_only_and_others_nothing(world, contract, client_for):
    first = periods(contract)[0]
    ret = submitted_a(world, contract)
    url = reverse("return-check-period", args=[contract.pk, first.pk])
    board = client_for("board").get(url)
    html = board.content.decode()
    assert board.status_code == 200 and 'id="totals"' in html
    assert world.coop_a.legal_name not in html and world.coop_b.legal_name not in html
    assert client_for("board").get(reverse("return-detail", args=[ret.pk])).status_code == 404
    for persona in ("member_a", "reviewer", "reviewer_other", "coordinator_other"):
        assert client_for(persona).get(url).status_code == 404, persona
        assert client_for(persona).get(reverse("return-check", args=[contract.pk])).status_code == 404
    assert client_for("member_b").get(reverse("return-detail", args=[ret.pk])).status_code == 404
    assert client_for("member_a").get(reverse("return-detail", args=[ret.pk])).status_code == 200


def test_the_contract_page_links_to_returns(world, contract, client_for):
    coordinator = client_for("coordinator").get(reverse("contract-detail", args=[contract.pk]))
    assert reverse("return-check", args=[contract.pk]) in coordinator.content.decode()
    member = client_for("member_a").get(reverse("contract-detail", args=[contract.pk]))
    assert reverse("return-list") in member.content.decode()


# --- API ------------------------------------------------------------------------------------------------

def test_the_api_journey(world, contract, api_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    first = periods(contract)[0]
    sub = sub_of(contract, world.coop_a)
    member = api_for("member_a")
    made = member.post("/api/v1/returns/", {"subcontract": sub.pk, "period": first.pk, "lines": a_lines(),
                                            "counts": COUNTS}, format="json")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert made.json()["status"] == "draft" and len(made.json()["lines"]) == 2
    bad = member.post("/api/v1/returns/", {"subcontract": sub.pk, "period": first.pk,
                                           "lines": a_lines("-1")}, format="json")
    assert bad.status_code == 400 and "lines.GB-CRF.weekday_day" in bad.json()
    upload = SimpleUploadedFile("ecm.csv", visits_csv(first, 1, extra="V0,P9,nonsense,,,,C9\n"))
    refused = member.post("/api/v1/returns/visits/", {"subcontract": sub.pk, "period": first.pk,
                                                      "file": upload}, format="multipart")
    assert refused.status_code == 400
    assert any(m.startswith("Row 3, planned_start") for m in refused.json()["visits_file"])
    assert member.post(f"/api/v1/returns/{pk}/submit/").status_code == 200
    assert member.post(f"/api/v1/returns/{pk}/accept/").status_code == 403
    assert api_for("member_b").get(f"/api/v1/returns/{pk}/").status_code == 404
    assert api_for("coordinator_other").get(f"/api/v1/returns/{pk}/").status_code == 404
    coordinator = api_for("coordinator")
    assert coordinator.post(f"/api/v1/returns/{pk}/accept/", {"seen": "0" * 64},
                            format="json").status_code == 409
    accepted = coordinator.post(f"/api/v1/returns/{pk}/accept/", {}, format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert len(accepted.json()["seal"]) == 64
    locked = member.post("/api/v1/returns/", {"subcontract": sub.pk, "period": first.pk, "lines": a_lines()},
                         format="json")
    assert locked.status_code == 409
    assert [r["id"] for r in member.get("/api/v1/returns/").json()["results"]] == [pk]
    assert api_for("member_b").get("/api/v1/returns/").json()["results"] == []
    assert api_for("reviewer").get("/api/v1/returns/").status_code == 403


def test_no_one_reads_another_members_returned_hours(world, contract, client_for, api_for):
    """Each member's returned hours on every returns page and response, read by every persona:
    a member sees its own only; council reviewers, the other consortium and visitors none; the
    board the per-band totals only (here the weekday total, never either member's share)."""
    first = periods(contract)[0]
    ret_a = submitted_a(world, contract, lines=a_lines("237.45", "163.85"))
    ret_b = services.return_submit(ret=services.return_save(
        subcontract=sub_of(contract, world.coop_b), period=first, by=world.user("member_b"),
        lines=[{"council": CRF, "time_band": WEEKDAY, "quantity": "151.35"}]), by=world.user("member_b"))
    a_figures, b_figures = {"237.45", "163.85"}, {"151.35"}
    web = [reverse("return-list"), reverse("return-detail", args=[ret_a.pk]),
           reverse("return-detail", args=[ret_b.pk]), reverse("return-check", args=[contract.pk]),
           reverse("return-check-period", args=[contract.pk, first.pk]),
           edit_url(contract, world.coop_a, first), edit_url(contract, world.coop_b, first)]
    api = ["/api/v1/returns/", f"/api/v1/returns/{ret_a.pk}/", f"/api/v1/returns/{ret_b.pk}/"]
    hidden = {"member_a": b_figures, "member_b": a_figures, "board": {"237.45", "151.35"},
              "reviewer": a_figures | b_figures, "reviewer_other": a_figures | b_figures,
              "coordinator_other": a_figures | b_figures, "anonymous": a_figures | b_figures,
              "coordinator": set()}
    read = {}
    for persona, secrets in hidden.items():
        texts = [r.content.decode() for r in [client_for(persona).get(u) for u in web]
                 + [api_for(persona).get(u) for u in api] if r.status_code == 200]
        read[persona] = len(texts)
        leaks = [s for s in secrets for t in texts if s in t]
        assert not leaks, (persona, leaks)
    assert read["coordinator"] == 8 and read["member_a"] >= 4 and read["board"] == 2, read


def test_a_visit_in_a_band_the_subcontract_lacks_is_refused_by_name(world, contract, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    period = periods(contract)[0]
    monday = period.start + dt.timedelta(days=(7 - period.start.weekday()) % 7)
    day = monday.isoformat()
    evening = f"V9,P9,{day} 19:30,{day} 20:00,{day} 19:30,{day} 20:00,C9\n"
    with pytest.raises(DomainError) as refused:
        services.return_import_visits(subcontract=sub_of(contract, world.coop_a), period=period,
                                      by=world.user("member_a"), data=visits_csv(period, 1, extra=evening))
    assert [(p.row, p.message) for p in refused.value.rows] == [
        (3, "the sub-contract has no line for this council area and time band (GB-CRF, evening)")]


def test_an_adjustment_on_the_form(world, contract, client_for):
    first, second = periods(contract)[:2]
    services.return_accept(ret=submitted_a(world, contract, first), by=world.user("coordinator"))
    client = client_for("member_a")
    url = edit_url(contract, world.coop_a, second)
    row = {"adj_0_period": str(first.pk), "adj_0_line": f"{CRF}|{WEEKEND}", "adj_0_quantity": "-2.50"}
    missing = client.post(url, form_data(**row))
    html = missing.content.decode()
    assert missing.status_code == 200 and "govuk-error-summary" in html
    assert 'href="#id_adj_0_reason"' in html and "Say why the earlier period is corrected." in html
    assert not DeliveryReturn.objects.filter(period=second).exists()
    saved = client.post(url, form_data(**row, adj_0_reason="A visit was counted twice"))
    assert saved.status_code == 302
    line = ReturnLine.objects.get(delivery_return__period=second, adjusts__isnull=False)
    assert (line.adjusts, line.quantity) == (first, Decimal("-2.50"))
    assert line.reason == "A visit was counted twice"
