-- wrk: anonymous POST to django-helpdesk's public submit form (CSRF cookie + matching field).
-- Env: WRK_LABEL, WRK_QUEUE (queue id), WRK_CSRF (32 characters). Reports like report.lua.
dofile(os.getenv("WRK_LUA_DIR") .. "/report.lua")
local queue = os.getenv("WRK_QUEUE") or "1"
local token = os.getenv("WRK_CSRF")
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "csrftoken=" .. token

request = function()
  n = n + 1
  local body = "csrfmiddlewaretoken=" .. token .. "&queue=" .. queue
    .. "&title=Printer+jammed+bench+" .. n
    .. "&body=The+printer+on+floor+2+shows+a+paper+jam+again.&priority=3"
    .. "&submitter_email=user" .. string.format("%05d", (n % 5000) + 1) .. "%40client.example"
  return wrk.format(nil, nil, nil, body)
end
