"""The applicant-facing evaluator window (好差评)."""
