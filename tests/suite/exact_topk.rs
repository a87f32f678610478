//! Exact top-k: the ranking that skips provinces whose best possible score cannot enter the
//! top k gives the same answers as scoring every candidate — same listings, same order, same
//! scores, same totals — on generated directories of several sizes and many random requests
//! in every mode (need, buyer, seller), with random weights, filters, volumes and orders.

use jalin::engine::{Engine, EngineOptions, MatchRequest, MatchResponse};
use jalin::generate::{GenConfig, generate};
use jalin::model::Lang;
use jalin::reference::Reference;
use serde_json::{Value, json};

/// A small deterministic generator (xorshift64*), so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn weight(&mut self) -> f64 {
        [0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0][self.below(7)]
    }
}

fn engine(businesses: usize, seed: u64) -> (Engine, Vec<Value>) {
    let reference = Reference::embedded().expect("reference");
    let (mut b, mut d) = (Vec::new(), Vec::new());
    generate(
        &reference,
        &GenConfig {
            businesses,
            deals: businesses * 5,
            seed,
        },
        &mut b,
        &mut d,
        &mut |_| {},
    )
    .expect("generate");
    let engine = crate::common::pg::in_memory(EngineOptions::default());
    engine
        .import(
            vec![
                ("businesses".into(), Box::new(&b[..])),
                ("deals".into(), Box::new(&d[..])),
            ],
            &mut |_, _, _| {},
        )
        .expect("import");
    let listed: Vec<Value> = b
        .split(|c| *c == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("generated business"))
        .collect();
    (engine, listed)
}

/// A random request in one of the three modes.
fn request(rng: &mut Rng, reference: &Reference, businesses: &[Value]) -> Value {
    let province = |rng: &mut Rng| {
        reference.provinces[rng.below(reference.provinces.len())]
            .code
            .clone()
    };
    let mut req = match rng.below(4) {
        0 | 1 => {
            let c = &reference.commodities[rng.below(reference.commodities.len())];
            let mut need = json!({"province": province(rng)});
            match rng.below(3) {
                0 => need["commodity"] = json!(c.key),
                1 => need["text"] = json!(c.name_id.to_lowercase()),
                _ => {
                    need["commodity"] = json!(c.key);
                    need["text"] = json!(format!(
                        "{} segar kualitas ekspor",
                        c.name_id.to_lowercase()
                    ));
                }
            }
            if rng.chance(40) {
                need["volume"] = {
                    let qty = [1, 5, 50, 500][rng.below(4)];
                    json!({"qty": qty, "unit": "ton", "per": "month"})
                };
            }
            if rng.chance(15) {
                need["certifications"] = json!(["halal"]);
            }
            json!({"need": need})
        }
        2 => json!({"buyer": businesses[rng.below(businesses.len())]["id"]}),
        _ => json!({"seller": businesses[rng.below(businesses.len())]["id"]}),
    };
    req["limit"] = json!([1, 5, 10, 20, 50][rng.below(5)]);
    if rng.chance(50) {
        req["weights"] = json!({
            "relevance": rng.weight(), "advantage": rng.weight(), "relationship": rng.weight(),
            "logistics": rng.weight(), "fit": rng.weight()
        });
    }
    if rng.chance(20) {
        req["order"] = json!("nearest");
    }
    let mut filters = serde_json::Map::new();
    if rng.chance(15) {
        filters.insert("same_province".into(), json!(true));
    }
    if rng.chance(15) {
        filters.insert("max_km".into(), json!([300, 800, 1500][rng.below(3)]));
    }
    if rng.chance(15) {
        filters.insert(
            "provinces".into(),
            json!([province(rng), province(rng), province(rng)]),
        );
    }
    if rng.chance(10) {
        filters.insert(
            "min_capacity".into(),
            json!({"qty": 1, "unit": "ton", "per": "month"}),
        );
    }
    if !filters.is_empty() {
        req["filters"] = Value::Object(filters);
    }
    req
}

/// What must be equal: totals, and per result list the listing, its rank and score.
fn answer(r: &MatchResponse) -> Value {
    let list = |results: &[jalin::engine::MatchResult]| -> Vec<Value> {
        results
            .iter()
            .map(|m| json!([m.rank, m.listing.id, m.business.id, m.score]))
            .collect()
    };
    json!({
        "total": r.total,
        "results": list(&r.results),
        "groups": r.groups.as_ref().map(|g| g.iter().map(|g| json!({"total": g.total, "results": list(&g.results)})).collect::<Vec<_>>()),
    })
}

#[test]
fn skipping_provinces_gives_the_same_answers_as_scoring_every_candidate() {
    let reference = Reference::embedded().expect("reference");
    let mut compared = 0;
    for (businesses, seed) in [(150, 1), (1_200, 2), (4_000, 3)] {
        // One engine, both ways: the same searcher, so ties (equal scores) order alike, by
        // document address.
        let (engine, mut listed) = engine(businesses, seed);
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed);
        for i in 0..150 {
            // Half way, a tenth of the businesses are deleted: their documents stay in the
            // segments (inside the ranges the bounded ranking visits or counts) until a merge.
            if i == 75 {
                let mut kept = Vec::new();
                for (n, b) in listed.into_iter().enumerate() {
                    if n % 10 == 3 {
                        let id = b["id"].as_str().expect("generated id");
                        engine.delete_business(id).expect("delete");
                    } else {
                        kept.push(b);
                    }
                }
                listed = kept;
            }
            let req = request(&mut rng, &reference, &listed);
            let parsed: MatchRequest = serde_json::from_value(req.clone()).expect("request");
            engine.set_exhaustive(false);
            let a = engine.match_request(&parsed, Lang::En);
            engine.set_exhaustive(true);
            let b = engine.match_request(&parsed, Lang::En);
            match (a, b) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(
                        answer(&a),
                        answer(&b),
                        "size {businesses}, request {i}: {req}"
                    );
                    compared += 1;
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{req}"),
                (a, b) => panic!("one failed: {:?} vs {:?} for {req}", a.err(), b.err()),
            }
        }
        // The point of it: with enough candidates to fill the top k, most are not scored
        // (with few, every one is needed to fill it).
        let counts = engine.skip_counts();
        println!(
            "{businesses} businesses: {} of {} candidates scored",
            counts.scored, counts.candidates
        );
        assert!(
            counts.candidates > 0,
            "no bounded ranking ran at size {businesses}"
        );
        if businesses >= 4_000 {
            assert!(
                counts.scored * 10 < counts.candidates * 8,
                "size {businesses}: {} of {} candidates scored; expected most skipped",
                counts.scored,
                counts.candidates
            );
        }
    }
    assert!(compared >= 300, "only {compared} requests compared");
}
