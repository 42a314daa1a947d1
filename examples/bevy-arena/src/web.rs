//! The browser front end: the arena on a 2D canvas, arrow keys or WASD held
//! to steer. The page is `web/index.html`; the relay serves it (`--serve`),
//! so the relay's address is the page's own.

use crate::movement::{Me, Steering};
use crate::view::ArenaView;
use crate::{ArenaConfig, ArenaPlugin};
use bevy::app::PluginsState;
use bevy::prelude::*;
use coinop_bevy::coinop::{Profile, RoomBuilder};
use coinop_bevy::{CoinopPlugin, CoinopRoom};
use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, KeyboardEvent, Window};

/// Keys held down, filled by the page's key listeners.
struct HeldKeys(Rc<RefCell<HashSet<String>>>);

/// The canvas and its 2D context.
struct Canvas {
    element: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
}

/// Starts the game when the module loads.
#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let location = window.location();
    let scheme = if location.protocol()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    let mut builder =
        RoomBuilder::new(format!("{scheme}://{}", location.host()?)).profile(Profile {
            name: format!("player {}", (js_sys_random() * 900.0 + 100.0) as u32),
            color: "#3366ff".into(),
            ..Profile::default()
        });
    // `#r=CODE` joins that room (the link others share); without it, a new
    // room, whose code then goes into the address bar.
    if let Some(code) = location
        .hash()?
        .strip_prefix("#r=")
        .filter(|c| !c.is_empty())
    {
        builder = builder.room(code);
    }
    let canvas: HtmlCanvasElement = window
        .document()
        .and_then(|d| d.get_element_by_id("arena"))
        .ok_or("no #arena canvas")?
        .dyn_into()?;
    let ctx: CanvasRenderingContext2d = canvas
        .get_context("2d")?
        .ok_or("no 2d context")?
        .dyn_into()?;
    let keys = listen_to_keys(&window)?;

    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .add_plugins(CoinopPlugin::new(builder))
        .add_plugins(ArenaPlugin::default())
        .insert_non_send(HeldKeys(keys))
        .insert_non_send(Canvas {
            element: canvas,
            ctx,
        })
        .add_systems(PreUpdate, steer_from_keys)
        .add_systems(PostUpdate, (draw, show_code_in_address));
    app.set_runner(animation_frames);
    app.run();
    Ok(())
}

fn js_sys_random() -> f64 {
    // Math.random through web-sys' window-free global is not exposed; a
    // timestamp's fraction is random enough for a display name.
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.5, |p| p.now().fract())
}

fn listen_to_keys(window: &Window) -> Result<Rc<RefCell<HashSet<String>>>, JsValue> {
    let keys = Rc::new(RefCell::new(HashSet::new()));
    for (kind, down) in [("keydown", true), ("keyup", false)] {
        let held = keys.clone();
        let listener = Closure::<dyn FnMut(KeyboardEvent)>::new(move |e: KeyboardEvent| {
            if down {
                held.borrow_mut().insert(e.key());
            } else {
                held.borrow_mut().remove(&e.key());
            }
        });
        window.add_event_listener_with_callback(kind, listener.as_ref().unchecked_ref())?;
        // The page keeps the listeners for its whole life.
        listener.forget();
    }
    Ok(keys)
}

fn steer_from_keys(keys: NonSend<HeldKeys>, mut steering: ResMut<Steering>) {
    let held = keys.0.borrow();
    let axis = |neg: [&str; 2], pos: [&str; 2]| {
        let on = |ks: [&str; 2]| ks.iter().any(|k| held.contains(*k));
        (on(pos) as i32 - on(neg) as i32) as f32
    };
    steering.0 = [
        axis(["ArrowLeft", "a"], ["ArrowRight", "d"]),
        axis(["ArrowUp", "w"], ["ArrowDown", "s"]),
    ];
}

fn draw(
    room: Option<Res<CoinopRoom>>,
    me: Res<Me>,
    config: Res<ArenaConfig>,
    canvas: NonSend<Canvas>,
) {
    let Some(room) = room else { return };
    let view = ArenaView::read(&room, &me);
    let (cw, ch) = (
        canvas.element.width() as f64,
        canvas.element.height() as f64 - 60.0,
    );
    let (sx, sy) = (cw / config.width as f64, ch / config.height as f64);
    let ctx = &canvas.ctx;
    ctx.set_fill_style_str("#111");
    ctx.fill_rect(0.0, 0.0, cw, ch + 60.0);
    if let Some([x, y]) = view.coin {
        ctx.set_fill_style_str("gold");
        ctx.begin_path();
        let _ = ctx.arc(
            x as f64 * sx,
            y as f64 * sy,
            8.0,
            0.0,
            std::f64::consts::TAU,
        );
        ctx.fill();
    }
    ctx.set_font("14px sans-serif");
    for p in &view.players {
        let Some([x, y]) = p.pos else { continue };
        ctx.set_fill_style_str(if p.color.is_empty() { "#ccc" } else { &p.color });
        ctx.fill_rect(x as f64 * sx - 8.0, y as f64 * sy - 8.0, 16.0, 16.0);
        ctx.set_fill_style_str("#fff");
        let _ = ctx.fill_text(
            if p.is_me { "you" } else { &p.name },
            x as f64 * sx + 10.0,
            y as f64 * sy,
        );
    }
    let round = view.round.as_ref().map_or(0, |r| r.number);
    let scores: Vec<String> = view
        .players
        .iter()
        .map(|p| format!("{} {}", p.name, p.score))
        .collect();
    ctx.set_fill_style_str("#eee");
    let _ = ctx.fill_text(
        &format!(
            "room {}   round {}   {}s left   {:?}",
            view.code, round, view.seconds_left, view.status
        ),
        8.0,
        ch + 22.0,
    );
    let _ = ctx.fill_text(&scores.join("   "), 8.0, ch + 44.0);
    // What a canvas hides from tests and assistive tools, on `<html>`.
    if let Some(html) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = html.set_attribute("data-players", &view.players.len().to_string());
        let _ = html.set_attribute("data-status", &format!("{:?}", view.status));
        let _ = html.set_attribute("data-round", &round.to_string());
    }
}

fn show_code_in_address(room: Option<Res<CoinopRoom>>, mut shown: Local<bool>) {
    let (Some(room), false) = (room, *shown) else {
        return;
    };
    let Some(code) = room.room_code() else { return };
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_hash(&format!("r={code}"));
        *shown = true;
    }
}

/// Bevy's runner for the page: one frame per animation frame.
fn animation_frames(mut app: App) -> AppExit {
    if app.plugins_state() == PluginsState::Ready {
        app.finish();
        app.cleanup();
    }
    let app = Rc::new(RefCell::new(app));
    let frame: Rc<RefCell<Option<Closure<dyn FnMut()>>>> = Rc::new(RefCell::new(None));
    let next = frame.clone();
    *frame.borrow_mut() = Some(Closure::new(move || {
        app.borrow_mut().update();
        if let Some(f) = next.borrow().as_ref() {
            request_frame(f);
        }
    }));
    if let Some(f) = frame.borrow().as_ref() {
        request_frame(f);
    }
    AppExit::Success
}

fn request_frame(f: &Closure<dyn FnMut()>) {
    if let Some(w) = web_sys::window() {
        let _ = w.request_animation_frame(f.as_ref().unchecked_ref());
    }
}
