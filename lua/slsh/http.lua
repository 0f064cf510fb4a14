--- slsh.http: the HTTP client (docs/design.md, the engine), a thin layer over the C engine
-- (slsh.http.core, lua/l_http.c).
--
--   local c = slsh.http.client{timeout=, connect_timeout=, max_body=,
--                              ca_file=, connect_to=, user_agent=,
--                              max_connections=}
--   local x = c:submit{method=, url=, headers=, body=, timeout=}
--   c:step(seconds) -> n finished        x:done() -> bool
--   x:result() -> response | nil, err
--   c:request{...} -> response | nil, err
--   c:close()
--
-- A response is {status=, headers= (lower-case name -> value, repeats
-- joined with ", "), header_list= ({name, value} as received), body=,
-- http_version=, time=, dns_time=, connect_time=, tls_time=,
-- first_byte_time=, submitted_at=, finished_at=, ip=, port=,
-- new_connection=}. An HTTP status is data: a 404 is a response. The
-- world's failures are nil, err with err.code one of network, timeout,
-- tls, too_large, insecure_transport, closed (with the timing and address
-- of the attempt, and curl_code). Misuse raises.
--
-- Every submitted transfer starts at once: how many run together is the
-- caller's choice (slsh.task.map's concurrency). max_connections caps the
-- connections per host; a transfer held back by it waits inside curl and
-- that wait counts against its timeout.
--
-- A request holds no state of its own, so retrying is submitting again
-- (after re-signing): nothing of an earlier attempt leaks into the next.

local core = require "slsh.http.core"

local M = {}

local task -- slsh.task, loaded on the first request

--- Send a request and wait for the answer: inside a slsh.task task the
-- wait yields to the scheduler; outside it steps this client until done.
function core.client_methods.request(c, req)
  local x, err = c:submit(req)
  if not x then return nil, err end
  task = task or require "slsh.task"
  task.await_transfer(c, x)
  return x:result()
end

M.client = core.client
M.engine = core.engine
M.default_timeout = core.default_timeout

return M
