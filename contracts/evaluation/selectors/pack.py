"""Who may read a submitted bid's pack (``contracts.bidding.selectors.pack``).

- the bid's consortium's coordinators and board members, once it is submitted (its standing
  submission);
- the tendering council's reviewers, as they read the submitted snapshot in the review: only
  once the submission deadline has passed (``review.can_review``), and only the standing
  submission of a bid submitted or decided (``review.standing_submissions``);
- anyone else, a member user included, and a bid with no standing submission: 404.
"""

from __future__ import annotations

from django.http import Http404

from consortium.models import User
from contracts.bidding.selectors.bids import standing_submission
from contracts.bidding.selectors.pack import consortium_may_read_pack
from contracts.evaluation.selectors.review import can_review
from contracts.models import Bid, BidStatus, BidSubmission

COUNCIL_SEES = (BidStatus.SUBMITTED, BidStatus.AWARDED, BidStatus.UNSUCCESSFUL)


def pack_submission_get_for_user(user: User, pk) -> BidSubmission:
    """The standing submission of bid ``pk``, if the user may read its pack; otherwise 404."""
    if not user.is_authenticated:
        raise Http404
    try:
        bid = Bid.objects.select_related("tender").get(pk=pk)
    except (Bid.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    allowed = (consortium_may_read_pack(user, bid)
               or (bid.status in COUNCIL_SEES and can_review(user, bid.tender)))
    submission = standing_submission(bid) if allowed else None
    if submission is None:
        raise Http404
    return submission
