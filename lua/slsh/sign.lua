--- slsh.sign: pure signing primitives: no clock, no randomness, no network.
-- No clock, no randomness, no network: every input is explicit, so each
-- signer is checked against the vectors the official SDKs publish
-- (tests/lua/sign_spec.lua). The work is done in C (core/sign.c).
--
-- Query and parameter tables map a name to its decoded value: a string,
-- a number (integers are written without ".0"), or a list of them for a
-- repeated name. Booleans are refused. Header names match in any case.
-- Misuse (a missing or mistyped field, an unknown field name, a request
-- the signer refuses) raises an error that names the field and never
-- quotes a value.

local core = require "slsh.sign.core"

local M = {}

--- SLS signature V1.
-- `t`: method, path, query?, headers (Date, x-log-signaturemethod =
-- hmac-sha1 | hmac-sha256, x-log-*, x-acs-*, Content-MD5?, Content-Type?;
-- x-log-date is not signed by V1), body? (checked against Content-MD5),
-- access_key_id, access_key_secret.
-- Returns the Authorization value `LOG <ak>:<sig>` and the string to sign.
M.sls_v1 = core.sls_v1

--- SLS signature V4 (SLS4-HMAC-SHA256).
-- As sls_v1 plus `region`; headers must hold x-log-date and
-- x-log-content-sha256 (body?, when given, is checked against it); host
-- and content-type are signed when present. Returns Authorization and
-- the canonical request.
M.sls_v4 = core.sls_v4

--- RPC signature V1 (HMAC-SHA1, key `secret&`).
-- `t`: method ("GET" or "POST"), params (every parameter but Signature),
-- access_key_secret. Returns the base64 signature and the string to sign.
M.rpc_v1 = core.rpc_v1

--- The canonicalized (encoded, sorted) query of RPC parameters: the URL
-- query of a GET, or the form body of a POST, before `&Signature=`.
M.rpc_query = core.rpc_query

--- ACS3-HMAC-SHA256.
-- `t`: method, path, query?, headers (host, x-acs-* including
-- x-acs-content-sha256, content-type?), body? (checked against
-- x-acs-content-sha256), payload_hash? (the hashed payload when that
-- header is not sent), access_key_id, access_key_secret.
-- Returns Authorization and the canonical request.
M.acs3 = core.acs3

--- RFC 3986 percent-encoding: only A-Z a-z 0-9 - _ . ~ stay literal.
M.percent_encode = core.percent_encode

--- Upper-case hex MD5 (the form Content-MD5 takes for SLS).
M.md5_hex = core.md5_hex

--- Lower-case hex SHA-256.
M.sha256_hex = core.sha256_hex

--- Raw HMAC-SHA1 / HMAC-SHA256 of `msg` under `key`.
M.hmac_sha1 = core.hmac_sha1
M.hmac_sha256 = core.hmac_sha256

--- Standard base64, with padding.
M.base64 = core.base64

--- Dates from integer epoch seconds, in English whatever the locale:
-- RFC 1123 (`Mon, 03 Jan 2022 08:33:47 GMT`), V4 (`20220103T083347Z`)
-- and ISO 8601 (`2022-01-03T08:33:47Z`).
M.http_date = core.http_date
M.v4_date = core.v4_date
M.iso8601 = core.iso8601

return M
