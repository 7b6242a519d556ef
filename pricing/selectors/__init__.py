"""Every scoped read of pricing, one module per area. Import from the module."""
