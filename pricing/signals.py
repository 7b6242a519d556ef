"""What pricing tells the apps above it (sent inside the transaction that made the change, so
what a receiver writes commits or rolls back with it). Pricing imports nothing from them.

- ``rate_card_in_force``: a rate card was put in force. Sent with ``sender=RateCard``,
  ``card=<the RateCard>``, ``by=<User or None>`` (who put it in force: for a negotiation's card,
  whoever accepted the offer, a council reviewer or a coordinator) and ``on=<date>`` (the day it
  was put in force, Europe/London). ``contracts.delivery.receivers`` varies the live contracts
  the card covers.
"""

from __future__ import annotations

from django.dispatch import Signal

rate_card_in_force = Signal()
