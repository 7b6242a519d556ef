"""What the evaluation stage tells the later stages, inside the transaction of the change (the
award's tender, lot and award rows locked); received in ``contracts.<stage>.receivers``.

- ``award_confirmed``: an award's standstill ended and it was confirmed (sender ``Award``;
  ``award``, ``by``). Its lot is awarded and its bids settled.
"""

from django.dispatch import Signal

award_confirmed = Signal()
