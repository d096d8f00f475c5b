"""The counter workstation (综合一窗): queue panel, intake, cases, document preview, evaluator.

Importing this package does not import Qt; use `ui.counter.window.CounterWindow`.
"""
