//! Every WGSL file under src/shaders parses and validates with naga, and is registered in SHADERS.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code

#[test]
fn every_shader_validates_with_naga() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/shaders");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wgsl") && !vecscape_gpu::SHADER_SNIPPETS.contains(&n.as_str()))
        .collect();
    on_disk.sort();
    let shaders = vecscape_gpu::shaders();
    let mut registered: Vec<String> = shaders.iter().map(|(n, _)| (*n).to_owned()).collect();
    registered.sort();
    // A kernel compiled in several variants is listed once per variant.
    registered.dedup();
    assert_eq!(
        on_disk, registered,
        "a shader file is not listed in SHADERS"
    );
    for (name, source) in &shaders {
        let module = naga::front::wgsl::parse_str(source)
            .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(source)));
        // unpack2x16float (f16-stored kNN rows) is core WebGPU; naga gates it behind a capability
        // because some native backends lack it.
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::default()
                | naga::valid::Capabilities::SHADER_FLOAT16_IN_FLOAT32,
        )
        .validate(&module)
        .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(source)));
    }
}

#[test]
fn a_broken_shader_is_caught() {
    // The check above must be able to fail.
    let broken =
        vecscape_gpu::points::SHADER.replace("vec4<f32>(in.color.rgb", "vec3<f32>(in.color.rgb");
    let parsed = naga::front::wgsl::parse_str(&broken);
    let invalid = match parsed {
        Err(_) => true,
        Ok(module) => naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::default(),
        )
        .validate(&module)
        .is_err(),
    };
    assert!(invalid);
}
