"""Demo data of governance, one module per part; seed_demo calls each part's seed."""
