#!/bin/sh
# An MCP server command that must never be started: it only leaves a marker.
touch "$(dirname "$0")/MARKER"
exit 1
