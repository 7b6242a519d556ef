"""Policies for the bulk import of capacity declarations (web pages and API operations).

Coordinators import for the co-ops of their consortium, member users for their own co-op;
board members, council reviewers and everyone else are refused. The empty POST the matrix
sends to the API import is a validation error (400: no file), and changes nothing.
"""

from tests.policies import Policy, personas

IMPORTERS = {"coordinator": 200, "member_a": 200, "member_b": 200, "coordinator_other": 200}

POLICIES = [
    Policy(route="capacity-import", expect=personas(403, anonymous=302, **IMPORTERS)),
    Policy(
        route="capacity-import",
        method="POST",
        expect=personas(403, anonymous=302, **IMPORTERS),
        note="no file: the form is shown again with its error, and nothing is imported",
    ),
    Policy(
        route="capacity-import-template",
        query="file_format=xlsx",
        expect=personas(403, anonymous=302, **IMPORTERS),
    ),
    Policy(
        route="POST /api/v1/capacity-declarations/import/",
        method="POST",
        expect=personas(403, anonymous=401, coordinator=400, member_a=400, member_b=400,
                        coordinator_other=400),
        extra={"format": "multipart"},
        note="an empty upload is refused with a row-less error and imports nothing",
    ),
    Policy(
        route="GET /api/v1/capacity-declarations/import-template/",
        query="file_format=xlsx",
        expect=personas(403, anonymous=401, **IMPORTERS),
    ),
]
