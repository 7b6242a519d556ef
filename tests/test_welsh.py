"""The interface in Welsh: the main screens render in Welsh once a user picks Cymraeg, and the
Welsh catalogue (locale/cy/LC_MESSAGES/django.po) is complete, not fuzzy, and keeps every
placeholder of its English source."""

from __future__ import annotations

import ast
import gettext
import html as html_lib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

from members.api import imports as import_api
from members.importing import INLINE_MAX_ROWS

PO_PATH = Path(settings.BASE_DIR) / "locale" / "cy" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# Django's plural rule for Welsh (django/conf/locale/cy): four forms.
WELSH_PLURAL_FORMS = "nplurals=4; plural=(n==1) ? 0 : (n==2) ? 1 : (n != 8 && n != 11) ? 2 : 3;"


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


def welsh_client(client_for, persona: str):
    """A client for the persona whose language cookie says Cymraeg."""
    client = client_for(persona)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    return client


def page_text(response) -> str:
    """The visible text of a page (tags dropped, entities decoded, white space collapsed)."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html_lib.unescape(text))


def h1(response) -> str:
    match = re.search(r"<h1\b[^>]*>(.*?)</h1>", response.content.decode(), flags=re.S)
    assert match, "the page has no <h1>"
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", "", match.group(1)))).strip()


def html_lang(response) -> str:
    match = re.search(r'<html\b[^>]*\blang="([^"]+)"', response.content.decode())
    assert match, "the page has no <html lang>"
    return match.group(1)


# Strings of the page chrome (header, footer) in English that must not show in Welsh.
CHROME_ENGLISH = ("Skip to main content", "Sign out", "Consortium management for social care")

# persona, path, Welsh <h1>, Welsh strings on the page, English strings that must not be there.
SCREENS = [
    pytest.param(
        "anonymous", "/accounts/login/", "Mewngofnodi",
        ["Enw defnyddiwr", "Cyfrinair", "Mewngofnodi – Consortiwm Gofal"],
        ["Sign in", "Username", "Password"],
        id="login",
    ),
    pytest.param(
        "coordinator", "/dashboard/", "Dangosfwrdd",
        ["Cofrestr aelodau", "2 aelod-gydweithfa, yn ôl statws aelodaeth", "Gweithredol",
         "Cydweithfeydd cymdeithasol ymhlith yr aelodau gweithredol", "Tystiolaeth gydymffurfio",
         "Capasiti cyfun yn ôl ardal a gwasanaeth", "Ychwanegu aelod-gydweithfa",
         "Llywodraethu", "Allgofnodi", "Wedi mewngofnodi fel coordinator (Cydlynydd)"],
        ["Dashboard", "Member register", "member co-ops, by membership status", "Compliance evidence",
         "Pooled capacity", "Add a member co-op", "Cost calculator"],
        id="dashboard-coordinator",
    ),
    pytest.param(
        "member_a", "/dashboard/", "Dangosfwrdd",
        ["Eich cydweithfa", "Gweld a newid proffil eich cydweithfa",
         "Tystiolaeth gydymffurfio sydd angen sylw", "Eich datganiadau capasiti",
         "Defnyddiwr aelod-gydweithfa"],
        ["Dashboard", "Your co-op", "View and change your co-op's profile",
         "Your capacity declarations", "Member co-op user"],
        id="dashboard-member",
    ),
    pytest.param(
        "coordinator", "/members/", "Cofrestr aelodau",
        ["2 aelod-gydweithfa", "Hidlo", "Statws aelodaeth", "Math o gydweithfa"],
        ["Member register", "member co-ops", "Membership status", "Co-op type"],
        id="member-register",
    ),
    pytest.param(
        "coordinator", "/capacity/", "Datganiadau capasiti",
        ["Mewnforio o ffeil", "Hidlo datganiadau", "Nid oes capasiti wedi'i ddatgan eto."],
        ["Capacity declarations", "Import from a file", "No capacity has been declared yet."],
        id="capacity-list",
    ),
    pytest.param(
        "coordinator", "/capacity/pooled/", "Capasiti cyfun",
        ["Capasiti sydd ar gael", "Bwrdd Partneriaeth Rhanbarthol",
         "Gweld y dadansoddiad fesul aelod-gydweithfa", "Dydd yn ystod yr wythnos"],
        ["Pooled capacity", "Available capacity", "Regional Partnership Board", "Weekday daytime"],
        id="pooled-capacity",
    ),
    pytest.param(
        "member_a", "/capacity/declare/", "Datgan capasiti",
        ["Datgan capasiti ar gyfer Gofal A", "Cwmpas", "Cyfnod", "Dilys o",
         "Staff (cyfwerth ag amser llawn)", "Canslo"],
        ["Declare capacity", "Scope", "Valid from", "Staff (full-time equivalent)", "Cancel"],
        id="declare-capacity",
    ),
    pytest.param(
        "coordinator", "/capacity/import/", "Mewnforio datganiadau capasiti",
        ["Lawrlwytho'r templed", "Beth sy'n mynd ym mhob colofn", "Gofynnol",
         "Templed fel llyfr gwaith Excel (.xlsx)"],
        ["Import capacity declarations", "Download the template", "What goes in each column"],
        id="capacity-import",
    ),
    pytest.param(
        "coordinator", "/pricing/calculator/", "Cyfrifiannell cost gofal",
        ["Cyflog Byw Gwirioneddol", "Pris fesul awr gyswllt", "Yswiriant Gwladol y cyflogwr",
         "Gwarged", "Cyfrifo", "un awr o ofal cartref"],
        ["Cost of care calculator", "Real Living Wage", "Price per contact hour",
         "Employer National Insurance", "Calculate"],
        id="cost-calculator",
    ),
]


@pytest.mark.parametrize(("persona", "path", "heading", "welsh", "english"), SCREENS)
def test_main_screens_render_in_welsh(world, client_for, persona, path, heading, welsh, english):
    response = welsh_client(client_for, persona).get(path)

    assert response.status_code == 200
    assert html_lang(response) == "cy"
    assert h1(response) == heading
    text = page_text(response)
    for phrase in welsh:
        assert phrase in text, f"{phrase!r} is not on {path}"
    for phrase in (*english, *CHROME_ENGLISH):
        assert phrase not in text, f"English {phrase!r} is still on {path} in Welsh"


def test_choosing_cymraeg_through_set_language_switches_the_interface(world, client_for):
    client = client_for("coordinator")

    before = client.get("/dashboard/")
    assert html_lang(before) == "en"
    assert h1(before) == "Dashboard"

    response = client.post("/i18n/setlang/", {"language": "cy", "next": "/dashboard/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "cy"

    after = client.get("/dashboard/")
    assert html_lang(after) == "cy"
    assert h1(after) == "Dangosfwrdd"
    assert "Allgofnodi" in page_text(after)

    client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})
    back = client.get("/dashboard/")
    assert html_lang(back) == "en"
    assert h1(back) == "Dashboard"


def test_signed_out_visitor_can_switch_the_login_page_to_welsh(world, client_for):
    client = client_for("anonymous")
    client.post("/i18n/setlang/", {"language": "cy", "next": "/accounts/login/"})

    response = client.get("/accounts/login/")

    assert html_lang(response) == "cy"
    assert h1(response) == "Mewngofnodi"


def test_welsh_plural_forms_follow_djangos_rule(world):
    from django.utils import translation
    from django.utils.translation import ngettext

    singular, plural = "%(total)s member co-op", "%(total)s member co-ops"
    with translation.override("cy"):
        forms = {n: ngettext(singular, plural, n) % {"total": n} for n in (1, 2, 3, 8, 11, 20)}
    assert forms[1] == "1 aelod-gydweithfa"
    assert forms[2] == "2 aelod-gydweithfa"
    assert forms[3] == "3 o aelod-gydweithfeydd"
    assert forms[8] == "8 o aelod-gydweithfeydd"
    assert forms[11] == "11 o aelod-gydweithfeydd"
    assert forms[20] == "20 o aelod-gydweithfeydd"


# --------------------------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------------------------


def read_po(path: Path) -> list[dict]:
    """A small .po reader: one dict per entry with its flags, msgctxt, msgid, msgid_plural,
    msgstr (str) or msgstr_plural ({index: str}). Obsolete (#~) entries are skipped."""
    entries: list[dict] = []
    entry: dict = {}
    field: tuple | None = None

    def finish():
        nonlocal entry, field
        if "msgid" in entry:
            entries.append(entry)
        entry, field = {}, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if "msgid" in entry:
                finish()
            entry.setdefault("flags", set()).update(
                flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith("#"):
            if "msgid" in entry and field is not None and field[0] != "msgctxt":
                finish()
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$", line)
        if match:
            keyword, index, literal = match.groups()
            if keyword in ("msgctxt", "msgid") and "msgstr" in entry or (
                keyword == "msgid" and "msgstr_plural" in entry):
                finish()
            value = ast.literal_eval(literal)
            if index is not None:
                entry.setdefault("msgstr_plural", {})[int(index)] = value
                field = ("msgstr_plural", int(index))
            else:
                entry[keyword] = value
                field = (keyword,)
            continue
        if line.startswith('"') and field is not None:
            value = ast.literal_eval(line)
            if field[0] == "msgstr_plural":
                entry["msgstr_plural"][field[1]] += value
            else:
                entry[field[0]] += value
            continue
        raise AssertionError(f"unreadable line in {path.name}: {raw!r}")
    finish()
    for e in entries:
        e.setdefault("flags", set())
    return entries


PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdrfi]|%[sdrfi]|%%|\{[^{}]*\}|</?[A-Za-z][^>]*>")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def catalogue():
    assert PO_PATH.exists(), f"{PO_PATH} is missing"
    entries = read_po(PO_PATH)
    header = next(e for e in entries if e["msgid"] == "")
    messages = [e for e in entries if e["msgid"] != ""]
    return header, messages


def test_catalogue_header_is_welsh_with_djangos_plural_rule(catalogue):
    header, messages = catalogue
    fields = dict(
        line.split(":", 1) for line in header["msgstr"].splitlines() if ":" in line)
    assert fields["Language"].strip() == "cy"
    assert fields["Plural-Forms"].strip() == WELSH_PLURAL_FORMS
    assert "charset=UTF-8" in fields["Content-Type"]
    assert "fuzzy" not in header["flags"]
    assert len(messages) > 500


def test_catalogue_has_no_fuzzy_or_empty_entries(catalogue):
    _, messages = catalogue
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    empty = []
    for e in messages:
        if "msgid_plural" in e:
            forms = e.get("msgstr_plural", {})
            if sorted(forms) != [0, 1, 2, 3] or not all(forms.values()):
                empty.append(e["msgid"])
        elif not e.get("msgstr"):
            empty.append(e["msgid"])
    assert not fuzzy, f"fuzzy entries: {fuzzy[:10]}"
    assert not empty, f"untranslated entries: {empty[:10]}"


def test_every_translation_keeps_the_placeholders_of_its_msgid(catalogue):
    _, messages = catalogue
    broken = []
    for e in messages:
        if "msgid_plural" in e:
            allowed = (placeholders(e["msgid"]), placeholders(e["msgid_plural"]))
            for index, form in e["msgstr_plural"].items():
                if placeholders(form) not in allowed:
                    broken.append((e["msgid"], index, form))
        else:
            if placeholders(e["msgstr"]) != placeholders(e["msgid"]):
                broken.append((e["msgid"], None, e["msgstr"]))
            if e["msgid"].endswith("\n") != e["msgstr"].endswith("\n"):
                broken.append((e["msgid"], "newline", e["msgstr"]))
    assert not broken, f"placeholders changed: {broken[:10]}"


def test_compiled_catalogue_matches_the_po_file(catalogue):
    """The .mo Django loads is compiled from the current .po (run compilemessages after edits)."""
    _, messages = catalogue
    assert MO_PATH.exists(), f"{MO_PATH} is missing: run compilemessages"
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for e in messages:
        msgid = e["msgid"] if "msgctxt" not in e else f"{e['msgctxt']}\x04{e['msgid']}"
        if "msgid_plural" in e:
            for n, index in ((1, 0), (2, 1), (3, 2), (8, 3)):
                if compiled.ngettext(msgid, e["msgid_plural"], n) != e["msgstr_plural"][index]:
                    stale.append(e["msgid"])
                    break
        elif compiled.gettext(msgid) != e["msgstr"]:
            stale.append(e["msgid"])
    assert not stale, f"django.mo is out of date for: {stale[:10]}"


def test_the_import_apis_descriptions_are_in_the_readers_language():
    """Text filled in when a module is imported used to freeze in the default language: the
    OpenAPI document built in Welsh describes the capacity import in Welsh, with its figure
    (the module was imported above, in English)."""
    assert import_api.CapacityImportView is not None
    with translation.override("cy"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        operations = [op for path in schema["paths"].values() for op in path.values()
                      if isinstance(op, dict) and op.get("operationId") == "capacity_declarations_import"]
        assert len(operations) == 1
        text = str(operations[0]["description"])
    assert str(INLINE_MAX_ROWS) in text
    assert "All or nothing" not in text
