-- wrk script of the load test: every request carries one of the session
-- JWTs of the file given after "--", in turn, as a Bearer token. The
-- requests are formatted once, in init, so that Lua costs the same whatever
-- the server does. Each thread starts at a different token.
--
--   wrk -t2 -c64 -d10s -s rotate.lua http://127.0.0.1:PORT/ -- tokens.txt

local requests = {}
local position = 0

local thread_number = 0
function setup(thread)
  thread:set("offset", thread_number * 7919)
  thread_number = thread_number + 1
end

function init(args)
  local path = args[1]
  if path == nil then
    error("usage: wrk ... -s rotate.lua URL -- TOKENS_FILE")
  end
  for token in io.lines(path) do
    if token ~= "" then
      requests[#requests + 1] = wrk.format("GET", "/", { ["Authorization"] = "Bearer " .. token })
    end
  end
  if #requests == 0 then
    error("no token in " .. path)
  end
  position = (offset or 0) % #requests
end

function request()
  position = position % #requests + 1
  return requests[position]
end
