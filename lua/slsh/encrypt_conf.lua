--- slsh.encrypt_conf: the encryption rules of an SLS logstore.
--
-- The first encryption choice on a logstore is permanent: the mechanism
-- (SLS service key or BYOK), the algorithm (encrypt_type) and the CMK never
-- change afterwards; only `enable` toggles. UpdateLogStore replaces the
-- whole logstore, so every update is GET -> merge -> PUT of the complete
-- document. The rules live in C (core/encconf.c, core/logstore.c); this
-- is their facade.
--
--   validate(conf)                      -> true | nil, err
--   check_transition(cur, want)         -> "create"|"toggle"|"noop" | nil, err
--   merge(logstore, conf)               -> body, kind | nil, err
--   merge_changes(logstore, changes, {allow_shorter_retention=,
--       allow_mode_change=, allow_telemetry_type_change=})  -> body | nil, err
--   byok{cmk_key_id=, arn=, region_id=, encrypt_type=?}     -> conf | nil, err
--   service_key{encrypt_type=?}                             -> conf | nil, err
--   with_enable(conf, bool)             -> conf | nil, err
--   to_api(conf) / from_api(api)        -> the camelCase body of
--                                          PUT /logstores/{ls}/encryption
--   check_logstore(doc, name?)          -> true | nil, err (bad_response):
--       is doc a complete, well-typed GetLogStore answer for `name`?
--   parse(conf)                         -> {mechanism="none"|"service_key"|"byok",
--       enable=, enable_known=, encrypt_type=, cmk_key_id=, arn=, region_id=}
--   valid_types                         -> list of accepted encrypt_type values
--
-- Misuse (an argument of the wrong type, an unknown option, a missing
-- builder field) raises. A document that breaks a rule returns nil, err:
-- err.code is invalid_encrypt_conf, mechanism_locked, encrypt_type_locked,
-- cmk_locked, retention_shortened, field_locked or invalid_logstore
-- (a logstore handed to a merge that check_logstore would refuse);
-- err.field names the offending path ("encrypt_conf.user_cmk_info.arn");
-- err.message states the rule and the valid values.
--
-- `cur` may be nil or slsh.json.null (no encryption yet). `want` must be
-- complete: to toggle, pass with_enable(cur, bool).

local core = require "slsh.encconf.core"
local common = require "slsh.client_common"

local M = {
  validate = core.validate,
  check_transition = core.check_transition,
  merge = core.merge,
  with_enable = core.with_enable,
  to_api = core.to_api,
  from_api = core.from_api,
  parse = core.parse,
  check_logstore = core.check_logstore,
  valid_types = {},
}
for i, t in ipairs(core.valid_types) do M.valid_types[i] = t end

--- A new BYOK conf (enable=true, encrypt_type "default" unless given).
function M.byok(opts)
  common.check_fields("byok", opts, {
    cmk_key_id = "string", arn = "string", region_id = "string",
    encrypt_type = "string",
  }, { "cmk_key_id", "arn", "region_id" }, "option")
  return core.byok(opts.cmk_key_id, opts.arn, opts.region_id, opts.encrypt_type)
end

--- A new SLS service-key conf (enable=true, encrypt_type "default" unless given).
function M.service_key(opts)
  opts = common.check_options("service_key", opts, { encrypt_type = "string" })
  return core.service_key(opts.encrypt_type)
end

local change_flags = {
  allow_shorter_retention = core.ALLOW_SHORTER_RETENTION,
  allow_mode_change = core.ALLOW_MODE_CHANGE,
  allow_telemetry_type_change = core.ALLOW_TELEMETRY_CHANGE,
}

--- The full UpdateLogStore body applying `changes` to `logstore`; the
-- guards (retention, mode, telemetryType) yield only to explicit options.
function M.merge_changes(logstore, changes, opts)
  for i, v in ipairs { logstore, changes } do
    if type(v) ~= "table" then
      error(("bad argument #%d to 'merge_changes' (table expected, got %s)"):format(i, type(v)), 2)
    end
  end
  opts = common.check_options("merge_changes", opts, {
    allow_shorter_retention = "boolean", allow_mode_change = "boolean",
    allow_telemetry_type_change = "boolean",
  })
  local flags = 0
  for name, bit in pairs(change_flags) do
    if opts[name] then flags = flags | bit end
  end
  return core.merge_changes(logstore, changes, flags)
end

return M
