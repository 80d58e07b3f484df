#!/bin/sh
# The "system browser" of the end-to-end tests: xdg-open hands it the URL (through $BROWSER, as
# on a desktop with no browser registered), and it records the URL for the test, which then plays
# the person on that page over HTTP.
printf '%s\n' "$1" >> "$HOME/opened-urls.txt"
