"""What outcomes answers in the apps below it (filled by its parts)."""
