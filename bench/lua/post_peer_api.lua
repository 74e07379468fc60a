-- wrk: POST a new ticket to django-helpdesk's REST API as JSON, as a signed-in staff user
-- (session cookie and CSRF token, as its browsable API and DRF's session authentication want).
-- Env: WRK_LABEL, WRK_HEADER ("Cookie: sessionid=...; csrftoken=..."), WRK_QUEUE (queue id),
-- WRK_CSRF (the token). Reports like report.lua; a distinct title each time.
dofile(os.getenv("WRK_LUA_DIR") .. "/report.lua")
local queue = os.getenv("WRK_QUEUE") or "1"
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["X-CSRFToken"] = os.getenv("WRK_CSRF")

request = function()
  n = n + 1
  local body = string.format(
    '{"queue":%s,"title":"Printer jammed bench API %d","description":"The printer on floor 2 '
      .. 'shows a paper jam again.","priority":3,"submitter_email":"user%05d@client.example"}',
    queue, n, (n % 5000) + 1)
  return wrk.format(nil, nil, nil, body)
end
