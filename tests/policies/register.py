"""Policies of the member register's web pages (members/web/register.py).

- the register list: coordinators and board members (of any consortium: they see their own);
  a member user is sent on to their own co-op's page (302); reviewers 403;
- a co-op's page (coop A): its consortium's coordinator and board member, and coop A's user;
  coop B's user and another consortium's coordinator do not know it exists (404); reviewers 403;
- writes on coop A (profile, classes, contacts, CIW registrations, documents): its coordinator
  and coop A's user; board members 403 (no writes); coop B's user and the other coordinator 404;
- new co-ops: coordinators only; status and history of coop A: its coordinator; coop A's user and
  the board member 403 (they see the co-op), coop B's user and the other coordinator 404;
- compliance documents: coordinators and member users; board members and reviewers 403. A
  document's file (coop A's): its coordinator and coop A's user download it; everyone else is
  told it does not exist (404), never sent to a public media address.
The dashboard's policy is in core.py. Anonymous visitors are sent to the login page (302).
"""

from __future__ import annotations

from tests.policies import Policy, personas

REGISTER_READ = dict(coordinator=200, board=200, member_a=200, member_b=404, coordinator_other=404,
                     anonymous=302)
COOP_A_WRITE = dict(coordinator=200, member_a=200, member_b=404, coordinator_other=404, anonymous=302)
COOP_A_COORDINATOR = dict(coordinator=200, member_b=404, coordinator_other=404, anonymous=302)


def _coop_a(world) -> dict:
    return {"pk": world.coop_a.pk}


def _stakeholder_of_coop_a(world) -> dict:
    from tests.factories import StakeholderClassFactory

    stakeholder = StakeholderClassFactory(coop=world.coop_a)
    return {"pk": world.coop_a.pk, "class_pk": stakeholder.pk}


def _contact_of_coop_a(world) -> dict:
    from members.models import Contact

    contact = Contact.objects.create(coop=world.coop_a, name="Rhian Evans", email="rhian@example.org")
    return {"pk": world.coop_a.pk, "contact_pk": contact.pk}


def _document_of_coop_a(world) -> dict:
    from tests.factories import ComplianceDocumentFactory

    return {"pk": ComplianceDocumentFactory(coop=world.coop_a).pk}


def _document_with_a_file_of_coop_a(world) -> dict:
    from django.core.files.base import ContentFile

    from tests.factories import ComplianceDocumentFactory

    document = ComplianceDocumentFactory(coop=world.coop_a)
    document.file.save("insurance.pdf", ContentFile(b"%PDF-1.4 insurance"), save=True)
    return {"pk": document.pk}


POLICIES = [
    Policy("member-list", personas(403, coordinator=200, board=200, member_a=302, member_b=302,
                                   coordinator_other=200, anonymous=302),
           note="a member user is redirected to their own co-op's page"),
    Policy("member-create", personas(403, coordinator=200, coordinator_other=200, anonymous=302)),
    Policy("member-detail", personas(403, **REGISTER_READ), kwargs=_coop_a),
    Policy("member-edit", personas(403, **COOP_A_WRITE), kwargs=_coop_a),
    Policy("member-status", personas(403, **COOP_A_COORDINATOR), kwargs=_coop_a),
    Policy("member-history", personas(403, **COOP_A_COORDINATOR), kwargs=_coop_a),
    Policy("stakeholder-edit", personas(403, **COOP_A_WRITE), kwargs=_coop_a),
    Policy("stakeholder-delete", personas(403, coordinator=302, member_a=302, member_b=404,
                                          coordinator_other=404, anonymous=302),
           kwargs=_stakeholder_of_coop_a, method="POST",
           note="allowed: the class is removed and the page redirects to the classes"),
    Policy("contact-create", personas(403, **COOP_A_WRITE), kwargs=_coop_a),
    Policy("contact-edit", personas(403, **COOP_A_WRITE), kwargs=_contact_of_coop_a),
    Policy("ciw-registration-create", personas(403, **COOP_A_WRITE), kwargs=_coop_a),
    Policy("document-list", personas(403, coordinator=200, member_a=200, member_b=200,
                                     coordinator_other=200, anonymous=302)),
    Policy("document-create", personas(403, **COOP_A_WRITE), kwargs=_coop_a),
    Policy("document-download", personas(404, coordinator=200, member_a=200, anonymous=302),
           kwargs=_document_with_a_file_of_coop_a, note="the file itself, never a public media address"),
    Policy("document-edit", personas(403, **COOP_A_WRITE), kwargs=_document_of_coop_a),
    Policy("document-delete", personas(403, **COOP_A_WRITE), kwargs=_document_of_coop_a,
           note="GET is the confirmation page; the POST deletes"),
]
