#!/bin/sh
# The backend's whole application: say who mod_auth_gssapi authenticated.
printf 'Content-Type: text/plain\r\n\r\n%s\n' "${REMOTE_USER:-nobody}"
