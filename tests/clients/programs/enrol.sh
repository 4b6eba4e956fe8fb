#!/bin/sh
# Enrol a person in DigitalChalk, as an integration does: find them by email (or create them), list the
# offerings open to them, register them in the first, read the registration back.
#
# `sh enrol.sh HOST EMAIL`, the token in DIGITALCHALK_TOKEN. It calls https://HOST/dc/api/v5 with plain
# curl: which CAs to trust, and where HOST is, are curl's own settings (CURL_CA_BUNDLE, or `cacert` and
# `resolve` in $CURL_HOME/.curlrc). Prints each call (method, path, status, Location, body) as JSON; exits
# non-zero at the first status the call does not succeed with, or when curl fails.
set -eu

host=$1
email=$2
base="https://$host/dc/api/v5"
answer=$(mktemp)
transcript=""
trap 'rm -f "$answer"; printf "[%s]\n" "$transcript"' EXIT

# call METHOD PATH EXPECTED_STATUS [CURL_ARGS...]: sets $location and $body.
call() {
    method=$1
    path=$2
    expected=$3
    shift 3
    written=$(curl --silent --show-error --request "$method" --output "$answer" \
        --write-out '%{http_code} %header{location}' \
        --header "Authorization: Bearer $DIGITALCHALK_TOKEN" \
        --header 'Accept: application/json' --header 'Content-Type: application/json' \
        "$@" "$base$path")
    status=${written%% *}
    location=${written#* }
    body=$(cat "$answer")
    shown_location=null
    if [ -n "$location" ]; then shown_location="\"$location\""; fi
    step="{\"method\": \"$method\", \"path\": \"/dc/api/v5$path\", \"status\": $status,"
    step="$step \"location\": $shown_location, \"body\": ${body:-null}}"
    transcript="${transcript:+$transcript, }$step"
    if [ "$status" != "$expected" ]; then
        echo "enrol: $method $base$path: $status $body" >&2
        exit 1
    fi
}

# The first id in an answer (the mock, like the vendor, writes each result's id first).
first_id() {
    printf '%s' "$1" | sed -n 's/^[^"]*"results":\[{"id":"\([0-9a-f]*\)".*/\1/p'
}

call GET /users 200 --get --data-urlencode "email=$email"
user_id=""
case $body in *"\"email\":\"$email\""*) user_id=$(first_id "$body") ;; esac
if [ -z "$user_id" ]; then
    call POST /users 201 --data "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"email\": \"$email\",
        \"password\": \"Analytical-1843\"}"
    user_id=${location##*/}
fi
call GET /offerings 200 --get --data-urlencode "userId=$user_id"
offering_id=$(first_id "$body")
call POST /registrations 201 --data "{\"userId\": \"$user_id\", \"offeringId\": \"$offering_id\"}"
call GET "/registrations/${location##*/}" 200
