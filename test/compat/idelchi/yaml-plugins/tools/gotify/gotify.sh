#!/bin/sh
cat >/dev/null
echo "sent to ${GARFIELD_LABS_GOTIFY_URL:-nowhere}"
