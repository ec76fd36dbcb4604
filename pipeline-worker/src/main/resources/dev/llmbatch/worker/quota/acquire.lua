-- Atomic admission against one deployment's shared sliding windows (see RedisQuotaStore).
-- KEYS[1] token log (ZSET: member "seq:reserve:chars:tokens", score = time in microseconds)
-- KEYS[2] sums (HASH: tok, chars, toks, max)
-- KEYS[3] request log (ZSET: member "seq", score = time)
-- KEYS[4] cooldown (STRING with a TTL)
-- KEYS[5] sequence (STRING counter)
-- ARGV: tokenLimit, requestLimit, tokenSpanUs, requestSpanUs, serviceSpanUs, reserve, chars, tokens, keyTtlMs
-- Returns {granted, waitUs, usedTokens, usedRequests, coolingUs, sumChars, sumTokens, sumMax}; the sums are over
-- the service's own window (serviceSpanUs), after this admission.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tokenLimit, requestLimit = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokenSpan, requestSpan, serviceSpan = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local reserve, chars, toks = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local ttl = tonumber(ARGV[9])

local function parse(member)
  local _, r, c, k = string.match(member, '^(%d+):(-?%d+):(-?%d+):(-?%d+)$')
  return tonumber(r), tonumber(c), tonumber(k)
end

-- Expire what left the token window: subtract it from the running sums.
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tokenSpan + 1))
for _, m in ipairs(old) do
  local r, c, k = parse(m)
  redis.call('HINCRBY', KEYS[2], 'tok', -r)
  redis.call('HINCRBY', KEYS[2], 'chars', -c)
  redis.call('HINCRBY', KEYS[2], 'toks', -k)
  redis.call('HINCRBY', KEYS[2], 'max', -math.max(c, k))
end
if #old > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tokenSpan + 1))
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (now - requestSpan + 1))

local used = tonumber(redis.call('HGET', KEYS[2], 'tok') or '0')
local requests = redis.call('ZCARD', KEYS[3])
local coolMs = redis.call('PTTL', KEYS[4])
local coolUs = 0
if coolMs > 0 then coolUs = coolMs * 1000 end

local function sums()
  -- Over the service's window only: entries older than serviceSpan still count towards our (longer) window.
  local s = redis.call('HMGET', KEYS[2], 'chars', 'toks', 'max')
  local c, k, x = tonumber(s[1] or '0'), tonumber(s[2] or '0'), tonumber(s[3] or '0')
  local edge = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - serviceSpan + 1))
  for _, m in ipairs(edge) do
    local _, mc, mk = parse(m)
    c, k, x = c - mc, k - mk, x - math.max(mc, mk)
  end
  return c, k, x
end

local wait = 0
if coolUs > 0 then wait = coolUs end
if used + reserve > tokenLimit then
  local need = used + reserve - tokenLimit
  local freed = 0
  local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
  for i = 1, #entries, 2 do
    local r = parse(entries[i])
    freed = freed + r
    if freed >= need then
      wait = math.max(wait, tonumber(entries[i + 1]) + tokenSpan - now)
      break
    end
  end
  if freed < need then wait = math.max(wait, tokenSpan) end
end
if requests + 1 > requestLimit then
  local k = requests + 1 - requestLimit
  local e = redis.call('ZRANGE', KEYS[3], k - 1, k - 1, 'WITHSCORES')
  wait = math.max(wait, tonumber(e[2]) + requestSpan - now)
end
if wait > 0 then
  local c, k, x = sums()
  return {0, wait, used, requests, coolUs, c, k, x}
end

local seq = redis.call('INCR', KEYS[5])
redis.call('ZADD', KEYS[1], now, seq .. ':' .. reserve .. ':' .. chars .. ':' .. toks)
redis.call('HINCRBY', KEYS[2], 'tok', reserve)
redis.call('HINCRBY', KEYS[2], 'chars', chars)
redis.call('HINCRBY', KEYS[2], 'toks', toks)
redis.call('HINCRBY', KEYS[2], 'max', math.max(chars, toks))
redis.call('ZADD', KEYS[3], now, seq)
for _, i in ipairs({1, 2, 3, 5}) do redis.call('PEXPIRE', KEYS[i], ttl) end
local c, k, x = sums()
return {1, 0, used + reserve, requests + 1, 0, c, k, x}
