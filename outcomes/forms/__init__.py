"""The outcomes pages' forms, one module per part (as services/, selectors/ and web/)."""
