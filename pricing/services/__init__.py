"""Every write of pricing, one module per area (submissions, rate cards, negotiations).
Import from the module: ``from pricing.services import rate_cards``."""
