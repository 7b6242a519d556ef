"""rate_cards."""
