"""Bulk import of capacity declarations: all or nothing, every error by row and column."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.errors import DomainError
from members import importing
from members.importing import (
    COLUMNS,
    MAX_ERRORS_SHOWN,
    ImportRejected,
    capacity_import,
    capacity_template,
)
from members.models import CapacityDeclaration, CapacityImportJob, MembershipStatus
from members.tasks import run_capacity_import_job
from tests import factories as f

API_IMPORT = "/api/v1/capacity-declarations/import/"
API_TEMPLATE = "/api/v1/capacity-declarations/import-template/"


def row(**overrides) -> dict[str, str]:
    """A good row for co-op A (Cardiff, domiciliary support, weekday daytime)."""
    values = {
        "member": "Cydweithfa A Cyf",
        "service_type": "domiciliary-support",
        "council": "GB-CRF",
        "time_band": "weekday_day",
        "valid_from": "2026-04-01",
        "valid_to": "",
        "declared_volume": "120",
        "staff_fte": "4.5",
        "welsh_speaking_share": "25",
        "min_package": "2",
        "max_package": "20",
    }
    values.update(overrides)
    return values


def csv_file(rows: list[dict], columns=COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_file(rows: list[dict], columns=COLUMNS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(columns))
    for values in rows:
        sheet.append([values.get(c, "") for c in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def import_csv(user, rows, **kwargs):
    return capacity_import(user=user, file=csv_file(rows, **kwargs), filename="capacity.csv")


def rejected_errors(user, data: bytes, filename: str = "capacity.csv") -> set[tuple[int, str]]:
    with pytest.raises(ImportRejected) as caught:
        capacity_import(user=user, file=data, filename=filename)
    return {(e.row, e.column) for e in caught.value.errors}


def current_rows():
    return CapacityDeclaration.objects.filter(is_current=True)


# --- good files ---------------------------------------------------------------------------------


def test_coordinator_imports_a_good_csv_for_several_coops(world):
    coordinator = world.user("coordinator")
    result = import_csv(coordinator, [
        row(),
        row(council="Gwynedd", time_band="evening", declared_volume="1,250.50", valid_to="2027-03-31"),
        row(member="Gofal B", council="Caerdydd", staff_fte="2", welsh_speaking_share="10%",
            min_package="", max_package=""),
    ])

    assert (result.created, result.superseded, result.rows) == (3, 0, 3)
    a_cardiff = current_rows().get(coop=world.coop_a, council=world.council, time_band="weekday_day")
    assert a_cardiff.declared_volume == Decimal("120.00")
    assert a_cardiff.staff_fte == Decimal("4.50")
    assert a_cardiff.min_package == Decimal("2") and a_cardiff.max_package == Decimal("20")
    assert a_cardiff.valid_from == dt.date(2026, 4, 1) and a_cardiff.valid_to is None
    assert a_cardiff.declared_by == coordinator
    a_gwynedd = current_rows().get(coop=world.coop_a, council=world.council_other)
    assert a_gwynedd.declared_volume == Decimal("1250.50")
    assert a_gwynedd.valid_to == dt.date(2027, 3, 31)
    b = current_rows().get(coop=world.coop_b)
    assert (b.welsh_speaking_share, b.min_package, b.max_package) == (Decimal("10"), None, None)


def test_member_imports_a_good_xlsx_with_the_member_column_left_blank(world):
    member = world.user("member_a")
    data = xlsx_file([row(member=""), row(member="", time_band="night", declared_volume="40")])

    result = capacity_import(user=member, file=data, filename="Capacity.XLSX")

    assert result.created == 2
    assert set(current_rows().values_list("coop_id", "time_band")) == {
        (world.coop_a.pk, "weekday_day"), (world.coop_a.pk, "night")
    }


def test_xlsx_with_real_number_and_date_cells_imports(world):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    sheet.append(["Cydweithfa A Cyf", "domiciliary-support", "GB-CRF", "weekday_day",
                  dt.date(2026, 5, 1), None, 87.25, 3, 12.5, None, None])
    out = io.BytesIO()
    workbook.save(out)

    capacity_import(user=world.user("coordinator"), file=out.getvalue(), filename="c.xlsx")

    declaration = current_rows().get()
    assert declaration.valid_from == dt.date(2026, 5, 1)
    assert declaration.declared_volume == Decimal("87.25")
    assert declaration.welsh_speaking_share == Decimal("12.5")


def test_blank_lines_are_skipped_and_rows_keep_their_spreadsheet_numbers(world):
    text = csv_file([row(), row(time_band="evening")]).decode() + "\r\n" + ",".join(
        row(time_band="mornings").values()
    ) + "\r\n"

    errors = rejected_errors(world.user("coordinator"), text.encode())

    assert errors == {(5, "time_band")}  # header 1, rows 2 and 3, blank 4, bad row 5


# --- all or nothing -----------------------------------------------------------------------------


def test_one_bad_row_among_good_ones_changes_nothing_and_names_its_row_and_column(world):
    f.CapacityDeclarationFactory(coop=world.coop_a, declared_volume=Decimal("50"))
    before = list(CapacityDeclaration.objects.values_list("pk", "is_current", "declared_volume"))
    rows = [row(time_band=band) for band in ("weekday_day", "evening", "night", "weekend")]
    rows[2]["declared_volume"] = "lots"

    with pytest.raises(ImportRejected) as caught:
        import_csv(world.user("coordinator"), rows)

    assert [(e.row, e.column) for e in caught.value.errors] == [(4, "declared_volume")]
    assert "not a number" in caught.value.errors[0].message
    assert list(CapacityDeclaration.objects.values_list("pk", "is_current", "declared_volume")) == before


def test_every_kind_of_bad_row_is_reported_with_its_row_and_column(world):
    f.CapacityDeclarationFactory(coop=world.coop_a, council=world.council, time_band="weekend",
                                 declared_volume=Decimal("80"), committed_volume=Decimal("60"))
    rows = [
        row(),                                              # 2: good
        row(service_type="gardening"),                      # 3
        row(council="Atlantis"),                            # 4
        row(time_band="mornings"),                          # 5
        row(time_band="evening", declared_volume="12,5x"),  # 6
        row(time_band="night", staff_fte="-1"),             # 7
        row(time_band="bank_holiday", welsh_speaking_share="150"),  # 8
        row(council="GB-GWN", min_package="30", max_package="10"),  # 9
        row(council="GB-GWN", time_band="evening", valid_from="01/04/2026"),  # 10
        row(council="GB-GWN", time_band="night", valid_to="2020-01-01"),  # 11
        row(service_type="care-home"),                      # 12: coop A does not offer it
        row(council="GB-AGY"),                              # 13: coop A does not serve Anglesey
        row(),                                              # 14: same scope as row 2
        row(member="Other Co-op Ltd"),                      # 15: another consortium's co-op
        row(time_band="weekend", declared_volume="40"),     # 16: 60 already committed
        row(council="GB-GWN", time_band="weekend", declared_volume="1.234"),  # 17
        row(council="GB-GWN", time_band="bank_holiday", declared_volume="99999999"),  # 18
        row(member="", council="GB-GWN", time_band="weekday_day"),  # 19: coordinator must say
        row(council="", time_band="weekday_day", service_type="domiciliary-support"),  # 20
    ]

    errors = rejected_errors(world.user("coordinator"), csv_file(rows))

    assert errors == {
        (3, "service_type"), (4, "council"), (5, "time_band"), (6, "declared_volume"),
        (7, "staff_fte"), (8, "welsh_speaking_share"), (9, "min_package"), (10, "valid_from"),
        (11, "valid_to"), (12, "service_type"), (13, "council"), (14, "time_band"),
        (15, "member"), (16, "declared_volume"), (17, "declared_volume"), (18, "declared_volume"),
        (19, "member"), (20, "council"),
    }
    assert current_rows().count() == 1


def test_errors_say_what_to_do(world):
    rows = [row(service_type="gardening"), row(), row(valid_from="tomorrow")]

    with pytest.raises(ImportRejected) as caught:
        import_csv(world.user("coordinator"), rows)

    messages = {(e.row, e.column): e.message for e in caught.value.errors}
    assert "domiciliary-support" in messages[(2, "service_type")]
    assert "already declares" in messages[(4, "time_band")] and "Row 3" in messages[(4, "time_band")]
    assert "YYYY-MM-DD" in messages[(4, "valid_from")]


def test_every_error_is_kept_but_only_the_first_200_are_shown(world):
    rows = [row(time_band="mornings", valid_from=f"2026-01-{(i % 28) + 1:02d}") for i in range(250)]

    with pytest.raises(ImportRejected) as caught:
        import_csv(world.user("coordinator"), rows)

    assert len(caught.value.errors) == 250
    assert len(caught.value.shown) == MAX_ERRORS_SHOWN
    assert caught.value.hidden_count == 50
    assert caught.value.shown[0].row == 2


# --- versions -----------------------------------------------------------------------------------


def test_import_supersedes_the_current_declaration_and_carries_committed_volume_over(world):
    old = f.CapacityDeclarationFactory(coop=world.coop_a, declared_volume=Decimal("80"),
                                       committed_volume=Decimal("30"))

    result = import_csv(world.user("member_a"), [row(member="", declared_volume="100")])

    assert (result.created, result.superseded) == (1, 1)
    old.refresh_from_db()
    new = current_rows().get()
    assert old.is_current is False
    assert new.supersedes == old
    assert new.committed_volume == Decimal("30")
    assert new.available_volume == Decimal("70")


def test_declaring_less_than_is_committed_is_a_row_error(world):
    f.CapacityDeclarationFactory(coop=world.coop_a, declared_volume=Decimal("80"),
                                 committed_volume=Decimal("30"))

    with pytest.raises(ImportRejected) as caught:
        import_csv(world.user("coordinator"), [row(declared_volume="29.99")])

    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "declared_volume")]
    assert "30" in caught.value.errors[0].message
    assert current_rows().get().declared_volume == Decimal("80")


def test_importing_the_same_file_twice_keeps_one_current_row_per_scope(world):
    rows = [row(time_band=band) for band in ("weekday_day", "evening")]
    import_csv(world.user("coordinator"), rows)

    result = import_csv(world.user("coordinator"), rows)

    assert (result.created, result.superseded) == (2, 2)
    assert current_rows().count() == 2
    assert CapacityDeclaration.objects.count() == 4


def test_a_withdrawn_coop_cannot_import(world):
    world.coop_a.status = MembershipStatus.WITHDRAWN
    world.coop_a.save()

    assert rejected_errors(world.user("coordinator"), csv_file([row()])) == {(2, "member")}


def test_import_cost_in_queries_does_not_grow_with_rows(world, django_assert_max_num_queries):
    small = [row(time_band="evening")]
    large = [row(time_band=band, valid_from=f"2026-{m:02d}-01", council=council)
             for band in ("weekday_day", "night", "weekend")
             for council in ("GB-CRF", "GB-GWN") for m in (1,)]
    large += [row(member="Gofal B", time_band=band) for band in ("weekday_day", "night")]
    with CaptureQueriesContext(connection) as first:
        import_csv(world.user("coordinator"), small)
    with django_assert_max_num_queries(len(first.captured_queries)):
        import_csv(world.user("coordinator"), large)


# --- scope --------------------------------------------------------------------------------------


def test_member_cannot_import_for_another_coop(world):
    rows = [row(member=""), row(member="Cydweithfa B Cyf", time_band="evening")]

    with pytest.raises(ImportRejected) as caught:
        import_csv(world.user("member_a"), rows)

    assert [(e.row, e.column) for e in caught.value.errors] == [(3, "member")]
    assert "your own co-op" in caught.value.errors[0].message
    assert not CapacityDeclaration.objects.exists()


def test_coordinator_cannot_import_for_another_consortiums_coop(world):
    rows = [row(member="Other Co-op Ltd")]

    assert rejected_errors(world.user("coordinator"), csv_file(rows)) == {(2, "member")}
    assert rejected_errors(world.user("coordinator_other"), csv_file([row()])) == {(2, "member")}


def test_board_and_reviewers_cannot_import(world):
    for persona in ("board", "reviewer"):
        with pytest.raises(DomainError):
            import_csv(world.user(persona), [row()])
    assert not CapacityDeclaration.objects.exists()


def test_coops_are_found_by_society_or_company_number(world):
    world.coop_a.society_number = "RS 012345"
    world.coop_a.save()

    import_csv(world.user("coordinator"), [row(member="rs012345")])

    assert current_rows().get().coop == world.coop_a


# --- bad files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "says"),
    [
        (b"member,service_type\n", "capacity.pdf", "CSV (.csv) or Excel (.xlsx)"),
        (b"", "capacity.csv", "empty"),
        (b"   \r\n", "capacity.csv", "empty"),
        ("member,council\n".encode("utf-16"), "capacity.csv", "UTF-8"),
        (b"\xff\xfe\x00garbage", "capacity.csv", "UTF-8"),
        (",".join(COLUMNS).encode() + b"\n", "capacity.csv", "no rows"),
        (b"member,service_type,council\nA,b,c\n", "capacity.csv", "Missing columns"),
        (",".join(COLUMNS).encode() + b",notes\n" + b"a," * 11 + b"\n", "capacity.csv",
         "Unknown columns: notes"),
        (b"PK\x03\x04 not really a workbook", "capacity.xlsx", "Excel workbook"),
        (b"just text", "capacity.xlsx", "Excel workbook"),
        (b"PK\x03\x04 workbook bytes", "capacity.csv", ".csv name"),
        (",".join(COLUMNS).encode() + b"\n" + b"x," * 14 + b"\n", "capacity.csv", "Row 2 has 15 cells"),
    ],
)
def test_a_file_that_cannot_be_read_gives_one_clear_error(world, data, filename, says):
    with pytest.raises(DomainError) as caught:
        capacity_import(user=world.user("coordinator"), file=data, filename=filename)

    assert says in str(caught.value.message)
    assert caught.value.field == "file"


def test_a_member_may_leave_out_the_member_column_but_a_coordinator_may_not(world):
    columns = [c for c in COLUMNS if c != "member"]
    data = csv_file([row()], columns=columns)

    assert capacity_import(user=world.user("member_a"), file=data, filename="c.csv").created == 1
    with pytest.raises(DomainError, match="Missing columns: member"):
        capacity_import(user=world.user("coordinator"), file=data, filename="c.csv")


def test_header_names_are_forgiving_about_case_and_spaces(world):
    header = [c.replace("_", " ").title() for c in COLUMNS]
    text = ",".join(header) + "\n" + ",".join(row().values()) + "\n"

    result = capacity_import(user=world.user("coordinator"), file=text.encode("utf-8-sig"),
                             filename="c.csv")

    assert result.created == 1


def _import_or_refuse_cleanly(user, data: bytes, filename: str) -> None:
    """Either the file imports, or it is refused with errors a person can read and nothing changes."""
    before = CapacityDeclaration.objects.count()
    try:
        capacity_import(user=user, file=data, filename=filename)
    except ImportRejected as rejected:
        assert rejected.errors and all(e.message and e.row >= 2 for e in rejected.errors)
        assert CapacityDeclaration.objects.count() == before
    except DomainError as error:
        assert str(error.message)
        assert CapacityDeclaration.objects.count() == before


junk = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(column=st.sampled_from(COLUMNS), cell=junk, persona=st.sampled_from(["coordinator", "member_a"]))
def test_junk_in_any_cell_is_a_row_error_never_a_crash(world, column, cell, persona):
    data = csv_file([row(), row(**{"time_band": "evening", column: cell})])
    _import_or_refuse_cleanly(world.user(persona), data, "junk.csv")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200), filename=st.sampled_from(["a.csv", "a.xlsx", "a.txt"]))
def test_junk_files_are_refused_never_a_crash(world, data, filename):
    _import_or_refuse_cleanly(world.user("coordinator"), data, filename)


# --- the template -------------------------------------------------------------------------------


def test_csv_template_has_the_header_and_one_example_and_imports_as_is(world):
    content, content_type, filename = capacity_template("csv")

    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert len(lines) == 2
    assert content_type.startswith("text/csv") and filename.endswith(".csv")
    result = capacity_import(user=world.user("member_a"), file=content, filename=filename)
    assert result.created == 1
    assert current_rows().get().service_type.code == "domiciliary-support"


def test_xlsx_template_has_the_header_and_one_example_and_imports_as_is(world):
    content, content_type, filename = capacity_template("xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    assert sheet.max_row == 2
    assert content_type.endswith("spreadsheetml.sheet") and filename.endswith(".xlsx")
    result = capacity_import(user=world.user("member_a"), file=content, filename=filename)
    assert result.created == 1


def test_template_example_is_a_row_error_for_a_coop_that_does_not_offer_the_service(world):
    world.coop_a.service_types.set([f.service("care-home")])
    content, _, filename = capacity_template("csv")

    assert rejected_errors(world.user("member_a"), content, filename) == {(2, "service_type")}


# --- API ----------------------------------------------------------------------------------------


def upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_api_import_creates_declarations(api_for, world):
    response = api_for("coordinator").post(
        API_IMPORT, {"file": upload("c.csv", csv_file([row(), row(time_band="night")]))},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    assert response.json() == {"created": 2, "superseded": 0, "rows": 2}


def test_api_import_reports_row_errors_and_changes_nothing(api_for, world):
    data = xlsx_file([row(), row(time_band="night", welsh_speaking_share="101")])

    response = api_for("member_a").post(API_IMPORT, {"file": upload("c.xlsx", data)},
                                        format="multipart")

    assert response.status_code == 400
    body = response.json()
    assert body["error_count"] == 1
    assert body["errors"][0]["row"] == 3 and body["errors"][0]["column"] == "welsh_speaking_share"
    assert not CapacityDeclaration.objects.exists()


def test_api_import_reports_a_file_problem_without_a_row(api_for, world):
    response = api_for("coordinator").post(API_IMPORT, {"file": upload("c.doc", b"hello")},
                                           format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"][0]["row"] is None
    assert response.json()["errors"][0]["column"] == "file"


def test_api_import_without_a_file_is_a_400(api_for, world):
    response = api_for("coordinator").post(API_IMPORT, {}, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"][0]["column"] == "file"


@pytest.mark.parametrize("persona", ["board", "reviewer"])
def test_api_import_is_refused_to_roles_that_do_not_declare(api_for, world, persona):
    response = api_for(persona).post(API_IMPORT, {"file": upload("c.csv", csv_file([row()]))},
                                     format="multipart")

    assert response.status_code == 403
    assert not CapacityDeclaration.objects.exists()


@pytest.mark.parametrize(("fmt", "content_type"), [("csv", "text/csv"), ("xlsx", "spreadsheetml")])
def test_api_template_downloads(api_for, world, fmt, content_type):
    response = api_for("member_a").get(API_TEMPLATE, {"file_format": fmt})

    assert response.status_code == 200
    assert content_type in response["Content-Type"]
    assert f'filename="capacity-template.{fmt}"' in response["Content-Disposition"]


def test_api_template_refuses_an_unknown_format(api_for, world):
    response = api_for("coordinator").get(API_TEMPLATE, {"file_format": "pdf"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["column"] == "file_format"


def test_api_template_answers_a_client_that_asks_for_csv(api_for, world):
    response = api_for("coordinator").get(API_TEMPLATE, HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").startswith("member,")


def test_openapi_documents_the_import_as_multipart_with_its_answers(api_for, world):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][API_IMPORT]["post"]
    assert list(operation["requestBody"]["content"]) == ["multipart/form-data"]
    assert {"201", "400", "401", "403"} <= set(operation["responses"])
    template = schema["paths"][API_TEMPLATE]["get"]
    assert [p["name"] for p in template["parameters"]] == ["file_format"]
    assert "text/csv" in template["responses"]["200"]["content"]


# --- web ----------------------------------------------------------------------------------------


def test_import_page_shows_the_form_and_template_links(client_for, world):
    response = client_for("member_a").get(reverse("capacity-import"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="file"' in html and 'class="govuk-file-upload"' in html
    assert reverse("capacity-import-template") + "?file_format=xlsx" in html
    assert reverse("capacity-import-template") + "?file_format=csv" in html


def test_import_page_imports_and_redirects_with_a_message(client_for, world):
    old = f.CapacityDeclarationFactory(coop=world.coop_a)
    client = client_for("coordinator")

    response = client.post(
        reverse("capacity-import"),
        {"file": upload("c.csv", csv_file([row(), row(time_band="night")]))},
        follow=True,
    )

    assert response.redirect_chain[0] == (reverse("capacity-import"), 302)
    assert "2 declarations imported, 1 superseded." in response.content.decode()
    old.refresh_from_db()
    assert not old.is_current


def test_import_page_lists_row_errors_and_imports_nothing(client_for, world):
    rows = [row(), row(council="Atlantis")] + [row(time_band="mornings")] * 205

    response = client_for("coordinator").post(reverse("capacity-import"),
                                              {"file": upload("c.csv", csv_file(rows))})

    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and 'href="#row-errors"' in html
    assert "The file has 206 errors" in html
    assert "Unknown council" in html and "Atlantis" in html
    assert html.count('<th scope="row" class="govuk-table__header">') >= MAX_ERRORS_SHOWN
    assert "6 more errors are not shown" in html
    assert not CapacityDeclaration.objects.exists()


def test_import_page_shows_a_file_problem_on_the_field(client_for, world):
    response = client_for("member_a").post(reverse("capacity-import"),
                                           {"file": upload("c.txt", b"hello")})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_file"' in html and "govuk-file-upload--error" in html
    assert "CSV (.csv) or Excel (.xlsx)" in html


def test_import_page_without_a_file_asks_for_one(client_for, world):
    response = client_for("member_a").post(reverse("capacity-import"), {})

    assert "Choose a CSV or XLSX file to import." in response.content.decode()


@pytest.mark.parametrize(("persona", "status"), [("board", 403), ("reviewer", 403), ("anonymous", 302)])
def test_import_pages_are_closed_to_others(client_for, world, persona, status):
    client = client_for(persona)

    assert client.get(reverse("capacity-import")).status_code == status
    assert client.get(reverse("capacity-import-template")).status_code == status
    response = client.post(reverse("capacity-import"), {"file": upload("c.csv", csv_file([row()]))})
    assert response.status_code == status
    assert not CapacityDeclaration.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_web_template_downloads(client_for, world, fmt):
    response = client_for("coordinator").get(reverse("capacity-import-template"), {"file_format": fmt})

    assert response.status_code == 200
    assert f"capacity-template.{fmt}" in response["Content-Disposition"]


def test_web_template_with_an_unknown_format_is_not_found(client_for, world):
    response = client_for("coordinator").get(reverse("capacity-import-template"), {"file_format": "ods"})

    assert response.status_code == 404


# --- concurrency (PostgreSQL: SQLite does not lock rows) ---------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_and_declarations_leave_one_current_row_per_scope(world):
    import threading

    from django.db import connections

    from members.services import capacity_declare

    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def run(work):
        try:
            barrier.wait(timeout=10)
            work()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)
        finally:
            connections.close_all()

    def importing(persona, volume):
        return lambda: import_csv(world.user(persona), [row(member="", declared_volume=volume)]
                                  if persona == "member_a" else [row(declared_volume=volume)])

    def declaring(volume):
        return lambda: capacity_declare(
            coop=world.coop_a, by=world.user("member_a"), service_type=f.service(),
            council=world.council, time_band="weekday_day", valid_from=dt.date(2026, 4, 1),
            declared_volume=Decimal(volume), staff_fte=Decimal("1"),
            welsh_speaking_share=Decimal("0"),
        )

    threads = [threading.Thread(target=run, args=(w,)) for w in (
        importing("coordinator", "10"), importing("member_a", "20"), declaring("30"), declaring("40")
    )]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    versions = CapacityDeclaration.objects.filter(coop=world.coop_a)
    assert versions.count() == 4
    assert versions.filter(is_current=True).count() == 1
    assert versions.filter(supersedes__isnull=True).count() == 1  # one chain, no fork


# --- large files: the row limit, and the background job -----------------------------------------


BANDS = ["weekday_day", "evening", "night", "weekend", "bank_holiday"]


def five_scopes(**overrides) -> list[dict]:
    """Five good rows, one per time band of co-op A in Cardiff."""
    return [row(time_band=band, **overrides) for band in BANDS]


def count_rows_read(monkeypatch, reader: str) -> list[list[str]]:
    """Spy on one of the file readers: the rows it has handed over so far."""
    read: list[list[str]] = []
    original = getattr(importing, reader)

    def spy(data):
        estimate, records = original(data)

        def counted():
            for cells in records:
                read.append(cells)
                yield cells

        return estimate, counted()

    monkeypatch.setattr(importing, reader, spy)
    return read


@pytest.mark.parametrize(("make", "filename", "reader"),
                         [(csv_file, "big.csv", "_csv_records"), (xlsx_file, "big.xlsx", "_xlsx_records")])
def test_a_file_over_the_row_limit_is_refused_without_reading_past_the_limit(world, monkeypatch, make,
                                                                            filename, reader):
    monkeypatch.setattr(importing, "MAX_ROWS", 20)
    data = make([row(declared_volume=str(n)) for n in range(400)])
    read = count_rows_read(monkeypatch, reader)

    with pytest.raises(DomainError) as caught:
        capacity_import(user=world.user("coordinator"), file=data, filename=filename)

    assert caught.value.field == "file"
    assert "more than 20 rows" in str(caught.value.message)
    assert len(read) == 1 + 21  # the header, the 20 rows allowed and the one past them
    assert not CapacityDeclaration.objects.exists()


def test_blank_rows_do_not_count_towards_the_row_limit(world, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 2)
    text = csv_file([row()]).decode() + ",,,,,,,,,,\r\n" * 5 + ",".join(row(time_band="night").values())

    assert capacity_import(user=world.user("coordinator"), file=text.encode(), filename="c.csv").created == 2


def test_a_file_above_the_inline_threshold_is_imported_by_a_job_with_progress_like_inline(
        client_for, world, monkeypatch, eager, django_capture_on_commit_callbacks):
    monkeypatch.setattr(importing, "INLINE_MAX_ROWS", 3)
    old = f.CapacityDeclarationFactory(coop=world.coop_a, council=world.council, time_band="night",
                                       committed_volume=Decimal("5"))
    data = xlsx_file(five_scopes())
    client = client_for("coordinator")

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("capacity-import"), {"file": upload("big.xlsx", data)})
    job = CapacityImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("capacity-import-job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Waiting for a worker to start it" in page and "0% done" in page
    assert f'hx-get="{reverse("capacity-import-job-progress", args=[job.pk])}"' in page
    assert current_rows().get() == old  # nothing imported until the job runs

    for callback in callbacks:  # Celery is eager in tests: the task runs here
        callback()

    progress = client.get(reverse("capacity-import-job-progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true"
    page = client.get(response["Location"]).content.decode()
    assert "5 declarations imported, 1 superseded." in page
    job.refresh_from_db()
    assert (job.status, job.progress, job.created, job.superseded, job.rows) == ("done", 100, 5, 1, 5)
    assert bytes(job.content) == b""  # the file is not kept once imported

    fields = ("coop_id", "service_type_id", "council_id", "time_band", "valid_from", "declared_volume",
              "committed_volume", "staff_fte", "welsh_speaking_share", "min_package", "max_package")
    by_job = sorted(current_rows().values_list(*fields))
    CapacityDeclaration.objects.exclude(pk=old.pk).delete()
    CapacityDeclaration.objects.filter(pk=old.pk).update(is_current=True)
    inline = capacity_import(user=world.user("coordinator"), file=data, filename="big.xlsx")
    assert sorted(current_rows().values_list(*fields)) == by_job
    assert (inline.created, inline.superseded, inline.rows) == (job.created, job.superseded, job.rows)


def test_a_job_writes_its_progress_while_it_reads(world, monkeypatch):
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 2)
    job = CapacityImportJob.objects.create(requested_by=world.user("coordinator"), filename="c.csv",
                                           content=csv_file(five_scopes()))
    seen = []
    original = importing._JobProgress.write

    def spy(self, **fields):
        original(self, **fields)
        seen.append(CapacityImportJob.objects.values("stage", "progress", "rows_read").get(pk=job.pk))

    monkeypatch.setattr(importing._JobProgress, "write", spy)

    assert importing.capacity_import_job_run(job_id=job.pk) == "done"

    assert [s["stage"] for s in seen] == ["reading", "reading", "reading", "checking"]
    assert [s["rows_read"] for s in seen] == [2, 4, 6, 6]
    progress = [s["progress"] for s in seen]
    assert progress == sorted(progress) and progress[0] > 5 and progress[-1] == 50


def test_a_job_runs_once_however_often_its_task_is_delivered(world, eager):
    job = CapacityImportJob.objects.create(requested_by=world.user("coordinator"), filename="c.csv",
                                           content=csv_file(five_scopes()))

    assert run_capacity_import_job.delay(job.pk).get() == "done"
    assert run_capacity_import_job.delay(job.pk).get() == "done"

    assert CapacityDeclaration.objects.count() == 5


def test_a_job_with_row_errors_imports_nothing_and_lists_them(api_for, client_for, world, monkeypatch, eager,
                                                              django_capture_on_commit_callbacks):
    monkeypatch.setattr(importing, "INLINE_MAX_ROWS", 3)
    data = csv_file([*five_scopes()[:4], row(time_band="mornings")])

    with django_capture_on_commit_callbacks(execute=True):
        response = api_for("member_a").post(API_IMPORT, {"file": upload("big.csv", data)},
                                            format="multipart")

    assert response.status_code == 202, response.content
    job = CapacityImportJob.objects.get()
    url = f"/api/v1/capacity-declarations/import-jobs/{job.pk}/"
    assert response["Location"] == response.json()["url"] == url
    body = api_for("member_a").get(response["Location"]).json()
    assert (body["status"], body["error_count"], body["created"]) == ("failed", 1, None)
    assert body["errors"] == [{"row": 6, "column": "time_band",
                               "message": body["errors"][0]["message"]}]
    assert not CapacityDeclaration.objects.exists()
    assert api_for("member_b").get(response["Location"]).status_code == 404
    assert api_for("coordinator").get(response["Location"]).status_code == 404
    page = client_for("member_a").get(reverse("capacity-import-job", args=[job.pk])).content.decode()
    assert "The file has 1 error. Nothing was imported" in page and 'id="row-errors"' in page


def test_a_job_over_the_row_limit_fails_and_says_why(world, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 4)
    job = CapacityImportJob.objects.create(requested_by=world.user("coordinator"), filename="c.xlsx",
                                           content=xlsx_file(five_scopes()))

    assert importing.capacity_import_job_run(job_id=job.pk) == "failed"

    job.refresh_from_db()
    assert "more than 4 rows" in job.error
    assert not CapacityDeclaration.objects.exists()


def test_the_api_answers_a_small_file_at_once_and_a_large_one_with_a_job(api_for, world, monkeypatch):
    monkeypatch.setattr(importing, "INLINE_MAX_ROWS", 5)
    api = api_for("coordinator")

    small = api.post(API_IMPORT, {"file": upload("c.csv", csv_file(five_scopes()))}, format="multipart")
    large = api.post(API_IMPORT, {"file": upload("c.csv", csv_file(five_scopes(declared_volume="90") + [
        row(time_band="weekday_day", council="GB-GWN")]))}, format="multipart")

    assert small.status_code == 201 and small.json()["created"] == 5
    assert large.status_code == 202 and large.json()["status"] == "queued"


def test_a_large_workbook_goes_to_the_job_without_being_loaded_in_the_request(
        client_for, world, monkeypatch, eager, django_capture_on_commit_callbacks):
    monkeypatch.setattr(importing, "INLINE_MAX_ROWS", 3)
    data = xlsx_file(five_scopes())
    loads = []
    load_workbook = openpyxl.load_workbook
    monkeypatch.setattr(importing.openpyxl, "load_workbook",
                        lambda *args, **kwargs: loads.append(1) or load_workbook(*args, **kwargs))

    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for("member_a").post(reverse("capacity-import"), {"file": upload("c.xlsx", data)})

    assert response.status_code == 302 and CapacityImportJob.objects.get().status == "queued"
    assert loads == []
    for callback in callbacks:
        callback()
    assert loads == [1] and CapacityDeclaration.objects.count() == 5


def test_rows_of_a_workbook_are_counted_exactly_across_chunks(world):
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    rows = 30_001  # the sheet's XML is a few MB: it is read in several chunks
    for n in range(rows):
        sheet.append(["Cydweithfa A Cyf", "domiciliary-support", "GB-CRF", n])
    out = io.BytesIO()
    workbook.save(out)

    assert importing._xlsx_has_more_rows_than(out.getvalue(), rows - 1)
    assert not importing._xlsx_has_more_rows_than(out.getvalue(), rows)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=st.binary(min_size=1, max_size=50), at=st.integers(min_value=0, max_value=2000))
def test_a_damaged_workbook_is_refused_in_the_request_never_a_crash(world, damage, at):
    good = xlsx_file(five_scopes())
    data = good[:at] + damage + good[at + len(damage):]

    try:
        result = importing.capacity_import_start(user=world.user("member_a"), file=data, filename="c.xlsx")
    except (DomainError, ImportRejected):
        result = None
    assert not CapacityImportJob.objects.exists() and (result is None or result.created == 5)
    CapacityDeclaration.objects.all().delete()
