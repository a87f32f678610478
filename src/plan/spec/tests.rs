//! Tests of the mission spec: parsing, validation with the path of every bad field, and
//! the resolved mission (split out of `spec.rs`).

use super::*;
use serde_json::{Value, json};

fn base() -> Value {
    json!({
        "name": "Misi Dagang Jatim–Banten", "host_province": "36", "date": "2023-09-11",
        "venue": "Serang",
        "slots": {"start": "09:00", "minutes": 20, "count": 12,
                  "breaks": [{"after": 5, "minutes": 60}]},
        "tables": 40, "max_meetings": 8,
        "participants": [
            {"id": "jt-1", "side": "origin", "available": [[0, 11]], "max_meetings": 6},
            {"id": "jt-2", "side": "origin"},
            {"id": "bt-1", "side": "host", "name": "CV Banten"},
            {"id": "bt-2", "side": "host", "available": [[0, 1], [8, 9]]}
        ],
        "requests": [{"a": "jt-1", "b": "bt-1", "priority": "must"}],
        "blocked": [["jt-2", "bt-2"]],
        "preferences": [{"a": "jt-1", "b": "bt-1", "weight": 3.5, "topic": "bawang_merah"}],
        "preferences_only": false
    })
}

fn parse(v: &Value) -> MissionSpec {
    serde_json::from_value(v.clone()).expect("test spec parses")
}

/// Applies `edit` to the base spec and returns the field validation names.
fn field_of(edit: impl FnOnce(&mut Value)) -> String {
    let mut v = base();
    edit(&mut v);
    match parse(&v).validate() {
        Ok(_) => "ok".to_string(),
        Err(e) => e.field,
    }
}

/// A request that `request_problem` passes also passes `validate`, and one it refuses
/// would fail `validate`: the stored mission's requests never fail a plan.
#[test]
fn request_problem_agrees_with_validation() {
    let spec = parse(&base());
    let request = |a: &str, b: &str, window: Option<[u64; 2]>| RequestSpec {
        a: a.into(),
        b: b.into(),
        priority: Priority::Must,
        window,
        slot: None,
    };
    for (r, ok) in [
        (request("jt-2", "bt-1", Some([0, 11])), true),
        (request("bt-1", "jt-1", None), true),
        (request("jt-1", "nobody", None), false),
        (request("jt-1", "jt-1", None), false),
        (request("jt-1", "jt-2", None), false),
        (request("jt-2", "bt-2", None), false),
        (request("jt-1", "bt-2", Some([3, 12])), false),
        (request("jt-1", "bt-2", Some([3, 2])), false),
    ] {
        let problem = spec.request_problem(&r);
        assert_eq!(problem.is_none(), ok, "{r:?}: {problem:?}");
        let mut with = spec.clone();
        with.requests.push(r.clone());
        assert_eq!(with.validate().is_ok(), ok, "{r:?}");
    }
}

/// `side_of` gives the side `resolve_sides` would.
#[test]
fn side_of_agrees_with_resolve_sides() {
    let mut v = base();
    v["participants"][1] = json!({"id": "jt-2"});
    v["participants"][3] = json!({"id": "bt-2", "province": "36"});
    let spec = parse(&v);
    assert_eq!(spec.side_of("jt-1", None).as_deref(), Some("origin"));
    assert_eq!(spec.side_of("bt-2", None).as_deref(), Some("host"));
    assert_eq!(spec.side_of("jt-2", Some("35")).as_deref(), Some("origin"));
    assert_eq!(spec.side_of("jt-2", None), None, "province unknown");
    let mut resolved = spec.clone();
    resolved
        .resolve_sides(|id| (id == "jt-2").then(|| "35".to_string()))
        .expect("resolves");
    for p in &resolved.participants {
        let province = (p.id == "jt-2").then_some("35");
        assert_eq!(spec.side_of(&p.id, province), p.side, "{}", p.id);
    }
}

#[test]
fn the_contract_example_validates() {
    let m = parse(&base()).validate().expect("valid");
    assert_eq!(m.participants.len(), 4);
    assert_eq!(m.groups, vec!["origin", "host"]);
    assert_eq!(m.participants[0].cap, 6);
    assert_eq!(m.participants[1].cap, 8);
    assert_eq!(
        m.participants[3].available.iter().filter(|&&a| a).count(),
        4
    );
    assert!(m.is_blocked(3, 1));
    assert_eq!(m.requests[0].priority, Priority::Must);
    let times: Vec<String> = m
        .slot_times
        .iter()
        .map(|t| format!("{}-{}", t.start_hhmm(), t.end_hhmm()))
        .collect();
    assert_eq!(times[0], "09:00-09:20");
    assert_eq!(times[5], "10:40-11:00");
    assert_eq!(
        times[6], "12:00-12:20",
        "the 60-minute break follows slot 5"
    );
    assert_eq!(times[11], "13:40-14:00");
}

#[test]
fn the_design_doc_example_parses_from_json() {
    let text = r#"{"name": "Misi Dagang Jatim–Banten", "host_province": "36", "date": "2023-09-11",
 "slots": {"start": "09:00", "minutes": 20, "count": 12, "breaks": [{"after": 6, "minutes": 60}]},
 "tables": 40, "max_meetings": 8,
 "participants": [{"id": "jt-00042", "side": "origin", "available": [[0, 11]]},
              {"id": "bt-00007", "side": "host"}, {"id": "bt-00099", "side": "host"}],
 "requests": [{"a": "jt-00042", "b": "bt-00007", "priority": "must"}],
 "blocked": [["jt-00042", "bt-00099"]],
 "preferences": [{"a": "jt-00042", "b": "bt-00007", "weight": 3.5}],
 "preferences_only": false}"#;
    let spec = MissionSpec::from_json(text).expect("parses");
    spec.validate().expect("valid");
}

#[test]
fn unknown_fields_are_rejected_with_their_name() {
    let mut v = base();
    v["colour"] = json!("red");
    let e = MissionSpec::from_json(&v.to_string()).unwrap_err();
    assert_eq!(e.field, "colour");
    let mut v = base();
    v["participants"][0]["age"] = json!(3);
    let e = MissionSpec::from_json(&v.to_string()).unwrap_err();
    assert_eq!(e.field, "age");
    let e = MissionSpec::from_json("{\"name\": 3}").unwrap_err();
    assert!(e.message.contains("invalid type"), "{e}");
}

#[test]
fn each_bad_input_names_its_field() {
    type Edit = Box<dyn FnOnce(&mut Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        ("date", Box::new(|v| v["date"] = json!("11-09-2023"))),
        ("date", Box::new(|v| v["date"] = json!("2023-02-29"))),
        ("date", Box::new(|v| v["date"] = json!("2023-13-01"))),
        (
            "slots.start",
            Box::new(|v| v["slots"]["start"] = json!("9:00")),
        ),
        (
            "slots.start",
            Box::new(|v| v["slots"]["start"] = json!("24:00")),
        ),
        (
            "slots.start",
            Box::new(|v| v["slots"]["start"] = json!("09:60")),
        ),
        (
            "slots.minutes",
            Box::new(|v| v["slots"]["minutes"] = json!(0)),
        ),
        (
            "slots.minutes",
            Box::new(|v| v["slots"]["minutes"] = json!(601)),
        ),
        ("slots.count", Box::new(|v| v["slots"]["count"] = json!(0))),
        (
            "slots.count",
            Box::new(|v| v["slots"]["count"] = json!(201)),
        ),
        (
            "slots.count",
            Box::new(|v| v["slots"]["start"] = json!("20:00")),
        ),
        (
            "slots.breaks[0].after",
            Box::new(|v| v["slots"]["breaks"][0]["after"] = json!(11)),
        ),
        (
            "slots.breaks[0].after",
            Box::new(|v| v["slots"]["breaks"][0]["after"] = json!(40)),
        ),
        (
            "slots.breaks[0].after",
            Box::new(|v| v["slots"]["breaks"][0]["after"] = json!(u64::MAX)),
        ),
        (
            "slots.breaks[0].minutes",
            Box::new(|v| v["slots"]["breaks"][0]["minutes"] = json!(0)),
        ),
        (
            "slots.breaks[1].after",
            Box::new(|v| {
                v["slots"]["breaks"] =
                    json!([{"after": 3, "minutes": 10}, {"after": 3, "minutes": 5}])
            }),
        ),
        ("tables", Box::new(|v| v["tables"] = json!(0))),
        ("tables", Box::new(|v| v["tables"] = json!(10_001))),
        ("max_meetings", Box::new(|v| v["max_meetings"] = json!(0))),
        ("participants", Box::new(|v| v["participants"] = json!([]))),
        (
            "participants[1].id",
            Box::new(|v| v["participants"][1]["id"] = json!("")),
        ),
        (
            "participants[3].id",
            Box::new(|v| {
                v["participants"][3]["id"] = json!("bt-1");
            }),
        ),
        (
            "participants[2].side",
            Box::new(|v| v["participants"][2]["id"] = json!("jt-1")),
        ),
        (
            "participants[1].side",
            Box::new(|v| v["participants"][1]["side"] = json!(null)),
        ),
        (
            "participants[1].side",
            Box::new(|v| v["participants"][1]["side"] = json!(" ")),
        ),
        (
            "participants[3].available[1]",
            Box::new(|v| v["participants"][3]["available"][1] = json!([9, 8])),
        ),
        (
            "participants[3].available[1]",
            Box::new(|v| v["participants"][3]["available"][1] = json!([8, 12])),
        ),
        (
            "participants[0].max_meetings",
            Box::new(|v| v["participants"][0]["max_meetings"] = json!(0)),
        ),
        (
            "requests[0].a",
            Box::new(|v| v["requests"][0]["a"] = json!("nobody")),
        ),
        (
            "requests[0].b",
            Box::new(|v| v["requests"][0]["b"] = json!("jt-1")),
        ),
        (
            "requests[0].b",
            Box::new(|v| v["requests"][0]["b"] = json!("jt-2")),
        ),
        (
            "requests[0]",
            Box::new(|v| v["blocked"][0] = json!(["bt-1", "jt-1"])),
        ),
        (
            "blocked[0][1]",
            Box::new(|v| v["blocked"][0][1] = json!("bt-9")),
        ),
        (
            "blocked[0][1]",
            Box::new(|v| v["blocked"][0][1] = json!("jt-2")),
        ),
        (
            "blocked[0][1]",
            Box::new(|v| v["blocked"][0][1] = json!("jt-1")),
        ),
        (
            "blocked[0][0]",
            Box::new(|v| v["blocked"][0][0] = json!("xx")),
        ),
        (
            "preferences[0].a",
            Box::new(|v| v["preferences"][0]["a"] = json!("xx")),
        ),
        (
            "preferences[0].b",
            Box::new(|v| v["preferences"][0]["b"] = json!("jt-1")),
        ),
        (
            "requests[0].b",
            Box::new(|v| v["requests"][0]["b"] = json!("xx")),
        ),
        (
            "preferences[0].b",
            Box::new(|v| v["preferences"][0]["b"] = json!("bt-9")),
        ),
        (
            "preferences[0].b",
            Box::new(|v| v["preferences"][0]["b"] = json!("jt-2")),
        ),
        (
            "preferences[0].weight",
            Box::new(|v| v["preferences"][0]["weight"] = json!(-1.0)),
        ),
        (
            "requests[0].window",
            Box::new(|v| v["requests"][0]["window"] = json!([5, 2])),
        ),
        (
            "requests[0].window",
            Box::new(|v| v["requests"][0]["window"] = json!([0, 12])),
        ),
        (
            "requests[0].slot",
            Box::new(|v| v["requests"][0]["slot"] = json!(12)),
        ),
        (
            "requests[0].slot",
            Box::new(|v| {
                v["requests"][0]["window"] = json!([0, 5]);
                v["requests"][0]["slot"] = json!(7);
            }),
        ),
        (
            "participants[1].seats",
            Box::new(|v| v["participants"][1]["seats"] = json!(0)),
        ),
        (
            "participants[1].seats",
            Box::new(|v| v["participants"][1]["seats"] = json!(101)),
        ),
        (
            "time_limit_ms",
            Box::new(|v| v["time_limit_ms"] = json!(60_001)),
        ),
        (
            "requests[0].b",
            Box::new(|v| {
                v["requests"] = json!([{"a": "jt-1", "b": "jt-2"}]);
            }),
        ),
        (
            "ok",
            Box::new(|v| {
                v["pairing"] = json!("any");
                v["requests"] = json!([{"a": "jt-1", "b": "jt-2", "window": [0, 5]}]);
                v["participants"][1]["side"] = json!(null);
            }),
        ),
    ];
    for (i, (want, edit)) in cases.into_iter().enumerate() {
        assert_eq!(field_of(edit), want, "case {i}");
    }
}

#[test]
fn non_finite_weights_are_rejected() {
    let mut spec = parse(&base());
    for w in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        spec.preferences[0].weight = w;
        assert_eq!(spec.validate().unwrap_err().field, "preferences[0].weight");
    }
}

#[test]
fn more_must_meets_than_slots_is_not_an_error() {
    // The plan places what fits and explains the rest (see the solver's reasons).
    let mut v = base();
    v["participants"][0]["max_meetings"] = json!(1);
    v["requests"] = json!([
        {"a": "jt-1", "b": "bt-1", "priority": "must"},
        {"a": "jt-1", "b": "bt-2", "priority": "must"}
    ]);
    v["blocked"] = json!([]);
    parse(&v).validate().expect("valid");
}

#[test]
fn new_fields_resolve_minimums_seats_windows_and_pins() {
    let mut v = base();
    v["min_meetings"] = json!(3);
    v["participants"][0]["min_meetings"] = json!(10);
    v["participants"][1]["seats"] = json!(2);
    v["requests"] = json!([{"a": "jt-1", "b": "bt-1", "window": [0, 5], "slot": 4}]);
    let m = parse(&v).validate().expect("valid");
    assert_eq!(m.participants[0].min, 6, "never above the cap");
    assert_eq!(m.participants[1].min, 3);
    assert_eq!(m.participants[1].seats, 2);
    assert_eq!(m.participants[2].seats, 1);
    assert_eq!(m.requests[0].window, Some((0, 5)));
    assert_eq!(m.requests[0].slot, Some(4));
    let back: MissionSpec =
        serde_json::from_str(&serde_json::to_string(&m.spec).expect("writes")).expect("reads");
    assert_eq!(back, m.spec, "the new fields round-trip");
}

#[test]
fn duplicate_requests_merge_and_must_wins() {
    let mut v = base();
    v["requests"] = json!([
        {"a": "jt-1", "b": "bt-1"},
        {"a": "bt-1", "b": "jt-1", "priority": "must"}
    ]);
    let m = parse(&v).validate().expect("valid");
    assert_eq!(m.requests.len(), 1);
    assert_eq!(m.requests[0].priority, Priority::Must);
}

#[test]
fn a_slot_may_end_exactly_at_midnight() {
    let mut v = base();
    v["slots"] = json!({"start": "20:00", "minutes": 60, "count": 4});
    v["participants"][0]["available"] = json!(null);
    v["participants"][3]["available"] = json!([[0, 1]]);
    let m = parse(&v).validate().expect("valid");
    assert_eq!(m.slot_times[3].end_hhmm(), "24:00");
    v["slots"]["count"] = json!(5);
    assert_eq!(parse(&v).validate().unwrap_err().field, "slots.count");
}

#[test]
fn sides_are_resolved_from_provinces() {
    let mut v = base();
    v["participants"][1]["side"] = json!(null);
    v["participants"][3]["side"] = json!(null);
    v["participants"][3]["province"] = json!("36");
    let mut spec = parse(&v);
    spec.resolve_sides(|id| (id == "jt-2").then(|| "35".to_string()))
        .expect("resolves");
    assert_eq!(spec.participants[1].side.as_deref(), Some("origin"));
    assert_eq!(spec.participants[3].side.as_deref(), Some("host"));

    // Without explicit sides every province is its own group.
    let mut v = base();
    for p in v["participants"].as_array_mut().into_iter().flatten() {
        p["side"] = json!(null);
    }
    let mut spec = parse(&v);
    spec.resolve_sides(|id| {
        Some(
            match id {
                "jt-1" => "35",
                "jt-2" => "33",
                _ => "36",
            }
            .to_string(),
        )
    })
    .expect("resolves");
    let sides: Vec<_> = spec.participants.iter().map(|p| p.side.clone()).collect();
    assert_eq!(
        sides,
        ["35", "33", "host", "host"].map(|s| Some(s.to_string()))
    );

    let mut spec = parse(&v);
    let e = spec.resolve_sides(|_| None).unwrap_err();
    assert_eq!(e.field, "participants[0].side");
}
