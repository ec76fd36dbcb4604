-- Books turns on one deployment's shared schedule for a worker's ready requests (see RedisQuotaStore).
-- KEYS[1] token log (ZSET: member "seq:reserve:chars:tokens", score = the request's turn in microseconds)
-- KEYS[2] sums (HASH: tok, chars, toks, max) over the token log
-- KEYS[3] request log (ZSET: member "seq", score = turn)
-- KEYS[4] cooldown (STRING with a TTL)
-- KEYS[5] sequence (STRING counter)
-- KEYS[6] pacers (HASH: tl, tt = token level and its time; rl, rt = the same for requests)
-- ARGV: tokenLimit, requestLimit, tokenSpanUs, requestSpanUs, tokenWindowUs, requestWindowUs, tokenBurst,
--       requestBurst, aheadUs, keyTtlMs, n, then n triples (reserve, chars, tokens) in the worker's order
-- Returns {coolUs, waitUs, usedRequests, granted, then per granted request: delayUs, usedTokens, sumChars,
--          sumTokens, sumMax}: the first `granted` requests have a turn `delayUs` from now (in order, first come
--          first served across the fleet); the rest are refused, `waitUs` being when the first of them would fit in
--          the horizon. The sums are the fleet's admissions over the service's window (tokenWindowUs) at that turn.
--
-- A turn t is the earliest time, not before any turn booked so far, at which
--   * the pacers (refilled at exactly limit / window, burst tokenBurst or the request itself) hold the request:
--     the fleet sends at the quota's rate instead of replaying a window's burst every window;
--   * the tokens with turns in (t - tokenSpan, t] plus this request stay within tokenLimit, and likewise the
--     requests in (t - requestSpan, t]: the spans are the service's windows plus the margin, so the windows are
--     exact for the fleet whatever the deployment's size.
-- Turns never go back, so no later booking changes a window an earlier one was checked against.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tokenLimit, requestLimit = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokenSpan, requestSpan = tonumber(ARGV[3]), tonumber(ARGV[4])
local tokenWindow, requestWindow = tonumber(ARGV[5]), tonumber(ARGV[6])
local tokenBurst, requestBurst = tonumber(ARGV[7]), tonumber(ARGV[8])
local ahead, ttl, n = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
local tokenRate, requestRate = tokenLimit / tokenWindow, requestLimit / requestWindow

-- Scores as exact integers (Lua's own number-to-string keeps 14 digits; microsecond times have 16).
local function int(x)
  return string.format('%d', x)
end
local function after(x)
  return '(' .. int(x)
end

local function reserveOf(member)
  return tonumber(string.match(member, '^[^:]+:(-?%d+):'))
end
local function parse(member)
  local _, r, c, k = string.match(member, '^([^:]+):(-?%d+):(-?%d+):(-?%d+)$')
  return tonumber(r), tonumber(c), tonumber(k)
end

-- Forget what left the token window (before now): subtract it from the running sums.
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', int(now - tokenSpan))
for _, m in ipairs(old) do
  local r, c, k = parse(m)
  redis.call('HINCRBY', KEYS[2], 'tok', -r)
  redis.call('HINCRBY', KEYS[2], 'chars', -c)
  redis.call('HINCRBY', KEYS[2], 'toks', -k)
  redis.call('HINCRBY', KEYS[2], 'max', -math.max(c, k))
end
if #old > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', int(now - tokenSpan))
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', int(now - requestSpan))

local coolMs = redis.call('PTTL', KEYS[4])
if coolMs > 0 then
  return {coolMs * 1000, coolMs * 1000, redis.call('ZCARD', KEYS[3]), 0}
end

local p = redis.call('HMGET', KEYS[6], 'tl', 'tt', 'rl', 'rt')
local tl, tt = tonumber(p[1] or tokenBurst), tonumber(p[2] or now)
local rl, rt = tonumber(p[3] or requestBurst), tonumber(p[4] or now)
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local start = math.max(now, tt, rt)
if #last > 0 then start = math.max(start, tonumber(last[2])) end

-- Tokens with turns after `edge` (every entry is after now - tokenSpan).
local function tokensAfter(edge)
  local used = tonumber(redis.call('HGET', KEYS[2], 'tok') or '0')
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', int(edge))) do
    used = used - reserveOf(m)
  end
  return used
end

-- The earliest time from `from` at which a bucket (level l at time lt, refilled at `rate` up to `cap`) holds `c`.
local function paced(from, l, lt, rate, cap, c)
  local level = math.min(cap, l + rate * (from - lt))
  if level >= c then return from, level end
  local at = from + math.ceil((c - level) / rate)
  return at, math.min(cap, l + rate * (at - lt))
end

-- The earliest time from `from` at which `reserve` more tokens keep the token window within its limit.
local function tokenTurn(from, reserve)
  local over = tokensAfter(from - tokenSpan) + reserve - tokenLimit
  if over <= 0 then return from end
  local entries = redis.call('ZRANGEBYSCORE', KEYS[1], after(from - tokenSpan), '+inf', 'WITHSCORES')
  local freed = 0
  for i = 1, #entries, 2 do
    freed = freed + reserveOf(entries[i])
    if freed >= over then return tonumber(entries[i + 1]) + tokenSpan end
  end
  return from + tokenSpan
end

local function requestTurn(from)
  local over = redis.call('ZCOUNT', KEYS[3], after(from - requestSpan), '+inf') + 1 - requestLimit
  if over <= 0 then return from end
  local e = redis.call('ZRANGEBYSCORE', KEYS[3], after(from - requestSpan), '+inf', 'WITHSCORES', 'LIMIT',
      over - 1, 1)
  return tonumber(e[2]) + requestSpan
end

-- The fleet's admissions over the service's window at turn `at`, per prompt rule.
local function sums(at)
  local s = redis.call('HMGET', KEYS[2], 'chars', 'toks', 'max')
  local c, k, x = tonumber(s[1] or '0'), tonumber(s[2] or '0'), tonumber(s[3] or '0')
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', int(at - tokenWindow))) do
    local _, mc, mk = parse(m)
    c, k, x = c - mc, k - mk, x - math.max(mc, mk)
  end
  return c, k, x
end

local out = {0, 0, 0, 0}
local granted = 0
for i = 1, n do
  local reserve = tonumber(ARGV[11 + 3 * i - 2])
  local chars, toks = tonumber(ARGV[11 + 3 * i - 1]), tonumber(ARGV[11 + 3 * i])
  local at, tlev = paced(start, tl, tt, tokenRate, math.max(tokenBurst, reserve), reserve)
  local at2, rlev = paced(start, rl, rt, requestRate, math.max(requestBurst, 1), 1)
  at = math.max(at, at2)
  at = math.max(tokenTurn(at, reserve), requestTurn(at))
  if at - now > ahead then
    out[2] = math.max(1000, at - now - ahead)
    break
  end
  -- Book the turn: the pacers' levels at `at`, less this request.
  tl = math.min(math.max(tokenBurst, reserve), tl + tokenRate * (at - tt)) - reserve
  tt = at
  rl = math.min(math.max(requestBurst, 1), rl + requestRate * (at - rt)) - 1
  rt = at
  start = at
  local seq = redis.call('INCR', KEYS[5])
  redis.call('ZADD', KEYS[1], int(at), seq .. ':' .. reserve .. ':' .. chars .. ':' .. toks)
  redis.call('HINCRBY', KEYS[2], 'tok', reserve)
  redis.call('HINCRBY', KEYS[2], 'chars', chars)
  redis.call('HINCRBY', KEYS[2], 'toks', toks)
  redis.call('HINCRBY', KEYS[2], 'max', math.max(chars, toks))
  redis.call('ZADD', KEYS[3], int(at), seq)
  granted = granted + 1
  local c, k, x = sums(at)
  table.insert(out, at - now)
  table.insert(out, tokensAfter(at - tokenSpan))
  table.insert(out, c)
  table.insert(out, k)
  table.insert(out, x)
end
if granted > 0 then
  redis.call('HSET', KEYS[6], 'tl', string.format('%.3f', tl), 'tt', int(tt),
      'rl', string.format('%.6f', rl), 'rt', int(rt))
  for _, i in ipairs({1, 2, 3, 5, 6}) do redis.call('PEXPIRE', KEYS[i], ttl) end
end
out[3] = redis.call('ZCOUNT', KEYS[3], after(start - requestSpan), '+inf')
out[4] = granted
return out
