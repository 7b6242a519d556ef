"""Policies of the member register API (members/api/register.py, members/api/capacity.py):
member co-ops, stakeholder classes, compliance documents, capacity declarations and pooled
capacity.

Objects are coop A's (consortium A). Writes get an empty or invalid payload: personas allowed
to write get 400 (validation ran, nothing changed); a persona that can see the object but may
not change it gets 403; one that cannot see it gets 404; a role that writes nothing gets 403 on
create routes. The bulk import routes are in imports.py.
"""

from tests import factories as f
from tests.policies import Policy, personas

API = "/api/v1"

# Who sees coop A: its consortium's coordinator and board, and its own member user.
SEES_COOP_A = {"coordinator": 200, "board": 200, "member_a": 200}
# Who sees coop A's capacity and compliance: its coordinator and its own member user.
SEES_COOP_A_DETAIL = {"coordinator": 200, "member_a": 200}
# Roles that write somewhere (their own consortium's co-ops, or their own co-op): the empty
# payload of a create route is a validation error for them.
WRITERS_400 = {"coordinator": 400, "member_a": 400, "member_b": 400, "coordinator_other": 400}


def coop_a(w):
    return {"id": w.coop_a.pk}


def stakeholder_a(w):
    return {"id": f.StakeholderClassFactory(coop=w.coop_a).pk}


def document_a(w):
    return {"id": f.ComplianceDocumentFactory(coop=w.coop_a).pk}


def declaration_a(w):
    return {"id": f.CapacityDeclarationFactory(coop=w.coop_a).pk}


POLICIES = [
    # --- member co-ops ---
    Policy(f"GET {API}/members/", personas(200, anonymous=401),
           note="scoped list: reviewers get an empty list"),
    Policy(f"POST {API}/members/", personas(403, anonymous=401, coordinator=400, coordinator_other=400),
           method="POST", note="coordinators add co-ops to their own consortium"),
    Policy(f"GET {API}/members/{{id}}/", personas(404, anonymous=401, **SEES_COOP_A), kwargs=coop_a),
    Policy(f"PATCH {API}/members/{{id}}/",
           personas(404, anonymous=401, coordinator=400, member_a=400, board=403),
           method="PATCH", kwargs=coop_a, data=lambda w: {"total_workers": -1},
           note="board sees the co-op but may not change it"),
    Policy(f"POST {API}/members/{{id}}/status/",
           personas(404, anonymous=401, coordinator=400, board=403, member_a=403),
           method="POST", kwargs=coop_a, note="only coordinators move membership status"),
    Policy(f"GET {API}/members/indicators/",
           personas(200, anonymous=401, reviewer=403, reviewer_other=403),
           note="the consortium's own users; council reviewers belong to none"),
    # --- stakeholder classes ---
    Policy(f"GET {API}/stakeholder-classes/", personas(200, anonymous=401)),
    Policy(f"POST {API}/stakeholder-classes/", personas(403, anonymous=401, **WRITERS_400),
           method="POST"),
    Policy(f"GET {API}/stakeholder-classes/{{id}}/", personas(404, anonymous=401, **SEES_COOP_A),
           kwargs=stakeholder_a),
    Policy(f"PATCH {API}/stakeholder-classes/{{id}}/",
           personas(404, anonymous=401, coordinator=400, member_a=400, board=403),
           method="PATCH", kwargs=stakeholder_a, data=lambda w: {"vote_share": "250"}),
    Policy(f"DELETE {API}/stakeholder-classes/{{id}}/",
           personas(404, anonymous=401, coordinator=204, member_a=204, board=403),
           method="DELETE", kwargs=stakeholder_a),
    # --- compliance documents: board members and reviewers see none ---
    Policy(f"GET {API}/compliance-documents/", personas(200, anonymous=401),
           note="scoped list: board members and reviewers get an empty list"),
    Policy(f"POST {API}/compliance-documents/", personas(403, anonymous=401, **WRITERS_400),
           method="POST"),
    Policy(f"GET {API}/compliance-documents/{{id}}/",
           personas(404, anonymous=401, **SEES_COOP_A_DETAIL), kwargs=document_a),
    Policy(f"PATCH {API}/compliance-documents/{{id}}/",
           personas(404, anonymous=401, coordinator=400, member_a=400),
           method="PATCH", kwargs=document_a, data=lambda w: {"doc_type": "no-such-type"}),
    Policy(f"DELETE {API}/compliance-documents/{{id}}/",
           personas(404, anonymous=401, coordinator=204, member_a=204),
           method="DELETE", kwargs=document_a),
    # --- capacity declarations: versions are never changed or deleted ---
    Policy(f"GET {API}/capacity-declarations/", personas(200, anonymous=401),
           note="scoped list: board members and reviewers get an empty list"),
    Policy(f"POST {API}/capacity-declarations/", personas(403, anonymous=401, **WRITERS_400),
           method="POST"),
    Policy(f"GET {API}/capacity-declarations/{{id}}/",
           personas(404, anonymous=401, **SEES_COOP_A_DETAIL), kwargs=declaration_a),
    Policy(f"GET {API}/capacity-declarations/{{id}}/history/",
           personas(404, anonymous=401, **SEES_COOP_A_DETAIL), kwargs=declaration_a),
    # --- pooled capacity: aggregates for coordinators and board members ---
    Policy(f"GET {API}/capacity/pooled/",
           personas(403, anonymous=401, coordinator=200, board=200, coordinator_other=200),
           note="coordinator_other sees its own consortium's pool"),
]
