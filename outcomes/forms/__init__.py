"""Forms of the outcomes pages: each part's module (``outcomes.forms.<part>``)."""
