//! The `vecscape` binary against scikit-learn's reference values (tests/fixtures).
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code

use std::process::Command;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");

fn vecscape(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vecscape"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn project_pca_matches_scikit_learn() {
    let dir = std::env::temp_dir().join(format!("vecscape-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("xy.npy");
    let input = format!("{FIXTURES}/pca_input.npy");
    let run = vecscape(&[
        "project",
        &input,
        "--method",
        "pca",
        "--dims",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let projected = vecscape_core::npy::read_npy("xy.npy", &std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(projected.dim(), (400, 2));
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(format!("{FIXTURES}/pca_expected.json")).unwrap())
            .unwrap();
    for (r, row) in expected["projected_head"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        for c in 0..2 {
            let want = row[c].as_f64().unwrap();
            let got = f64::from(projected[[r, c]]);
            assert!(
                (got - want).abs() < 1e-3 * (1.0 + want.abs()),
                "row {r} col {c}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn inspect_reports_shape_and_errors_name_the_file() {
    let input = format!("{FIXTURES}/pca_input.npy");
    let run = vecscape(&["inspect", &input]);
    assert!(run.status.success());
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains("400 rows × 24 dims, dtype <f4"), "{text}");

    let dir = std::env::temp_dir().join(format!("vecscape-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("cut.npy");
    let bytes = std::fs::read(&input).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() - 10]).unwrap();
    let run = vecscape(&["inspect", bad.to_str().unwrap()]);
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("cut.npy: byte 128: data truncated"), "{err}");
}

#[test]
fn knn_json_matches_numpy_brute_force() {
    let vectors = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/demo/vectors.f16.npy"
    );
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(format!("{FIXTURES}/knn_expected.json")).unwrap())
            .unwrap();
    for (metric, device) in [
        ("cosine", "cpu"),
        ("dot", "cpu"),
        ("l2", "cpu"),
        ("cosine", "gpu"),
        ("l2", "gpu"),
    ] {
        if device == "gpu" && std::env::var("VECSCAPE_REQUIRE_GPU").as_deref() != Ok("1") {
            continue; // the GPU run needs an adapter (lavapipe under `make test`)
        }
        let queries: Vec<String> = expected[metric]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["query"].to_string())
            .collect();
        let run = vecscape(&[
            "knn",
            vectors,
            "--query-rows",
            &queries.join(","),
            "--k",
            "10",
            "--metric",
            metric,
            "--format",
            "json",
            "--exclude-self",
        ]);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let got: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        for (g, e) in got["results"]
            .as_array()
            .unwrap()
            .iter()
            .zip(expected[metric].as_array().unwrap())
        {
            assert_eq!(g["query"], e["query"]);
            assert_eq!(g["ids"], e["ids"], "{metric}");
            for (gs, es) in g["scores"]
                .as_array()
                .unwrap()
                .iter()
                .zip(e["scores"].as_array().unwrap())
            {
                assert!((gs.as_f64().unwrap() - es.as_f64().unwrap()).abs() < 1e-5);
            }
        }
    }
    // Without --exclude-self, a row's own vector is its nearest (cosine 1).
    let run = vecscape(&["knn", vectors, "--query-rows", "17", "--k", "1"]);
    let got: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(got["results"][0]["ids"][0], 17);
}

#[test]
fn project_random_projections_write_n_by_dims() {
    let dir = std::env::temp_dir().join(format!("vecscape-cli-rp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = format!("{FIXTURES}/pca_input.npy");
    for method in ["gaussian-rp", "sparse-rp"] {
        let out = dir.join(format!("{method}.npy"));
        let run = vecscape(&[
            "project",
            &input,
            "--method",
            method,
            "--dims",
            "3",
            "--seed",
            "4",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let y = vecscape_core::npy::read_npy("y.npy", &std::fs::read(&out).unwrap()).unwrap();
        assert_eq!(y.dim(), (400, 3));
        assert!(y.iter().any(|v| *v != 0.0));
    }
}
