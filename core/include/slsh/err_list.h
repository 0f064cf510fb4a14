/*
 * The one list of slsh error codes. It feeds the C enum (err.h) and the
 * `code` strings that Lua sees, so the two can never drift apart.
 *
 * SLSH_ERR(ENUM_SUFFIX, "lua_code", "what it means")
 *
 * Errors answered by a cloud service carry the service's own code string
 * (e.g. "LogStoreNotExist"); these are slsh's own codes for everything else.
 * Lua code uses no other lower-case code (tests/lua/err_codes_spec.lua).
 *
 * Installed with the other headers. It has no include guard, since each
 * use defines SLSH_ERR its own way; without SLSH_ERR it is empty, so that
 * it compiles on its own like every installed header.
 */
#ifdef SLSH_ERR
SLSH_ERR(OK, "ok", "no error")
SLSH_ERR(NOMEM, "out_of_memory", "out of memory")
SLSH_ERR(INVALID_ARGUMENT, "invalid_argument", "a required argument is missing or wrong")
SLSH_ERR(TOO_LARGE, "too_large", "a size limit was exceeded")
SLSH_ERR(JSON_SYNTAX, "json_syntax", "the text is not valid JSON")
SLSH_ERR(JSON_DEPTH, "json_too_deep", "JSON nesting is deeper than the limit")
SLSH_ERR(JSON_TYPE, "json_type", "a value cannot be represented in JSON")
SLSH_ERR(JSON_RANGE, "json_range", "a JSON number cannot be held exactly (out of range)")
SLSH_ERR(NETWORK, "network", "the connection failed")
SLSH_ERR(TIMEOUT, "timeout", "the request timed out")
SLSH_ERR(TLS, "tls", "TLS handshake or verification failed")
SLSH_ERR(INSECURE, "insecure_transport", "plain HTTP to a non-loopback address")
SLSH_ERR(BAD_RESPONSE, "bad_response", "the service answered something unreadable")
SLSH_ERR(CLOSED, "closed", "the object was closed")
SLSH_ERR(CREDENTIALS_MISSING, "credentials_missing", "no credentials were found")
SLSH_ERR(CREDENTIALS_INVALID, "credentials_invalid", "a credentials source is malformed")
SLSH_ERR(CREDENTIALS_UNAVAILABLE, "credentials_unavailable", "credentials could not be fetched")
SLSH_ERR(ENCRYPT_CONF_INVALID, "invalid_encrypt_conf", "encrypt_conf breaks a rule")
SLSH_ERR(MECHANISM_LOCKED, "mechanism_locked", "service key vs BYOK cannot change")
SLSH_ERR(ENCRYPT_TYPE_LOCKED, "encrypt_type_locked", "the algorithm cannot change")
SLSH_ERR(CMK_LOCKED, "cmk_locked", "the CMK of a BYOK logstore cannot change")
SLSH_ERR(RETENTION, "retention_shortened", "the change would shorten retention")
SLSH_ERR(FIELD_LOCKED, "field_locked", "the logstore field cannot change through an update")
SLSH_ERR(LOGSTORE_INVALID, "invalid_logstore", "a logstore field has the wrong type or range")
SLSH_ERR(DRIFT, "drift", "fields changed that were not meant to")
SLSH_ERR(COUNT_MISMATCH, "count_mismatch", "a copy wrote another number of logs than it read")
SLSH_ERR(UNVERIFIED, "unverified", "written, but reading it back failed: not verified")
SLSH_ERR(INTERRUPTED, "interrupted", "interrupted by the user")
SLSH_ERR(IO, "io", "a file could not be opened, read or written")
SLSH_ERR(USAGE, "usage", "the command line is wrong (unknown option or missing value)")
SLSH_ERR(LUA_ERROR, "lua_error", "a script raised an error (a bug or a failed assert)")
SLSH_ERR(INTERNAL, "internal", "internal error")
#endif
