mod common;
use common::post_json;
use std::time::Instant;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe() {
    let _ = common::fixture();
    for (np, ng) in [(2000usize, 2000usize), (5000, 10000), (10000, 20000)] {
        let provinces = vec!["\"11\""; np].join(",");
        let groups = vec!["\"Jawa\""; ng].join(",");
        let body = format!(
            r#"{{"need":{{"text":"bawang merah","province":"36"}},"filters":{{"provinces":[{provinces}],"island_groups":[{groups}]}}}}"#
        );
        let t = Instant::now();
        let r = post_json("/v1/match", body.clone()).await;
        println!(
            "provinces {np} groups {ng} ({} bytes): {} in {:?}",
            body.len(),
            r.status,
            t.elapsed()
        );
    }
}
