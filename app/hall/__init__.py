"""Qt-free services of the hall screens: kiosk flow, voice text, board and dashboard figures, exports."""
