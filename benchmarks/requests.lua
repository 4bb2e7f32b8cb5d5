-- wrk script for benchmarks/load.py and side_by_side.py: replay a file of prepared requests, count
-- the answers by status, and print one JSON line of figures when the run ends.
--
--   wrk -t1 -c20 -d15s -s benchmarks/requests.lua http://127.0.0.1:8765 -- REQUESTS_FILE [THINK_MS]
--
-- Each line of REQUESTS_FILE is `METHOD<TAB>PATH` or `METHOD<TAB>PATH<TAB>BODY` (a form body, sent
-- as application/x-www-form-urlencoded), optionally followed by `<TAB>Name: value` headers of that
-- request alone (side_by_side.py: each SigV4-signed call's Authorization and X-Amz-Date; BODY may be
-- empty). The lines are used in order and start again at the top
-- when the file runs out: load.py writes enough signed API requests (each with its own nonce) that
-- no line is sent twice at the expected rate; a repeated nonce would show up as status 400.
-- Headers given with `wrk -H` (the session cookie) go with every request except signed API calls
-- (paths `/?…`): the SDKs send no cookie, and a call carrying a console session would also pay for
-- loading that session and its user.
--
-- THINK_MS (optional): each connection waits a random 0.5-1.5 x THINK_MS before each request, like
-- a person reading the page (wrk's latency does not include the wait). Without it, every
-- connection sends its next request as soon as the answer arrives (the server is saturated).

local requests = {}
local counter = 0
statuses = {} -- global: done() reads each thread's copy with thread:get()
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

function init(args)
  local path = args[1]
  local file = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  for line in file:lines() do
    if line ~= "" then
      local fields = split(line)
      local headers = {}
      local signed_call = fields[2]:sub(1, 2) == "/?"
      for name, value in pairs(wrk.headers) do
        if not (signed_call and name == "Cookie") then
          headers[name] = value
        end
      end
      for i = 4, #fields do
        local name, value = fields[i]:match("^([^:]+):%s*(.*)$")
        if name ~= nil then
          headers[name] = value
        end
      end
      local body = fields[3]
      if body ~= nil and body ~= "" then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      else
        body = nil
        if fields[1] == "POST" then
          headers["Content-Length"] = "0"
        end
      end
      table.insert(requests, wrk.format(fields[1], fields[2], headers, body))
    end
  end
  file:close()
  assert(#requests > 0, "no requests in " .. path)
  local think = tonumber(args[2] or "0")
  if think > 0 then
    math.randomseed(os.time())
    -- wrk looks for delay() after init(): defined only here, the saturated runs never wait.
    function delay()
      return math.floor(think * (0.5 + math.random()))
    end
  end
end

function request()
  counter = counter + 1
  if counter > #requests then
    counter = 1
  end
  return requests[counter]
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests_)
  local merged = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses") or {}
    for status, count in pairs(counts) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(merged) do
    table.insert(parts, string.format('"%s": %d', status, count))
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "rps": %.3f, '
      .. '"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "mean_ms": %.3f, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    table.concat(parts, ", ")
  ))
end
