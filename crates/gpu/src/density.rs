//! The density layer: filled bands sampled from the density grid per pixel, and the contour
//! lines as a line list. Drawn before the points, in its own pass that clears the target.

use crate::types::DensityUniform;
use vecscape_core::map::layer::DensityLayer;
use vecscape_core::view::camera::{Camera, Viewport};
use vecscape_core::view::palette::Rgba;
use wgpu::util::DeviceExt;

/// Colours of the layer: band fill (rgb + alpha of the densest band) and lines.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DensityStyle {
    pub fill: Rgba,
    pub line: Rgba,
    pub show_fill: bool,
    pub show_lines: bool,
}

struct Uploaded {
    bind_group: wgpu::BindGroup,
    lines: Option<wgpu::Buffer>,
    line_vertices: u32,
    size: u32,
    levels: u32,
    origin: [f32; 2],
    step: [f32; 2],
}

/// GPU state for drawing a [`DensityLayer`] into a colour target of one format.
pub struct DensityRenderer {
    fill: wgpu::RenderPipeline,
    lines: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    uniform: wgpu::Buffer,
    uploaded: Option<Uploaded>,
}

impl DensityRenderer {
    pub fn new(device: &wgpu::Device, target_format: wgpu::TextureFormat) -> Self {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("density.wgsl"),
            source: wgpu::ShaderSource::Wgsl(crate::shaders::DENSITY.into()),
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("density"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Storage { read_only: true },
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("density"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let target = [Some(wgpu::ColorTargetState {
            format: target_format,
            blend: Some(wgpu::BlendState::ALPHA_BLENDING),
            write_mask: wgpu::ColorWrites::ALL,
        })];
        let pipeline = |label: &str,
                        vs: &str,
                        fs: &str,
                        topology: wgpu::PrimitiveTopology,
                        buffers: &[Option<wgpu::VertexBufferLayout<'_>>]| {
            device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                label: Some(label),
                layout: Some(&pipeline_layout),
                vertex: wgpu::VertexState {
                    module: &module,
                    entry_point: Some(vs),
                    compilation_options: Default::default(),
                    buffers,
                },
                primitive: wgpu::PrimitiveState {
                    topology,
                    ..Default::default()
                },
                depth_stencil: None,
                multisample: wgpu::MultisampleState::default(),
                fragment: Some(wgpu::FragmentState {
                    module: &module,
                    entry_point: Some(fs),
                    compilation_options: Default::default(),
                    targets: &target,
                }),
                multiview_mask: None,
                cache: None,
            })
        };
        let fill = pipeline(
            "density bands",
            "vs_fill",
            "fs_fill",
            wgpu::PrimitiveTopology::TriangleList,
            &[],
        );
        let lines = pipeline(
            "contour lines",
            "vs_line",
            "fs_line",
            wgpu::PrimitiveTopology::LineList,
            &[Some(wgpu::VertexBufferLayout {
                array_stride: 8,
                step_mode: wgpu::VertexStepMode::Vertex,
                attributes: &wgpu::vertex_attr_array![0 => Float32x2],
            })],
        );
        let uniform = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("density uniform"),
            size: std::mem::size_of::<DensityUniform>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Self {
            fill,
            lines,
            layout,
            uniform,
            uploaded: None,
        }
    }

    /// Upload a layer (replacing the last); `None` removes it.
    pub fn set_layer(&mut self, device: &wgpu::Device, layer: Option<&DensityLayer>) {
        self.uploaded = layer.filter(|l| l.size >= 2).map(|layer| {
            let grid = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("density grid"),
                contents: bytemuck::cast_slice(&layer.values),
                usage: wgpu::BufferUsages::STORAGE,
            });
            let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("density"),
                layout: &self.layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: self.uniform.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: grid.as_entire_binding(),
                    },
                ],
            });
            let vertices: Vec<[f32; 2]> = layer
                .segments
                .iter()
                .flat_map(|s| [[s[0], s[1]], [s[2], s[3]]])
                .collect();
            let lines = (!vertices.is_empty()).then(|| {
                device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("contour lines"),
                    contents: bytemuck::cast_slice(&vertices),
                    usage: wgpu::BufferUsages::VERTEX,
                })
            });
            Uploaded {
                bind_group,
                lines,
                line_vertices: vertices.len() as u32,
                size: layer.size,
                levels: layer.levels,
                origin: layer.origin,
                step: layer.step,
            }
        });
    }

    /// True when a layer is uploaded.
    pub fn has_layer(&self) -> bool {
        self.uploaded.is_some()
    }

    /// Record a pass that clears `target` to `background` and draws the bands and lines.
    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &self,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
        camera: &Camera,
        viewport: Viewport,
        style: DensityStyle,
        background: wgpu::Color,
    ) {
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("density"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: target,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(background),
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: None,
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        let Some(up) = &self.uploaded else {
            return;
        };
        let (clip_scale, clip_offset) = camera.clip_from_world(viewport);
        let rgba = |c: Rgba| c.map(|v| f32::from(v) / 255.0);
        let uniform = DensityUniform {
            clip_scale,
            clip_offset,
            viewport_px: [viewport.width_px as f32, viewport.height_px as f32],
            origin: up.origin,
            step: up.step,
            size: up.size,
            levels: up.levels.max(1),
            fill: rgba(style.fill),
            line: rgba(style.line),
        };
        queue.write_buffer(&self.uniform, 0, bytemuck::bytes_of(&uniform));
        pass.set_bind_group(0, &up.bind_group, &[]);
        if style.show_fill && up.levels > 0 {
            pass.set_pipeline(&self.fill);
            pass.draw(0..3, 0..1);
        }
        if let (true, Some(lines)) = (style.show_lines, &up.lines) {
            pass.set_pipeline(&self.lines);
            pass.set_vertex_buffer(0, lines.slice(..));
            pass.draw(0..up.line_vertices, 0..1);
        }
    }
}
