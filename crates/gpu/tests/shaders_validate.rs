//! Every WGSL file under src/shaders parses and validates with naga, and is registered in SHADERS.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code

#[test]
fn every_shader_validates_with_naga() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/shaders");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wgsl") && !vecscape_gpu::shaders::SNIPPETS.contains(&n.as_str()))
        .collect();
    on_disk.sort();
    let shaders = vecscape_gpu::shaders::all();
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
        vecscape_gpu::shaders::POINTS.replace("vec4<f32>(in.color.rgb", "vec3<f32>(in.color.rgb");
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

/// The layout naga computes for the WGSL struct `name` in `source`: size and (member, offset).
fn naga_layout(source: &str, name: &str) -> Option<(u32, Vec<(String, u32)>)> {
    let module = naga::front::wgsl::parse_str(source).ok()?;
    let found = module.types.iter().find_map(|(_, ty)| match &ty.inner {
        naga::TypeInner::Struct { members, span } if ty.name.as_deref() == Some(name) => Some((
            *span,
            members
                .iter()
                .map(|m| (m.name.clone().unwrap_or_default(), m.offset))
                .collect(),
        )),
        _ => None,
    });
    found
}

#[test]
fn every_mirrored_struct_matches_naga_field_by_field() {
    let shaders = vecscape_gpu::shaders::all();
    let mirrors = vecscape_gpu::types::mirrors();
    assert!(mirrors.len() >= 10);
    for m in &mirrors {
        let (_, source) = shaders
            .iter()
            .find(|(file, _)| *file == m.shader)
            .unwrap_or_else(|| panic!("{}: no shader {}", m.name, m.shader));
        let (span, members) = naga_layout(source, m.name)
            .unwrap_or_else(|| panic!("{} has no struct {}", m.shader, m.name));
        let rust: Vec<(String, u32)> = m
            .fields
            .iter()
            .map(|(f, o)| ((*f).to_owned(), *o as u32))
            .collect();
        assert_eq!(
            rust, members,
            "{} in {}: fields and offsets",
            m.name, m.shader
        );
        assert_eq!(m.size as u32, span, "{} in {}: size", m.name, m.shader);
    }
}

#[test]
fn a_moved_field_is_caught() {
    // The check above must be able to fail: swap two members of different alignment in the WGSL.
    let source = vecscape_gpu::shaders::POINTS.replace(
        "    viewport_px: vec2<f32>,\n    radius_px: f32,",
        "    radius_px: f32,\n    viewport_px: vec2<f32>,",
    );
    assert_ne!(source, vecscape_gpu::shaders::POINTS);
    let (_, members) = naga_layout(&source, "PointsUniform").unwrap();
    let mirror = vecscape_gpu::types::mirrors()
        .into_iter()
        .find(|m| m.name == "PointsUniform")
        .unwrap();
    let rust: Vec<(String, u32)> = mirror
        .fields
        .iter()
        .map(|(f, o)| ((*f).to_owned(), *o as u32))
        .collect();
    assert_ne!(rust, members);
}
