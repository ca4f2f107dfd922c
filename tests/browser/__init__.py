"""Browser tests: the real site in Debian's Chromium, driven by Playwright."""
