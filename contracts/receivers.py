"""Connects each stage's receivers (imported for their ``@receiver`` decorators by
``ContractsConfig.ready``). A stage answers the signals of the stages before it and of lower
apps; it never calls a later stage."""

from contracts.bidding import receivers as bidding_receivers
from contracts.delivery import receivers as delivery_receivers
from contracts.evaluation import receivers as evaluation_receivers

__all__ = ["bidding_receivers", "delivery_receivers", "evaluation_receivers"]
