//! The two ways a frame reaches the screen, chosen once at start-up:
//! WebGPU (a `wgpu` surface on one canvas) or the CPU rasteriser (RGBA pixels put into a second
//! canvas's 2D context). A canvas that has had a WebGPU context cannot take a 2D one, hence two.

use vecscape_core::map::layer::DensityLayer;
use vecscape_core::view::camera::{Camera, Viewport};
use vecscape_core::view::palette::Rgba;
use vecscape_core::view::raster::{self, Frame, PointStyle};
use vecscape_gpu::density::DensityStyle;
use vecscape_gpu::{DensityRenderer, GpuContext, PointRenderer};
use wasm_bindgen::{Clamped, JsCast};
use web_sys::HtmlCanvasElement;

pub use vecscape_core::view::palette::BACKGROUND;
/// Density bands: this colour, the densest band at this alpha (0–255).
pub const BAND_FILL: Rgba = [88, 112, 176, 110];
/// Contour lines.
pub const CONTOUR_LINE: Rgba = [60, 78, 130, 210];

/// Which map layers are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layers {
    pub points: bool,
    pub contours: bool,
}

/// What one frame shows.
pub struct FrameInput<'a> {
    pub camera: &'a Camera,
    pub style: PointStyle,
    pub layers: Layers,
}

pub struct GpuBackend {
    canvas: HtmlCanvasElement,
    surface: wgpu::Surface<'static>,
    ctx: GpuContext,
    config: wgpu::SurfaceConfiguration,
    points: PointRenderer,
    density: DensityRenderer,
}

pub struct CpuBackend {
    canvas: HtmlCanvasElement,
    ctx2d: web_sys::CanvasRenderingContext2d,
    frame: Frame,
    density: Option<DensityLayer>,
    /// The points in drawing order (see [`Backend::upload`]).
    xs: Vec<f32>,
    ys: Vec<f32>,
    colors: Vec<Rgba>,
}

pub enum Backend {
    Gpu(Box<GpuBackend>),
    Cpu(CpuBackend),
}

fn canvas_viewport(canvas: &HtmlCanvasElement) -> Viewport {
    Viewport {
        width_px: canvas.width().max(1),
        height_px: canvas.height().max(1),
    }
}

impl GpuBackend {
    /// Try WebGPU on `canvas`; `Err` says why it is not available.
    pub async fn new(canvas: HtmlCanvasElement) -> Result<Self, String> {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = wgpu::Backends::BROWSER_WEBGPU;
        let instance = wgpu::util::new_instance_with_webgpu_detection(desc).await;
        let surface = instance
            .create_surface(wgpu::SurfaceTarget::Canvas(canvas.clone()))
            .map_err(|e| format!("WebGPU surface: {e}"))?;
        let ctx = GpuContext::new(&instance, Some(&surface))
            .await
            .map_err(|e| e.to_string())?;
        let viewport = canvas_viewport(&canvas);
        let mut config = surface
            .get_default_config(&ctx.adapter, viewport.width_px, viewport.height_px)
            .ok_or("the WebGPU adapter cannot present to this canvas")?;
        // Our colours are sRGB bytes; a non-sRGB target stores them unchanged, like the 2D canvas.
        config.format = config.format.remove_srgb_suffix();
        config.view_formats = vec![];
        surface.configure(&ctx.device, &config);
        let points = PointRenderer::new(&ctx.device, config.format);
        let density = DensityRenderer::new(&ctx.device, config.format);
        Ok(Self {
            canvas,
            surface,
            ctx,
            config,
            points,
            density,
        })
    }
}

/// `{ willReadFrequently: true }`: the browser keeps the 2D canvas in memory, not on the GPU.
pub(crate) fn software_canvas_options() -> wasm_bindgen::JsValue {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"willReadFrequently".into(), &true.into());
    options.into()
}

impl CpuBackend {
    pub fn new(canvas: HtmlCanvasElement) -> Result<Self, String> {
        // A canvas kept in memory: every frame arrives whole by `putImageData`, which on a
        // GPU-backed canvas would be a texture upload per frame (and its creation a GPU context).
        let ctx2d = canvas
            .get_context_with_context_options("2d", &software_canvas_options())
            .map_err(|e| format!("2D canvas: {e:?}"))?
            .ok_or("2D canvas: no context")?
            .dyn_into::<web_sys::CanvasRenderingContext2d>()
            .map_err(|_| "2D canvas: wrong context type")?;
        let viewport = canvas_viewport(&canvas);
        Ok(Self {
            canvas,
            ctx2d,
            frame: Frame::new(viewport.width_px, viewport.height_px),
            density: None,
            xs: Vec::new(),
            ys: Vec::new(),
            colors: Vec::new(),
        })
    }
}

impl Backend {
    /// Status-line name, e.g. "WebGPU (…)" or "CPU (wasm simd128)".
    pub fn label(&self) -> String {
        match self {
            Backend::Gpu(g) => {
                let info = g.ctx.adapter.get_info();
                let what = [info.name.as_str(), info.driver.as_str()]
                    .into_iter()
                    .find(|s| !s.is_empty())
                    .unwrap_or("browser adapter")
                    .to_owned();
                format!("WebGPU ({what})")
            }
            Backend::Cpu(_) => format!("CPU ({})", raster::ACTIVE.name),
        }
    }

    /// The GPU device, when WebGPU is the live backend.
    pub fn gpu_context(&self) -> Option<&GpuContext> {
        match self {
            Backend::Gpu(g) => Some(&g.ctx),
            Backend::Cpu(_) => None,
        }
    }

    pub fn is_gpu(&self) -> bool {
        matches!(self, Backend::Gpu(_))
    }

    pub fn canvas(&self) -> &HtmlCanvasElement {
        match self {
            Backend::Gpu(g) => &g.canvas,
            Backend::Cpu(c) => &c.canvas,
        }
    }

    pub fn viewport(&self) -> Viewport {
        canvas_viewport(self.canvas())
    }

    /// Match the canvas's backing store to its size on screen (device pixels).
    /// Returns true when the size changed.
    pub fn fit_to_css_size(&mut self) -> bool {
        let canvas = self.canvas().clone();
        let dpr = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
        let width = ((f64::from(canvas.client_width()) * dpr).round() as u32).max(1);
        let height = ((f64::from(canvas.client_height()) * dpr).round() as u32).max(1);
        if canvas.width() == width && canvas.height() == height {
            return false;
        }
        canvas.set_width(width);
        canvas.set_height(height);
        match self {
            Backend::Gpu(g) => {
                g.config.width = width;
                g.config.height = height;
                g.surface.configure(&g.ctx.device, &g.config);
            }
            Backend::Cpu(c) => c.frame.resize(width, height),
        }
        true
    }

    /// New point set (positions and colours). The GPU draws in row order; the CPU fallback
    /// keeps a copy in `order` (a spatial order, [`vecscape_core::view::spatial::GridIndex::order`]),
    /// so that its writes into the frame stay close together — at a million points that halves
    /// the time to draw them. Overlapping points then stack by cell rather than by row.
    pub fn upload(&mut self, xs: &[f32], ys: &[f32], colors: &[Rgba], order: &[u32]) {
        match self {
            Backend::Gpu(g) => {
                use vecscape_core::view::palette::pack;
                let n = xs.len().min(ys.len()).min(colors.len());
                if order.len() == n && order.iter().all(|&i| (i as usize) < n) {
                    // In the draw order, so later points (the emphasised ones) land on top.
                    let xs: Vec<f32> = order.iter().map(|&i| xs[i as usize]).collect();
                    let ys: Vec<f32> = order.iter().map(|&i| ys[i as usize]).collect();
                    let packed: Vec<u32> =
                        order.iter().map(|&i| pack(colors[i as usize])).collect();
                    g.points.set_points(&g.ctx.device, &xs, &ys, &packed);
                } else {
                    let packed: Vec<u32> = colors.iter().map(|c| pack(*c)).collect();
                    g.points.set_points(&g.ctx.device, xs, ys, &packed);
                }
            }
            Backend::Cpu(c) => {
                let n = xs.len().min(ys.len()).min(colors.len());
                let (xs, ys, colors) = (&xs[..n], &ys[..n], &colors[..n]);
                c.xs.clear();
                c.ys.clear();
                c.colors.clear();
                if order.len() == n && order.iter().all(|&i| (i as usize) < n) {
                    // One array at a time: each pass reads one source, writes in order.
                    c.xs.extend(order.iter().map(|&i| xs[i as usize]));
                    c.ys.extend(order.iter().map(|&i| ys[i as usize]));
                    c.colors.extend(order.iter().map(|&i| colors[i as usize]));
                } else {
                    c.xs.extend_from_slice(xs);
                    c.ys.extend_from_slice(ys);
                    c.colors.extend_from_slice(colors);
                }
            }
        }
    }

    /// The density layer (bands and contour lines); `None` removes it.
    pub fn set_density(&mut self, layer: Option<&DensityLayer>) {
        match self {
            Backend::Gpu(g) => g.density.set_layer(&g.ctx.device, layer),
            Backend::Cpu(c) => c.density = layer.cloned(),
        }
    }

    /// Draw one frame.
    pub fn draw(&mut self, input: &FrameInput<'_>) -> Result<(), String> {
        let viewport = self.viewport();
        match self {
            Backend::Gpu(g) => {
                let texture = match g.surface.get_current_texture() {
                    wgpu::CurrentSurfaceTexture::Success(t)
                    | wgpu::CurrentSurfaceTexture::Suboptimal(t) => t,
                    other => {
                        g.surface.configure(&g.ctx.device, &g.config);
                        return Err(format!("WebGPU frame skipped: {other:?}"));
                    }
                };
                let view = texture
                    .texture
                    .create_view(&wgpu::TextureViewDescriptor::default());
                let mut encoder = g
                    .ctx
                    .device
                    .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
                let bg = BACKGROUND.map(|c| f64::from(c) / 255.0);
                let background = wgpu::Color {
                    r: bg[0],
                    g: bg[1],
                    b: bg[2],
                    a: 1.0,
                };
                let contours = input.layers.contours && g.density.has_layer();
                if contours {
                    g.density.draw(
                        &g.ctx.queue,
                        &mut encoder,
                        &view,
                        input.camera,
                        viewport,
                        DensityStyle {
                            fill: BAND_FILL,
                            line: CONTOUR_LINE,
                            show_fill: true,
                            show_lines: true,
                        },
                        background,
                    );
                }
                let style = if input.layers.points {
                    input.style
                } else {
                    PointStyle {
                        alpha: 0,
                        ..input.style
                    }
                };
                g.points.draw(
                    &g.ctx.queue,
                    &mut encoder,
                    &view,
                    input.camera,
                    viewport,
                    style,
                    (!contours).then_some(background),
                );
                g.ctx.queue.submit([encoder.finish()]);
                g.ctx.queue.present(texture);
                Ok(())
            }
            Backend::Cpu(c) => {
                if let (true, Some(layer)) = (input.layers.contours, &c.density) {
                    let fill = [BAND_FILL[0], BAND_FILL[1], BAND_FILL[2], 255];
                    raster::paint_bands(
                        &mut c.frame,
                        input.camera,
                        layer,
                        BACKGROUND,
                        fill,
                        BAND_FILL[3],
                    );
                    let line = [CONTOUR_LINE[0], CONTOUR_LINE[1], CONTOUR_LINE[2], 255];
                    raster::draw_segments(
                        &mut c.frame,
                        input.camera,
                        &layer.segments,
                        line,
                        CONTOUR_LINE[3],
                    );
                } else {
                    (raster::ACTIVE.clear)(&mut c.frame.pixels, BACKGROUND);
                }
                if input.layers.points {
                    raster::draw_points_with(
                        &raster::ACTIVE,
                        &mut c.frame,
                        input.camera,
                        &c.xs,
                        &c.ys,
                        &c.colors,
                        input.style,
                    );
                }
                let image = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
                    Clamped(&c.frame.pixels),
                    c.frame.width,
                    c.frame.height,
                )
                .map_err(|e| format!("ImageData: {e:?}"))?;
                c.ctx2d
                    .put_image_data(&image, 0.0, 0.0)
                    .map_err(|e| format!("putImageData: {e:?}"))
            }
        }
    }
}
