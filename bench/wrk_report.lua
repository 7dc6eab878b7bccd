-- Prints one JSON line with the figures bench/run.py reads.
-- BENCH_REQUESTS (a file, one request per line: METHOD, path and headers "Name: value",
-- separated by tabs) makes the requests take turns: many people, each with their own
-- session or token and their own page. BENCH_POST_BODY is the body of a POST.
-- Threads interleave, so with one line per survey link no link is used twice.
local requests_list = nil
local counter = 0
local thread_id = 0
local threads = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local function split(line)
  local fields = {}
  for field in string.gmatch(line, "[^\t]+") do fields[#fields + 1] = field end
  return fields
end

function init(args)
  threads = tonumber(os.getenv("BENCH_THREADS") or "1")
  thread_id = id or 0
  local file = os.getenv("BENCH_REQUESTS")
  if file then
    requests_list = {}
    local body = os.getenv("BENCH_POST_BODY")
    for line in io.lines(file) do
      local fields = split(line)
      local headers = {}
      for i = 3, #fields do
        local name, value = string.match(fields[i], "^([^:]+):%s*(.*)$")
        if name then headers[name] = value end
      end
      local method = fields[1]
      requests_list[#requests_list + 1] = wrk.format(method, fields[2], headers, method == "POST" and body or nil)
    end
  end
  n = 0
end

function request()
  if requests_list then
    local index = thread_id + n * threads + 1
    n = n + 1
    return requests_list[((index - 1) % #requests_list) + 1]
  end
  return wrk.format(nil, nil)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "socket_errors": %d, "status_errors": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
