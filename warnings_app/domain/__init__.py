"""The business rules, each named once with its wording: every page, API figure, export, queue
section and dashboard rollup that shows one of them uses the definition here."""
