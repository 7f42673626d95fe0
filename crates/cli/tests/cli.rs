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

/// Run `vecscape`, which must succeed, and parse what it prints as JSON.
fn vecscape_json(args: &[&str]) -> serde_json::Value {
    let run = vecscape(args);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_slice(&run.stdout).unwrap()
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
    let projected =
        vecscape_core::load::npy::read_npy("xy.npy", &std::fs::read(&out).unwrap()).unwrap();
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
    assert!(
        text.contains("NumPy .npy, 38528 bytes, dtype <f4"),
        "{text}"
    );
    assert!(text.contains("400 rows × 24 dims"), "{text}");

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
    // The demo vectors are f16 in their file, so `--storage f16` keeps the same values and must
    // give numpy's answers too.
    for (metric, device, quantize, storage) in [
        ("cosine", "cpu", None, "f32"),
        ("dot", "cpu", None, "f32"),
        ("l2", "cpu", None, "f32"),
        ("cosine", "gpu", None, "f32"),
        ("l2", "gpu", None, "f32"),
        ("cosine", "cpu", Some("int8"), "f32"),
        ("dot", "cpu", Some("int8-dim"), "f32"),
        ("l2", "cpu", Some("int8"), "f32"),
        ("cosine", "gpu", Some("int8"), "f32"),
        ("dot", "gpu", Some("int8-dim"), "f32"),
        ("l2", "gpu", Some("int8"), "f32"),
        ("cosine", "cpu", None, "f16"),
        ("dot", "cpu", None, "f16"),
        ("l2", "cpu", None, "f16"),
        ("cosine", "gpu", None, "f16"),
        ("dot", "gpu", None, "f16"),
        ("cosine", "cpu", Some("int8"), "f16"),
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
        let query_rows = queries.join(",");
        let mut args = vec![
            "knn",
            vectors,
            "--query-rows",
            &query_rows,
            "--k",
            "10",
            "--metric",
            metric,
            "--format",
            "json",
            "--exclude-self",
            "--device",
            device,
            "--storage",
            storage,
        ];
        if let Some(q) = quantize {
            // int8 + exact re-rank must give numpy's exact answer on this data.
            args.extend(["--quantize", q]);
        }
        let got = vecscape_json(&args);
        for (g, e) in got["results"]
            .as_array()
            .unwrap()
            .iter()
            .zip(expected[metric].as_array().unwrap())
        {
            assert_eq!(g["query"], e["query"]);
            assert_eq!(g["ids"], e["ids"], "{metric} {device} {storage}");
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

/// `--storage int8` keeps a quarter of the memory: `inspect` says so, a budget too small for
/// f32 and f16 names int8 as the way out, and searches over the stored codes find nearly all of
/// numpy's neighbours (they are exact for the dequantised values, which the core tests check).
#[test]
fn int8_storage_fits_a_small_budget_and_keeps_the_neighbours() {
    let vectors = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/demo/vectors.f16.npy"
    );
    let run = vecscape(&["inspect", vectors, "--storage", "int8"]);
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(
        text.contains("in memory as int8: 5820000 bytes (5.8 MB)"),
        "{text}"
    );
    let run = vecscape(&["inspect", vectors, "--memory-budget", "8M"]);
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("vectors.f16.npy: 15000 × 384 vectors need 23.0 MB as f32, more than the memory budget of 8.4 MB; keep them as int8 (5.8 MB"),
        "{err}"
    );
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(format!("{FIXTURES}/knn_expected.json")).unwrap())
            .unwrap();
    let rows: Vec<String> = expected["cosine"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["query"].to_string())
        .collect();
    let got = vecscape_json(&[
        "knn",
        vectors,
        "--query-rows",
        &rows.join(","),
        "--k",
        "10",
        "--exclude-self",
        "--device",
        "cpu",
        "--storage",
        "int8",
        "--memory-budget",
        "8M",
    ]);
    let (mut found, mut total) = (0, 0);
    for (g, e) in got["results"]
        .as_array()
        .unwrap()
        .iter()
        .zip(expected["cosine"].as_array().unwrap())
    {
        let want: Vec<u64> = e["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        for id in g["ids"].as_array().unwrap() {
            found += usize::from(want.contains(&id.as_u64().unwrap()));
        }
        total += want.len();
    }
    let recall = found as f64 / total as f64;
    assert!(recall >= 0.9, "recall@10 of int8 storage {recall}");
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
        let y = vecscape_core::load::npy::read_npy("y.npy", &std::fs::read(&out).unwrap()).unwrap();
        assert_eq!(y.dim(), (400, 3));
        assert!(y.iter().any(|v| *v != 0.0));
    }
}

#[test]
fn every_format_and_the_memory_budget_from_the_command_line() {
    let parquet = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/columnar/snappy.parquet"
    );
    let run = vecscape(&["inspect", parquet]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains("Parquet"), "{text}");
    assert!(text.contains("13 rows × 5 dims"), "{text}");
    assert!(text.contains("text field: 'text'"), "{text}");
    assert!(
        text.contains("categorical 'label': 3 distinct values"),
        "{text}"
    );
    assert!(text.contains("time 'time'"), "{text}");

    let run = vecscape(&["inspect", parquet, "--max-rows", "4"]);
    assert!(String::from_utf8_lossy(&run.stdout).contains("4 rows × 5 dims"));
    // ZSTD (polars' default compression) reads the same.
    for zstd in ["polars_zstd.parquet", "zstd.feather"] {
        let file = format!(
            "{}/../../tests/fixtures/columnar/{zstd}",
            env!("CARGO_MANIFEST_DIR")
        );
        let run = vecscape(&["inspect", &file]);
        let text = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success(),
            "{zstd}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(text.contains("13 rows × 5 dims"), "{zstd}: {text}");
        assert!(
            text.contains("categorical 'label': 3 distinct values"),
            "{zstd}: {text}"
        );
    }

    let vectors = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/demo/vectors.f16.npy"
    );
    let run = vecscape(&[
        "knn",
        vectors,
        "--query-rows",
        "0",
        "--memory-budget",
        "10M",
    ]);
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("15000 × 384 vectors need 23.0 MB as f32, more than the memory budget of 10.5 MB; keep them as int8 (5.8 MB: the \"Memory\" chooser, `--storage`, or `?storage=`), or load at most 6826 rows"), "{err}");
    let run = vecscape(&[
        "knn",
        vectors,
        "--query-rows",
        "0",
        "--memory-budget",
        "10M",
        "--max-rows",
        "6826",
        "--k",
        "3",
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let run = vecscape(&[
        "knn",
        vectors,
        "--query-rows",
        "0",
        "--memory-budget",
        "lots",
    ]);
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("'lots' is not a size"));
}

#[test]
fn bench_reports_recall_for_quantised_scans_and_batches() {
    let vectors = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/demo/vectors.f16.npy"
    );
    let got = vecscape_json(&["bench", vectors, "--queries", "20", "--quantize", "int8"]);
    assert_eq!(got["recall_at_k"], 1.0);
    assert_eq!(got["first_ids"][0], 0);
    let run = vecscape(&[
        "bench",
        vectors,
        "--queries",
        "20",
        "--batch",
        "8",
        "--device",
        "cpu",
    ]);
    let got: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(got["batch"], 8);
    assert_eq!(got["first_ids"][0], 0);
    // With int8 bounds: the same first neighbours as the plain scan, for every metric.
    for metric in ["cosine", "dot", "l2"] {
        let mut ids = Vec::new();
        for extra in [&[][..], &["--bounded"][..]] {
            let mut args = vec!["bench", vectors, "--queries", "5", "--device", "cpu"];
            args.extend(["--metric", metric]);
            args.extend(extra);
            let got = vecscape_json(&args);
            assert_eq!(got["bounded"], !extra.is_empty(), "{metric}");
            ids.push(got["first_ids"].clone());
        }
        assert_eq!(ids[0], ids[1], "{metric}");
        assert_eq!(ids[0].as_array().map(Vec::len), Some(10));
    }
}

#[test]
fn project_on_the_gpu_matches_the_cpu() {
    if std::env::var("VECSCAPE_REQUIRE_GPU").as_deref() != Ok("1") {
        return; // needs an adapter (lavapipe under `make test`)
    }
    let vectors = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/demo/vectors.f16.npy"
    );
    let dir = std::env::temp_dir().join(format!("vecscape-cli-gpu-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for method in ["gaussian-rp", "sparse-rp", "pca"] {
        let mut outs = Vec::new();
        for device in ["cpu", "gpu"] {
            let out = dir.join(format!("{method}-{device}.npy"));
            let run = vecscape(&[
                "project",
                vectors,
                "--method",
                method,
                "--dims",
                "3",
                "--seed",
                "5",
                "--device",
                device,
                "--out",
                out.to_str().unwrap(),
            ]);
            assert!(
                run.status.success(),
                "{}",
                String::from_utf8_lossy(&run.stderr)
            );
            assert!(String::from_utf8_lossy(&run.stderr).contains(&format!("device: {device}")));
            let bytes = std::fs::read(&out).unwrap();
            outs.push(vecscape_core::load::npy::read_npy("out.npy", &bytes).unwrap());
        }
        let scale = outs[0].iter().fold(0f32, |m, v| m.max(v.abs()));
        // Random projections: the same product summed in another order. PCA: the GPU's
        // randomized solver against the CPU's exact one (components within 1e-3).
        let tolerance = if method == "pca" { 2e-3 } else { 1e-4 };
        for (a, b) in outs[0].iter().zip(outs[1].iter()) {
            assert!((a - b).abs() <= tolerance * scale, "{method}: {a} vs {b}");
        }
    }
}

#[test]
fn map_writes_a_wizmap_grid_and_refuses_bad_input() {
    let dir = std::env::temp_dir().join(format!("vecscape-cli-map-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Two clusters with their own words.
    let mut coords = Vec::new();
    let mut texts = String::new();
    for i in 0..400 {
        let t = (i as f32 * 0.618).fract();
        if i % 2 == 0 {
            coords.extend([1.0 + t, 1.0 + (t * 7.0).fract()]);
            texts.push_str("{\"text\": \"ocean waves and salty sea water\"}\n");
        } else {
            coords.extend([9.0 + t, 9.0 + (t * 7.0).fract()]);
            texts.push_str("{\"text\": \"mountain peaks above the rocky <b>valley</b>\"}\n");
        }
    }
    let npy = dir.join("xy.npy");
    let matrix = ndarray::Array2::from_shape_vec((400, 2), coords).unwrap();
    let bytes = vecscape_core::load::npy::write_npy_f32(&matrix);
    std::fs::write(&npy, bytes).unwrap();
    let jsonl = dir.join("texts.jsonl");
    std::fs::write(&jsonl, &texts).unwrap();
    let out = dir.join("grid.json");
    let run = vecscape(&[
        "map",
        npy.to_str().unwrap(),
        "--text",
        jsonl.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let grid: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(grid["grid"].as_array().unwrap().len(), 200);
    assert_eq!(
        grid["topic"]["extent"],
        serde_json::json!([[1.0, 1.0], [17.0, 17.0]])
    );
    let data = grid["topic"]["data"].as_object().unwrap();
    let coarse = data
        .keys()
        .map(|k| k.parse::<u32>().unwrap())
        .min()
        .unwrap();
    let names: Vec<&str> = data[&coarse.to_string()]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t[2].as_str().unwrap())
        .collect();
    assert!(names.iter().any(|n| n.contains("ocean")), "{names:?}");
    assert!(names.iter().any(|n| n.contains("valley")), "{names:?}");
    assert!(
        names
            .iter()
            .all(|n| !n.contains('<') && !n.split('-').any(|w| w == "b")),
        "{names:?}"
    );

    // Bad input: each names the file and the place.
    let bad_bw = vecscape(&[
        "map",
        npy.to_str().unwrap(),
        "--bandwidth",
        "wide",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!bad_bw.status.success());
    assert!(String::from_utf8_lossy(&bad_bw.stderr)
        .contains("bandwidth \"wide\": expected scott, wizmap or a positive number"));
    let short = dir.join("short.jsonl");
    std::fs::write(&short, "{\"text\": \"one\"}\n").unwrap();
    let run = vecscape(&[
        "map",
        npy.to_str().unwrap(),
        "--text",
        short.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&run.stderr).contains("short.jsonl: 1 texts for 400 points"));
    let broken = dir.join("broken.jsonl");
    std::fs::write(&broken, "{\"text\": \"one\"}\n{\"text\": nope}\n").unwrap();
    let run = vecscape(&[
        "map",
        npy.to_str().unwrap(),
        "--text",
        broken.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        String::from_utf8_lossy(&run.stderr)
            .contains("broken.jsonl: line 2, column 11: not valid JSON: expected ident\n"),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let wide = format!("{FIXTURES}/pca_input.npy");
    let run = vecscape(&["map", &wide, "--out", out.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("expected N×2 coordinates"),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn knn_with_f16_rows_on_the_gpu_matches_the_cpu_on_the_rounded_data() {
    if std::env::var("VECSCAPE_REQUIRE_GPU").as_deref() != Ok("1") {
        return; // needs an adapter (lavapipe under `make test`)
    }
    let vectors = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/demo/vectors.f16.npy"
    );
    let got = vecscape_json(&[
        "knn",
        vectors,
        "--query-rows",
        "0,5,9,1234",
        "--metric",
        "l2",
        "--device",
        "gpu",
        "--storage",
        "f16",
    ]);
    let x = vecscape_core::load::npy::read_npy("v.npy", &std::fs::read(vectors).unwrap()).unwrap();
    let rounded = ndarray::Array2::from_shape_vec(
        x.dim(),
        vecscape_gpu::knn::round_to_f16(x.as_slice().unwrap()),
    )
    .unwrap();
    let cpu = vecscape_core::search::flat::FlatIndex::new(
        &rounded,
        vecscape_core::search::types::Metric::L2,
    );
    for (i, row) in [0usize, 5, 9, 1234].into_iter().enumerate() {
        let want = cpu
            .search(rounded.row(row).as_slice().unwrap(), 10, None)
            .unwrap();
        let ids: Vec<u32> = got["results"][i]["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        assert_eq!(ids, want.ids, "query {row}");
    }
}

/// Without `--device` the GPU is used only when its adapter is hardware: with only a
/// CPU-emulated adapter (Mesa's lavapipe on the test machines), `knn` runs on the CPU and says
/// why, while `--device gpu` still takes it; both give the same neighbours.
#[test]
fn knn_default_device_skips_emulated_adapters() {
    let vectors = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/demo/vectors.f16.npy"
    );
    let args = ["knn", vectors, "--query-rows", "0,7", "--k", "5"];
    let forced = vecscape(&[&args[..], &["--device", "gpu"]].concat());
    let forced_err = String::from_utf8_lossy(&forced.stderr).to_string();
    if !forced.status.success() {
        assert_ne!(
            std::env::var("VECSCAPE_REQUIRE_GPU").as_deref(),
            Ok("1"),
            "no GPU adapter: {forced_err}"
        );
        return;
    }
    let emulated = forced_err.contains("a CPU emulation");
    if forced_err.contains("llvmpipe") {
        assert!(emulated, "lavapipe is a CPU adapter: {forced_err}");
    }
    let default = vecscape(&args);
    let default_err = String::from_utf8_lossy(&default.stderr).to_string();
    assert!(default.status.success(), "{default_err}");
    // The Vulkan loader may print its own lines first.
    let default_err = default_err
        .lines()
        .find(|l| l.starts_with("device: "))
        .unwrap_or_default()
        .to_owned();
    if emulated {
        assert!(
            default_err.starts_with("device: cpu (the only GPU adapter")
                && default_err.contains("is a CPU emulation")
                && default_err.contains("--device gpu uses it"),
            "{default_err}"
        );
    } else {
        assert!(default_err.starts_with("device: gpu ("), "{default_err}");
    }
    let ids = |out: &std::process::Output| {
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["results"].clone()
    };
    assert_eq!(ids(&forced)[0]["ids"], ids(&default)[0]["ids"]);
    assert_eq!(ids(&forced)[1]["ids"], ids(&default)[1]["ids"]);
}

/// `project --method umap`: a 2-D layout of every row, the same for the same seed, another for
/// another seed; other dimensions are refused.
#[test]
fn project_umap_writes_a_seeded_layout() {
    let vectors = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/demo/vectors.f16.npy"
    );
    let dir = std::env::temp_dir().join(format!("vecscape-cli-umap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |seed: &str, out: &str, dims: &str| {
        let out = dir.join(out);
        let run = vecscape(&[
            "project",
            vectors,
            "--method",
            "umap",
            "--dims",
            dims,
            "--epochs",
            "60",
            "--seed",
            seed,
            "--max-rows",
            "600",
            "--out",
            out.to_str().unwrap(),
        ]);
        (run, out)
    };
    let (first, a) = run("1", "a.npy", "2");
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stderr).contains("UMAP, 15 neighbours"));
    let (_, b) = run("1", "b.npy", "2");
    let (_, c) = run("2", "c.npy", "2");
    let read = |p: &std::path::Path| {
        vecscape_core::load::npy::read_npy("x.npy", &std::fs::read(p).unwrap()).unwrap()
    };
    let (a, b, c) = (read(&a), read(&b), read(&c));
    assert_eq!(a.dim(), (600, 2));
    assert!(a.iter().all(|v| v.is_finite()));
    assert_eq!(a, b);
    assert_ne!(a, c);
    let (bad, _) = run("1", "d.npy", "3");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--dims 2"));
}

/// `project --report`: the mean share of each point's 10 nearest neighbours (original space,
/// Euclidean, brute force here) kept among its 10 nearest on the map.
#[test]
fn project_report_prints_the_layout_s_faithfulness() {
    let vectors = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/demo/vectors.f16.npy"
    );
    let dir = std::env::temp_dir().join(format!("vecscape-cli-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("xy.npy");
    let run = vecscape(&[
        "project",
        vectors,
        "--method",
        "umap",
        "--epochs",
        "100",
        "--max-rows",
        "500",
        "--report",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    let mean: f64 = stdout
        .split("mean ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no mean in {stdout:?}"));
    // The same measure by brute force, in f64.
    let read =
        |p: &str| vecscape_core::load::npy::read_npy("x.npy", &std::fs::read(p).unwrap()).unwrap();
    let x = read(vectors);
    let y = read(out.to_str().unwrap());
    let nearest = |m: &ndarray::Array2<f32>, rows: usize, i: usize| {
        let mut d: Vec<(f64, usize)> = (0..rows)
            .filter(|&j| j != i)
            .map(|j| {
                let s: f64 = m
                    .row(i)
                    .iter()
                    .zip(m.row(j))
                    .map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2))
                    .sum();
                (s, j)
            })
            .collect();
        d.sort_by(|a, b| a.partial_cmp(b).unwrap());
        d.into_iter().take(10).map(|(_, j)| j).collect::<Vec<_>>()
    };
    let expected: f64 = (0..500)
        .map(|i| {
            let (a, b) = (nearest(&x, 500, i), nearest(&y, 500, i));
            a.iter().filter(|j| b.contains(j)).count() as f64 / 10.0
        })
        .sum::<f64>()
        / 500.0;
    assert!(
        (mean - expected).abs() < 0.002,
        "reported {mean}, brute force {expected}"
    );
    assert!(mean > 0.1, "{mean}");
}

#[test]
fn invalid_rows_are_refused_with_their_count_or_skipped() {
    let input = format!("{FIXTURES}/columnar/invalid_rows.parquet");
    let run = vecscape(&["inspect", &input]);
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("invalid_rows.parquet: column 'embedding', row 1, element 1"),
        "{err}"
    );
    assert!(
        err.contains("4 rows are invalid (rows 1, 3, 4, 6)"),
        "{err}"
    );
    assert!(err.contains("--skip-invalid-rows"), "{err}");

    let run = vecscape(&["inspect", "--skip-invalid-rows", &input]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains("4 rows × 3 dims"), "{text}");
    assert!(
        text.contains("invalid rows skipped: 4 (rows 1, 3, 4, 6)"),
        "{text}"
    );

    // Every command takes the flag; the rows left are pyarrow's rows 0, 2, 5 and 7.
    let dir = std::env::temp_dir().join(format!("vecscape-cli-invalid-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("y.npy");
    let run = vecscape(&[
        "project",
        &input,
        "--skip-invalid-rows",
        "--method",
        "gaussian-rp",
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
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("skipped 4 invalid rows of") && err.contains("(rows 1, 3, 4, 6)"),
        "{err}"
    );
    let y = vecscape_core::load::npy::read_npy("y.npy", &std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(y.dim(), (4, 2));
}

/// `project --method umap --device gpu`: the exact graph and the epochs on the GPU (lavapipe in
/// CI); its layouts' faithfulness (`--report`) within 0.01 of the CPU runs' on the same (exact,
/// at 2,000 rows) graph, each the mean of three seeds (the GPU's unsynchronised epochs make a
/// single run vary by about ±0.005: see the gpu crate's `sgd_gpu_vs_cpu`).
#[test]
fn umap_with_the_graph_on_the_gpu_is_as_faithful_as_on_the_cpu() {
    let vectors = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/demo/vectors.f16.npy"
    );
    let dir = std::env::temp_dir().join(format!("vecscape-cli-umap-gpu-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |device: &str, seed: &str| {
        let out = dir.join(format!("{device}-{seed}.npy"));
        vecscape(&[
            "project",
            vectors,
            "--method",
            "umap",
            "--epochs",
            "200",
            "--max-rows",
            "2000",
            "--seed",
            seed,
            "--device",
            device,
            "--report",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    const SEEDS: [&str; 3] = ["0", "1", "2"];
    let cpu: Vec<_> = SEEDS.iter().map(|seed| run("cpu", seed)).collect();
    let gpu: Vec<_> = SEEDS.iter().map(|seed| run("gpu", seed)).collect();
    let (cpu, gpu) = (&cpu[..], &gpu[..]);
    let stderr = String::from_utf8_lossy(&gpu[0].stderr).into_owned();
    if !gpu[0].status.success() && stderr.contains("--device gpu:") {
        assert!(
            std::env::var("VECSCAPE_REQUIRE_GPU").as_deref() != Ok("1"),
            "no adapter: {stderr}"
        );
        eprintln!("SKIPPED: {stderr}");
        return;
    }
    for (c, g) in cpu.iter().zip(gpu) {
        let stderr = String::from_utf8_lossy(&g.stderr);
        assert!(g.status.success(), "{stderr}");
        assert!(stderr.contains("graph exact on the GPU"), "{stderr}");
        assert!(String::from_utf8_lossy(&c.stderr).contains("graph exact,"));
    }
    let mean = |out: &std::process::Output| -> f64 {
        let stdout = String::from_utf8_lossy(&out.stdout);
        stdout
            .split("mean ")
            .nth(1)
            .and_then(|s| s.split(',').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no mean in {stdout:?}"))
    };
    let average = |runs: &[std::process::Output]| runs.iter().map(mean).sum::<f64>() / 3.0;
    let (m_cpu, m_gpu) = (average(cpu), average(gpu));
    eprintln!("faithfulness, mean of 3 seeds: CPU {m_cpu}, GPU {m_gpu}");
    assert!(m_cpu > 0.2, "{m_cpu}");
    assert!((m_cpu - m_gpu).abs() <= 0.01, "CPU {m_cpu}, GPU {m_gpu}");
}
