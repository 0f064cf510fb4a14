--- slsh.metadata: the network side of two credential sources, registered
-- as slsh.credentials fetchers when this module loads:
--   ecs_ram_role     the ECS instance metadata service (IMDSv2 token first,
--                    IMDSv1 only if that is not disabled)
--   credentials_uri  a URL answering {"Code":"Success","AccessKeyId",...}
-- Both go through the one HTTP engine, so --connect-to, TLS verification
-- and the plain-HTTP rule apply to them as to every other request.

local http = require "slsh.http"
local errors = require "slsh.err"
local credentials = require "slsh.credentials"

local M = {}

M.IMDS = "http://100.100.100.200"
local TOKEN_TTL = "21600"

-- One HTTP client per --connect-to and --ca-file value, made when first
-- needed: a script (or a test) that changes slsh.config later must not
-- keep talking to the old address. The CA file matters to an https
-- credentials URI.
local clients = {}
local function http_client()
  local config = require("slsh").config
  local key = (config.connect_to or "") .. "\0" .. (config.ca_file or "")
  local client = clients[key]
  if not client then
    client = http.client { connect_to = config.connect_to, ca_file = config.ca_file,
                           timeout = 10, connect_timeout = 5 }
    clients[key] = client
  end
  return client
end

local function fail(code, message)
  return nil, errors.new { code = code, message = message, service = "credentials" }
end

-- GET/PUT `url`; the body of a 200 answer, or nil, err.
local function fetch(method, url, headers, timeout, what)
  local res, err = http_client():request { method = method, url = url,
                                           headers = headers, timeout = timeout }
  if not res then
    err.message = what .. ": " .. err.message
    return nil, err
  end
  if res.status ~= 200 then
    return fail("credentials_unavailable",
                string.format("%s: HTTP status %d", what, res.status))
  end
  return res.body
end

--- The ecs_ram_role fetcher: spec {role_name?, imdsv1_disabled}.
function M.ecs_ram_role(spec)
  local headers = {}
  local token, terr = fetch("PUT", M.IMDS .. "/latest/api/token",
                            { ["X-aliyun-ecs-metadata-token-ttl-seconds"] = TOKEN_TTL },
                            1, "ECS metadata token")
  if token then
    headers["X-aliyun-ecs-metadata-token"] = token
  elseif spec.imdsv1_disabled then
    return nil, terr
  end
  local base = M.IMDS .. "/latest/meta-data/ram/security-credentials/"
  local role = spec.role_name
  if not role or role == "" then
    local body, err = fetch("GET", base, headers, 1, "ECS RAM role name")
    if not body then return nil, err end
    role = body:match("^%s*([^%s]+)")
    if not role then
      return fail("credentials_unavailable", "ECS metadata names no RAM role for this instance")
    end
  end
  local body, err = fetch("GET", base .. role, headers, 1, "ECS RAM role credentials")
  if not body then return nil, err end
  return credentials.parse_imds(body, "ecs_ram_role " .. role)
end

--- The credentials_uri fetcher: spec {uri}.
function M.credentials_uri(spec)
  local body, err = fetch("GET", spec.uri, {}, 10, "credentials URI")
  if not body then return nil, err end
  return credentials.parse_uri_response(body, "credentials_uri")
end

credentials.fetchers.ecs_ram_role = M.ecs_ram_role
credentials.fetchers.credentials_uri = M.credentials_uri

return M
