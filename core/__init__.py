"""What every app uses and that depends on no app (DESIGN.md §2): the financial clock and
money. It imports nothing of the project but config.errors."""
