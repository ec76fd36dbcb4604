-- Shared cooldowns and corrections (see RedisQuotaStore).
-- KEYS[1] token log, KEYS[2] sums, KEYS[3] request log, KEYS[4] cooldown, KEYS[5] sequence
-- ARGV: coolMs (0: none), extraTokens (0: none), extraRequests (0: none), keyTtlMs, channel, deployment
-- A cooldown only ever lengthens, and is published on the channel ("<coolMs> <deployment>") so that every worker
-- cools at once, requests it had already booked included; corrections are entries stamped now that count in every
-- rule's sum.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local coolMs, extraTokens, extraRequests, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),
    tonumber(ARGV[4])
if coolMs > 0 and redis.call('PTTL', KEYS[4]) < coolMs then
  redis.call('SET', KEYS[4], '1', 'PX', coolMs)
  redis.call('PUBLISH', ARGV[5], coolMs .. ' ' .. ARGV[6])
end
if extraTokens > 0 then
  local seq = redis.call('INCR', KEYS[5])
  redis.call('ZADD', KEYS[1], now, seq .. ':' .. extraTokens .. ':' .. extraTokens .. ':' .. extraTokens)
  redis.call('HINCRBY', KEYS[2], 'tok', extraTokens)
  redis.call('HINCRBY', KEYS[2], 'chars', extraTokens)
  redis.call('HINCRBY', KEYS[2], 'toks', extraTokens)
  redis.call('HINCRBY', KEYS[2], 'max', extraTokens)
end
for i = 1, extraRequests do
  local seq = redis.call('INCR', KEYS[5])
  redis.call('ZADD', KEYS[3], now, 'c' .. seq)
end
for _, i in ipairs({1, 2, 3, 5}) do redis.call('PEXPIRE', KEYS[i], ttl) end
return 1
