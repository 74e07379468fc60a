-- wrk reporter: one JSON line with p50/p95/p99 latency (ms), requests per second, errors.
-- Env: WRK_LABEL tags the line; WRK_HEADER ("Name: value") is sent with every request.
local label = os.getenv("WRK_LABEL") or "run"
local header = os.getenv("WRK_HEADER")
if header then
  local name, value = header:match("^([^:]+):%s*(.*)$")
  wrk.headers[name] = value
end

done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    '{"label":"%s","requests":%d,"secs":%.2f,"rps":%.1f,"p50_ms":%.2f,"p95_ms":%.2f,'
      .. '"p99_ms":%.2f,"max_ms":%.2f,"non2xx3xx":%d,"socket_errors":%d}\n',
    label, summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
