"""Browser tests: Playwright drives Debian's Chromium (never a downloaded browser) against
pytest-django's live server, and every page visited is scanned with axe-core.

One browser per session; each test gets fresh browser contexts (cookies, storage).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

# Playwright's sync API runs an event loop in this thread; Django's ORM (used by the fixtures
# in the same thread) would otherwise refuse to run "in an async context".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def _serialized_db_contents(django_db_setup, django_db_blocker) -> dict:
    """The test database's reference data (councils, service types), as serialized when it was
    created, taken before Playwright starts its event loop (see ``browser``)."""
    from django.db import connections

    return {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }


@pytest.fixture(scope="session")
def browser(_serialized_db_contents):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _restore_reference_data_after_flush(browser, _serialized_db_contents):
    """Once Playwright's loop runs, Django hands this thread new connection objects, which lack
    the serialized contents that ``serialized_rollback`` reloads after each transactional
    test's flush. Give them the contents taken before the loop started (autouse: this runs
    before the ``db`` fixture)."""
    from django.db import connections

    for alias, contents in _serialized_db_contents.items():
        if not hasattr(connections[alias], "_test_serialized_contents"):
            connections[alias]._test_serialized_contents = contents


@pytest.fixture(autouse=True)
def _reference_data_present(_restore_reference_data_after_flush, transactional_db, _serialized_db_contents):
    """Every browser test starts with the reference data (councils, service types), whichever
    test ran before it on this worker. Django reloads them at a transactional test's start only
    if the thread's connection object carries the serialized contents, and a connection object
    can be a new one, made in Playwright's loop, when the database fixture runs before the
    fixture above has given it them (seen once in CI: a journey's world found no council). Here,
    after the database fixture, they are loaded if the flush left the tables empty."""
    from django.db import connections

    from consortium.models import Council

    if Council.objects.exists():
        return
    for alias, contents in _serialized_db_contents.items():
        connections[alias].creation.deserialize_db_from_string(contents)


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh context (a separate person signing in): new_page()."""
    contexts = []

    def make():
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe found {len(violations)} serious or critical violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    at {', '.join(map(str, node['target']))}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n      ")
            lines.append(f"      {summary}")
            lines.append(f"      html: {node['html'][:200]}")
    return "\n".join(lines)


# Each page is scanned with axe; a scan reads the script from the live server (the same file),
# so the browser compiles it once per context rather than being handed half a megabyte of source
# on every page. A page already scanned clean in this session, element for element (the form's
# CSRF token aside: it changes on every request; and axe's own script, left in a page restored on
# going back), at the same address and window size, is not scanned again: axe would find what it
# found (the login page, which every sign-in visits; a dashboard each time a person comes back).
AXE_URL = "/static/vendor/axe/axe.min.js"
AXE_RUN = """async (tags) => {
    if (typeof window.axe?.run !== "function") {
        throw new Error("axe-core did not load");
    }
    const results = await axe.run(document, {runOnly: tags, resultTypes: ["violations"]});
    return results.violations;
}"""
PAGE_AS_SCANNED = """() => {
    const root = document.documentElement.cloneNode(true);
    for (const token of root.querySelectorAll("input[name=csrfmiddlewaretoken]")) {
        token.removeAttribute("value");
    }
    for (const script of root.querySelectorAll("script")) {  // axe itself, on a page shown again
        if (script.src.endsWith("/axe/axe.min.js") || script.textContent.startsWith("/*! axe v")) {
            script.remove();
        }
    }
    return {
        page: [location.href, window.innerWidth, window.innerHeight, root.outerHTML].join("\\n"),
        axeLoaded: typeof window.axe?.run === "function",
    };
}"""
_scanned_clean: set[str] = set()


def _load_axe(page) -> None:
    """axe from the live server; on a page it does not serve (set_content), the file's text."""
    try:
        page.add_script_tag(url=AXE_URL)
    except PlaywrightError as error:
        if "Failed to load script" not in str(error):
            raise
        page.add_script_tag(path=str(AXE_JS))


def assert_accessible(page) -> None:
    """Inject axe-core into the page and fail on any serious or critical WCAG violation."""
    assert AXE_JS.is_file(), f"{AXE_JS} is missing: build the vendored assets (make install)"
    violations = None
    for attempt in range(3):
        # A click that follows a link returns before the next page has loaded: wait for a
        # loaded document, and start again if the document is replaced while axe is injected.
        page.wait_for_load_state("load")
        try:
            state = page.evaluate(PAGE_AS_SCANNED)
            scanned = hashlib.sha256(state["page"].encode()).hexdigest()
            if scanned in _scanned_clean:
                return
            if not state["axeLoaded"]:
                _load_axe(page)
            violations = page.evaluate(AXE_RUN, AXE_TAGS)
            break
        except PlaywrightError as error:
            replaced = "appendChild" in str(error) or "context was destroyed" in str(error)
            if not replaced or attempt == 2:
                raise
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    assert not blocking, format_violations(page.url, blocking)
    _scanned_clean.add(scanned)


def sign_in(page, username: str) -> None:
    """Sign in through the real login form, as a person would (keyboard: type, Enter)."""
    from tests.factories import PASSWORD

    page.goto("/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def menu(page, name: str):
    """The navigation's link to the page called ``name``: in the header itself, or, for a page
    grouped into a section, on the section's hub page (which this opens). Where no section has
    it, the header's (absent) link, so ``expect(...).to_have_count(0)`` says the person has no
    way there."""
    nav = page.get_by_role("navigation", name="Menu")
    direct = nav.get_by_role("link", name=name, exact=True)
    if direct.count():
        return direct
    came_from = page.url
    hubs = [link.get_attribute("href") for link in nav.locator('a[href^="/sections/"]').all()]
    for href in hubs:
        page.goto(href)
        found = page.get_by_role("main").get_by_role("link", name=name, exact=True)
        if found.count():
            return found
    page.goto(came_from)
    return page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True)
