"""Policies of members' returns and the coordinator's check
(contracts/delivery/web/returns.py, contracts/delivery/api/returns.py).

- A member's return is written, submitted and read by its own co-op's users (member A); the
  consortium's coordinators read it and decide (accept, or send back with a reason); the
  consortium's board member sees the check page's totals only, and no single return (404);
  member B, the council's reviewers and the other consortium do not know it exists (404).
- The return's form is the member's: coordinators and the board, who see the sub-contract, are
  refused (403); everyone else 404.
- Lists: member users and coordinators get their own (possibly empty) list; board members and
  council reviewers 403.
- A write with an empty form or payload shows the form's error (200) or answers 400; a member
  submitting a return already submitted answers 409.
Objects: consortium A's Cardiff contract (``started_contract`` of tests/builders.py: started eight
weeks ago), coop A's return for its first period, submitted.
"""

from __future__ import annotations

from tests.policies import Policy, personas

API = "/api/v1"


def _submitted(world):
    from contracts.delivery.services.returns import return_save, return_submit
    from contracts.models import Contract, DeliveryReturn
    from tests.builders import contract_started, started_contract

    contract = Contract.objects.filter(consortium=world.consortium, council=world.council).first()
    contract = started_contract(world) if contract is None else contract_started(contract)
    sub = contract.subcontracts.get(coop=world.coop_a)
    period = contract.periods.order_by("start").first()
    ret = DeliveryReturn.objects.filter(subcontract=sub, period=period).first()
    if ret is None:
        ret = return_save(subcontract=sub, period=period, by=world.user("member_a"), lines=[
            {"council": "GB-CRF", "time_band": "weekday_day", "quantity": "240"},
            {"council": "GB-CRF", "time_band": "weekend", "quantity": "160"}])
        ret = return_submit(ret=ret, by=world.user("member_a"))
    return ret


def return_pk(world) -> dict:
    return {"pk": _submitted(world).pk}


def return_id(world) -> dict:
    return {"id": _submitted(world).pk}


def return_form(world) -> dict:
    ret = _submitted(world)
    return {"sub_pk": ret.subcontract_id, "period_pk": ret.period_id}


def contract_pk(world) -> dict:
    return {"pk": _submitted(world).subcontract.contract_id}


def check_period(world) -> dict:
    ret = _submitted(world)
    return {"pk": ret.subcontract.contract_id, "period_pk": ret.period_id}


LISTS = dict(member_a=200, member_b=200, coordinator=200, coordinator_other=200)
READS = dict(member_a=200, coordinator=200)
FORM = dict(member_a=200, coordinator=403, board=403)
CHECKS = dict(coordinator=200, board=200)

POLICIES = [
    # --- web pages ---
    Policy("return-list", personas(403, anonymous=302, **LISTS), note="scoped per role"),
    Policy("return-detail", personas(404, anonymous=302, **READS), kwargs=return_pk),
    Policy("return-accept", personas(404, anonymous=302, coordinator=302, member_a=403), kwargs=return_pk,
           method="POST", note="the coordinator accepts and seals it"),
    Policy("return-send-back", personas(404, anonymous=302, coordinator=200, member_a=403), kwargs=return_pk,
           method="POST", note="no reason: the form's error"),
    Policy("return-edit", personas(404, anonymous=302, **FORM), kwargs=return_form),
    Policy("return-edit", personas(404, anonymous=302, **{**FORM, "member_a": 302}), kwargs=return_form,
           method="POST", note="an empty form saves zeros on the submitted return, not yet decided"),
    Policy("return-import", personas(404, anonymous=302, **FORM), kwargs=return_form, method="POST",
           note="no file: the form's error"),
    Policy("return-check", personas(404, anonymous=302, **CHECKS), kwargs=contract_pk),
    Policy("return-check-period", personas(404, anonymous=302, **CHECKS), kwargs=check_period,
           note="the board: totals only"),
    # --- API ---
    Policy(f"GET {API}/returns/", personas(403, anonymous=401, **LISTS), note="scoped per role"),
    Policy(f"POST {API}/returns/", personas(403, anonymous=401, **{k: 400 for k in LISTS}),
           note="empty payload: no sub-contract or period"),
    Policy(f"POST {API}/returns/visits/", personas(403, anonymous=401, **{k: 400 for k in LISTS}),
           extra={"format": "multipart"}, note="empty upload: no file"),
    Policy(f"GET {API}/returns/{{id}}/", personas(404, anonymous=401, **READS), kwargs=return_id),
    Policy(f"POST {API}/returns/{{id}}/submit/", personas(404, anonymous=401, member_a=409, coordinator=403),
           kwargs=return_id, note="already submitted"),
    Policy(f"POST {API}/returns/{{id}}/accept/", personas(404, anonymous=401, member_a=403, coordinator=200),
           kwargs=return_id),
    Policy(f"POST {API}/returns/{{id}}/send-back/",
           personas(404, anonymous=401, member_a=403, coordinator=400), kwargs=return_id,
           note="empty payload: no reason"),
]
