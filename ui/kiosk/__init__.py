"""The ticket kiosk (自助取号机)."""
