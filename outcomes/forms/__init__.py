"""Forms of the outcomes pages, one module per part (named as its services, selectors and web)."""
