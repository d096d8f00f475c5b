"""The hall manager dashboard."""
