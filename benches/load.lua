-- wrk script for benches/load.sh: a mixed workload of match (70 %) and search (30 %)
-- requests drawn from realistic queries, and a tally of non-2xx answers.
--
-- Each match pairs one of 60 needs (Indonesian, English, regional names, free text with a
-- volume) with one of the 38 buyer provinces, so a run asks ~1,100 different match requests
-- and ~60 different searches: the caches of a real service (tantivy's block cache, the CPU's)
-- get no easier a time than in production, where popular commodities repeat too.
local needs = {
  "bawang merah", "supplier shallots", "cabe rawit", "beras premium", "kopi arabika",
  "gula pasir", "jagung pipil", "telur ayam", "daging sapi", "pakan ikan", "rumput laut",
  "pupuk npk", "semen", "mebel jepara", "keripik singkong", "butuh 5 ton cabai besar halal",
  "fresh fish", "kakao", "minyak goreng", "brambang", "bawang putih", "kentang granola",
  "wortel", "kubis", "tomat", "mangga", "pisang", "jeruk", "buah naga", "kelapa",
  "kopra", "cengkeh", "pala", "lada", "vanili", "tembakau", "karet", "teh hijau",
  "sapi bakalan", "kambing", "daging ayam", "susu segar", "madu hutan", "udang vaname",
  "ikan lele", "ikan bandeng", "tuna", "benih ikan", "gula merah", "tepung tapioka",
  "tepung terigu", "kecap", "sambal", "garam", "bekatul", "batu bata", "kayu lapis",
  "batik tulis", "kerajinan rotan", "need 20 ton of rice per month",
}
local provinces = {
  "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34",
  "35", "36", "51", "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74",
  "75", "76", "81", "82", "91", "92", "93", "94", "95", "96",
}
local searches = {
  "bawang%20merah", "brambang", "kopi", "shallots", "cabe%20rawit", "beras", "udang%20vaname",
  "batik%20tulis", "pupuk", "semen", "jagung", "kedelai", "kacang%20tanah", "singkong",
  "ubi%20jalar", "bawang%20putih", "cabai%20besar", "kentang", "mangga%20arumanis", "manggis",
  "pisang", "alpukat", "kelapa", "minyak%20sawit", "kopi%20bubuk", "kakao", "cengkeh",
  "pala", "lada%20putih", "vanili", "tembakau", "gula%20tebu", "karet", "teh", "sapi",
  "daging%20ayam", "telur", "susu", "madu", "sarang%20walet", "ikan%20beku", "udang",
  "lele", "patin", "bandeng", "tuna", "ikan%20hias", "rumput%20laut", "gula%20merah",
  "minyak%20goreng", "tapioka", "terigu", "keripik", "kecap", "sambal", "garam",
  "pakan%20ternak", "pakan%20ikan", "mebel", "rotan",
}
local i = 0
local errors = 0

local threads = 0
setup = function(thread)
  -- Each wrk thread walks the same lists from a different place.
  threads = threads + 1
  thread:set("i", threads * 577)
end

request = function()
  i = i + 1
  if i % 10 < 7 then
    local n = needs[(i % #needs) + 1]
    local p = provinces[((i * 7) % #provinces) + 1]
    local body = string.format('{"need":{"text":"%s","province":"%s"},"limit":20}', n, p)
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
