-- Prints one JSON line with the figures bench/run.py reads. With BENCH_POST_PATHS set
-- (a file of paths, one per line), each request POSTs BENCH_POST_BODY to the next path,
-- threads taking turns so no path is used twice.
local paths = nil
local counter = 0
local thread_id = 0
local threads = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  threads = tonumber(os.getenv("BENCH_THREADS") or "1")
  thread_id = id or 0
  local file = os.getenv("BENCH_POST_PATHS")
  if file then
    paths = {}
    for line in io.lines(file) do paths[#paths + 1] = line end
  end
  n = 0
end

function request()
  if paths then
    local index = thread_id + n * threads + 1
    n = n + 1
    local path = paths[((index - 1) % #paths) + 1]
    return wrk.format("POST", path, nil, os.getenv("BENCH_POST_BODY"))
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
