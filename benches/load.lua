-- wrk script for benches/load.sh: a mixed workload of match (70 %) and search (30 %)
-- requests drawn from realistic queries, and a tally of non-2xx answers.
local needs = {
  {"bawang merah", "36"}, {"supplier shallots", "31"}, {"cabe rawit", "36"},
  {"beras premium", "12"}, {"kopi arabika", "35"}, {"gula pasir", "64"},
  {"jagung pipil", "32"}, {"telur ayam", "61"}, {"daging sapi", "31"},
  {"pakan ikan", "73"}, {"rumput laut", "35"}, {"pupuk npk", "52"},
  {"semen", "91"}, {"mebel jepara", "51"}, {"keripik singkong", "33"},
  {"butuh 5 ton cabai besar halal", "36"}, {"fresh fish", "31"}, {"kakao", "35"},
  {"minyak goreng", "81"}, {"brambang", "36"},
}
local searches = {
  "bawang%20merah", "brambang", "kopi", "shallots", "cabe%20rawit", "beras",
  "udang%20vaname", "batik%20tulis", "pupuk", "semen",
}
local i = 0
local errors = 0

request = function()
  i = i + 1
  if i % 10 < 7 then
    local n = needs[(i % #needs) + 1]
    local body = string.format('{"need":{"text":"%s","province":"%s"},"limit":20}', n[1], n[2])
    return wrk.format("POST", "/v1/match", {["Content-Type"] = "application/json"}, body)
  else
    return wrk.format("GET", "/v1/search?q=" .. searches[(i % #searches) + 1] .. "&limit=20")
  end
end

response = function(status, headers, body)
  if status < 200 or status > 299 then
    errors = errors + 1
  end
end

done = function(summary, latency, requests)
  io.write(string.format(
    "load: %d requests in %.1f s = %.0f req/s; latency p50 %.2f ms, p99 %.2f ms; errors: %d non-2xx, %d socket\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
