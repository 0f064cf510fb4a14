--- Raise the retention (ttl) of logstores to at least --days days
--
-- An example of a workflow of your own (docs/writing-a-workflow.md): put
-- it in a directory on $SLSH_PATH (or in ~/.config/slsh/workflows) and
-- run `slsh run raise-ttl --days 180`. Everything but the ttl logic comes
-- from slsh.workflow: the selection options, plan by default and --apply,
-- --journal to resume, --report, the progress bar, Ctrl-C that finishes
-- what is in flight, and the exit status.

local wf = require "slsh.workflow"

local opts = wf.parse(arg, {
  usage = "slsh [--region R] run raise-ttl --days N [OPTIONS]",
  summary = "Raise the retention (ttl) of the selected logstores to at least --days\n"
    .. "days; a longer one is left as it is. Plans by default: nothing changes\n"
    .. "without --apply.",
  mutating = true,
  options = {
    { "days", type = "integer", required = true, min = 1, max = 3650, metavar = "N",
      help = "the least retention, in days" },
  },
  epilog = "Exit status: 0 done (or planned); 1 the run could not start; 2 bad options;\n"
    .. "3 some logstore failed or its change could not be verified; 130/143 interrupted.",
})

-- The journal: with --apply --journal FILE, each raised logstore is
-- recorded, and a rerun with the same file reads it (one GET) but does
-- not write it again.
local journal = wf.journal(opts.journal, { read_only = not opts.apply,
                                           entries = opts.journal_entries })

-- One logstore: read it, decide, and with --apply write and verify.
-- Returns the row of the table and report; `nil, err` (or an error
-- raised) becomes a failed row with the error's code and request id.
local function raise(t, clients)
  local row = { region = t.region, project = t.project, logstore = t.logstore }
  local ls, err = clients.sls:get_logstore(t.project, t.logstore)
  if not ls then return nil, err end
  row.ttl = ls.ttl
  -- the journal is believed only when the logstore bears it out (it may
  -- come from a run against another endpoint): read every time
  local earlier = journal:get(t)
  if earlier and earlier.status == "raised" and ls.ttl >= opts.days then
    row.status = "journaled"
    row.reason = "raised by an earlier run (journal), read now: " .. ls.ttl .. " days"
    return row
  end
  if ls.ttl >= opts.days then
    row.status, row.reason = "done", "already " .. ls.ttl .. " days"
    return row
  end
  if not opts.apply then
    row.status, row.reason = "raise", ls.ttl .. " -> " .. opts.days .. " days"
    return row
  end
  -- the complete logstore as read above (checked again by the client,
  -- not read again) is merged, written, read back and compared by
  -- update_logstore: no field is lost, nothing is lowered
  local r, uerr = clients.sls:update_logstore(t.project, t.logstore, { ttl = opts.days },
                                              { current = ls })
  if not r then
    if uerr.written then
      -- accepted, but the read-back failed or disagreed: say so, and
      -- journal it so that a rerun reads it again
      row.status, row.reason = uerr.code, tostring(uerr.message)
      journal:record(t, { status = uerr.code, days = opts.days })
      return row
    end
    return nil, uerr
  end
  row.ttl = r.config.ttl
  row.status = #r.drift > 0 and "drift" or "raised"
  row.reason = ls.ttl .. " -> " .. r.config.ttl .. " days"
    .. (#r.drift > 0 and ("; the service also changed " .. #r.drift .. " other field(s)") or "")
  journal:record(t, { status = row.status, days = opts.days })
  return row
end

local out = assert(wf.output(opts, {
  columns = { "region", "project", "logstore", "ttl", "status", "reason" },
  -- the report also says which error, and the request id to quote
  report_columns = { "region", "project", "logstore", "ttl", "status", "reason",
                     "error_code", "request_id" },
  title = "raise-ttl",
}))
local targets, err = wf.targets(opts)
if not targets then
  out:discard()
  io.stderr:write("raise-ttl: cannot list the projects: ", tostring(err), "\n")
  os.exit(1)
end
wf.run(targets, raise, opts, opts.apply and "raising" or "planning", out)
journal:close()
local status = wf.finish(out)
if not opts.apply and (out.counts.raise or 0) > 0 and not wf.stopping() then
  print("nothing changed: rerun with --apply to raise " .. out.counts.raise .. " logstore(s)")
end
os.exit(status)
