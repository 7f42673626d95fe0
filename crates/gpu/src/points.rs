//! The point layer: instanced, anti-aliased discs coloured per point.

use crate::types::PointsUniform;
use vecscape_core::view::camera::{Camera, Viewport};
use vecscape_core::view::raster::PointStyle;
use wgpu::util::DeviceExt;

/// GPU state for drawing points into a colour target of one format.
#[derive(Debug)]
pub struct PointRenderer {
    pipeline: wgpu::RenderPipeline,
    uniform: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
    positions: Option<wgpu::Buffer>,
    colors: Option<wgpu::Buffer>,
    count: u32,
}

impl PointRenderer {
    pub fn new(device: &wgpu::Device, target_format: wgpu::TextureFormat) -> Self {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("points.wgsl"),
            source: wgpu::ShaderSource::Wgsl(crate::shaders::POINTS.into()),
        });
        let bind_group_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("points"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            }],
        });
        let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("points"),
            bind_group_layouts: &[Some(&bind_group_layout)],
            immediate_size: 0,
        });
        let vertex_buffers = [
            Some(wgpu::VertexBufferLayout {
                array_stride: 8,
                step_mode: wgpu::VertexStepMode::Instance,
                attributes: &wgpu::vertex_attr_array![0 => Float32x2],
            }),
            Some(wgpu::VertexBufferLayout {
                array_stride: 4,
                step_mode: wgpu::VertexStepMode::Instance,
                attributes: &wgpu::vertex_attr_array![1 => Unorm8x4],
            }),
        ];
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("points"),
            layout: Some(&layout),
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some("vs_main"),
                compilation_options: Default::default(),
                buffers: &vertex_buffers,
            },
            primitive: wgpu::PrimitiveState {
                topology: wgpu::PrimitiveTopology::TriangleStrip,
                ..Default::default()
            },
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: &module,
                entry_point: Some("fs_main"),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format: target_format,
                    blend: Some(wgpu::BlendState::ALPHA_BLENDING),
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            multiview_mask: None,
            cache: None,
        });
        let uniform = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("points uniform"),
            size: std::mem::size_of::<PointsUniform>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("points"),
            layout: &bind_group_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: uniform.as_entire_binding(),
            }],
        });
        Self {
            pipeline,
            uniform,
            bind_group,
            positions: None,
            colors: None,
            count: 0,
        }
    }

    /// Upload points: `xs`/`ys` in world units and one packed RGBA colour
    /// ([`vecscape_core::view::palette::pack`]) per point.
    pub fn set_points(&mut self, device: &wgpu::Device, xs: &[f32], ys: &[f32], colors: &[u32]) {
        let n = xs.len().min(ys.len()).min(colors.len());
        let interleaved: Vec<[f32; 2]> = (0..n).map(|i| [xs[i], ys[i]]).collect();
        self.positions = Some(
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("point positions"),
                contents: bytemuck::cast_slice(&interleaved),
                usage: wgpu::BufferUsages::VERTEX,
            }),
        );
        self.set_colors(device, &colors[..n]);
        self.count = n as u32;
    }

    /// Replace the colours (same number of points).
    pub fn set_colors(&mut self, device: &wgpu::Device, colors: &[u32]) {
        self.colors = Some(
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("point colours"),
                contents: bytemuck::cast_slice(colors),
                usage: wgpu::BufferUsages::VERTEX,
            }),
        );
    }

    pub fn point_count(&self) -> u32 {
        self.count
    }

    /// Record a pass that draws the points, first clearing `target` to `background` (RGBA 0–1)
    /// or, with `None`, over what it holds.
    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &self,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
        camera: &Camera,
        viewport: Viewport,
        style: PointStyle,
        background: Option<wgpu::Color>,
    ) {
        let (clip_scale, clip_offset) = camera.clip_from_world(viewport);
        let uniform = PointsUniform {
            clip_scale,
            clip_offset,
            viewport_px: [viewport.width_px as f32, viewport.height_px as f32],
            radius_px: style.radius_px,
            alpha: f32::from(style.alpha) / 255.0,
        };
        queue.write_buffer(&self.uniform, 0, bytemuck::bytes_of(&uniform));
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("points"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: target,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: background.map_or(wgpu::LoadOp::Load, wgpu::LoadOp::Clear),
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: None,
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        if let (Some(positions), Some(colors)) = (&self.positions, &self.colors) {
            if self.count > 0 {
                pass.set_pipeline(&self.pipeline);
                pass.set_bind_group(0, &self.bind_group, &[]);
                pass.set_vertex_buffer(0, positions.slice(..));
                pass.set_vertex_buffer(1, colors.slice(..));
                pass.draw(0..4, 0..self.count);
            }
        }
    }
}
