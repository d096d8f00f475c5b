"""The counter workstation (综合一窗): queue panel, intake, cases, document preview, evaluator.

Importing this package does not import Qt. Entry points:
- `main.py counter` (ui/counter/cli.py): log-in dialog (or --user with $ONEWINDOW_PASSWORD), window
  choice, ID-card reader from the settings or --idcard-port, hall event pump.
- `ui.counter.window.CounterWindow(ctx, bus, staff, window, documents_dir=..., queue=...)`, and
  `demo_counter(ctx, bus, window_number)` for the one-process demo hall.
- `ui.counter.screenshots.render(ctx, outdir)` for `main.py screenshots`.

Keys: F1 call next · F2 recall · F3 no-show · Ctrl+F3 re-queue a late ticket · F4 start ·
F5 finish (opens the evaluator) · F6 transfer · F7 hold/resume · F8 pause/resume with a reason ·
Ctrl+F9 call a specific ticket (managers) · Alt+1/Alt+2 intake/cases · in the intake form
Ctrl+Enter accept, Ctrl+Shift+N/C/T/R/I one-time notice / commitment / tolerance / reject / instant,
Up/Down/Enter in the matter search · Ctrl+P print in the preview.
"""
