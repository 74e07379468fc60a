-- wrk: POST a new ticket to Allié's API as JSON, with a token; a distinct title each time.
-- Env: WRK_LABEL, WRK_HEADER ("Authorization: Bearer allie_..."). Reports like report.lua.
dofile(os.getenv("WRK_LUA_DIR") .. "/report.lua")
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

request = function()
  n = n + 1
  local body = string.format(
    '{"title":"Imprimante bloquée (bench %d)","description":"Le bac 2 affiche un bourrage '
      .. 'depuis ce matin. The tray 2 shows a paper jam again."}', n)
  return wrk.format(nil, nil, nil, body)
end
