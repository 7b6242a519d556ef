"""What the tendering stage tells the later stages. Each is sent inside the transaction of the
change (the tender's row locked), so what a receiver does commits or rolls back with it; the
receivers live in ``contracts.<stage>.receivers``, connected by ``ContractsConfig.ready``.

- ``tender_moved``: a tender's status moved (sender ``Tender``; ``tender``, ``was``, ``to``,
  ``by``). Its lots have already followed.
- ``tender_lots_changed``: the lots of a published tender changed (sender ``Tender``;
  ``tender``, ``by``).
"""

from django.dispatch import Signal

tender_moved = Signal()
tender_lots_changed = Signal()
