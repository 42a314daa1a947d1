//! The native front end: the arena drawn in a terminal (crossterm), arrow
//! keys or WASD to steer, space to stop, `q` to leave.

use crate::movement::{Me, Steering};
use crate::view::ArenaView;
use bevy::prelude::*;
use coinop_bevy::CoinopRoom;
use crossterm::event::{self, Event, KeyCode, KeyEventKind};
use crossterm::style::Print;
use crossterm::{cursor, execute, queue, terminal};
use std::io::{Write, stdout};
use std::time::Duration;

/// Draws the game in the terminal and reads the keyboard.
pub struct TerminalPlugin;

impl Plugin for TerminalPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, enter)
            .add_systems(PreUpdate, read_keys)
            .add_systems(PostUpdate, draw);
    }
}

/// Puts the terminal back as it was when the app ends (its resources drop).
#[derive(Resource)]
struct RawTerminal;

impl Drop for RawTerminal {
    fn drop(&mut self) {
        let _ = terminal::disable_raw_mode();
        let _ = execute!(stdout(), cursor::Show, terminal::LeaveAlternateScreen);
    }
}

fn enter(mut commands: Commands) {
    if terminal::enable_raw_mode().is_ok() {
        let _ = execute!(stdout(), terminal::EnterAlternateScreen, cursor::Hide);
        commands.insert_resource(RawTerminal);
    }
}

fn read_keys(mut steering: ResMut<Steering>, mut exit: MessageWriter<AppExit>) {
    // Never blocks: a frame takes whatever keys arrived since the last one.
    while event::poll(Duration::ZERO).unwrap_or(false) {
        let Ok(Event::Key(key)) = event::read() else {
            continue;
        };
        if key.kind == KeyEventKind::Release {
            continue;
        }
        // A terminal reports presses only, so a key sets the direction
        // until another key (or space) changes it.
        steering.0 = match key.code {
            KeyCode::Left | KeyCode::Char('a') => [-1.0, 0.0],
            KeyCode::Right | KeyCode::Char('d') => [1.0, 0.0],
            KeyCode::Up | KeyCode::Char('w') => [0.0, -1.0],
            KeyCode::Down | KeyCode::Char('s') => [0.0, 1.0],
            KeyCode::Char(' ') => [0.0, 0.0],
            KeyCode::Char('q') | KeyCode::Esc => {
                exit.write(AppExit::Success);
                steering.0
            }
            _ => steering.0,
        };
    }
}

fn draw(room: Option<Res<CoinopRoom>>, me: Res<Me>, config: Res<crate::ArenaConfig>) {
    let Some(room) = room else { return };
    let view = ArenaView::read(&room, &me);
    let _ = render(&view, &config, &mut stdout());
}

/// Writes one frame of `view` as text rows.
pub fn render(
    view: &ArenaView,
    config: &crate::ArenaConfig,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let (w, h) = (config.width as usize, config.height as usize);
    let mut grid = vec![vec![' '; w + 1]; h + 1];
    if let Some([x, y]) = view.coin {
        grid[y as usize][x as usize] = '$';
    }
    for p in &view.players {
        if let Some([x, y]) = p.pos {
            let mark = p.name.chars().next().unwrap_or('?');
            grid[(y as usize).min(h)][(x as usize).min(w)] = if p.is_me { '@' } else { mark };
        }
    }
    queue!(
        out,
        cursor::MoveTo(0, 0),
        terminal::Clear(terminal::ClearType::All)
    )?;
    let round = view.round.as_ref().map_or(0, |r| r.number);
    let mut lines = vec![format!(
        "room {}  round {}  {}s left  {:?}{}",
        view.code,
        round,
        view.seconds_left,
        view.status,
        if view.saved { "" } else { " (saving)" }
    )];
    lines.push(format!("+{}+", "-".repeat(w + 1)));
    lines.extend(
        grid.iter()
            .map(|row| format!("|{}|", row.iter().collect::<String>())),
    );
    lines.push(format!("+{}+", "-".repeat(w + 1)));
    for p in &view.players {
        lines.push(format!(
            "{:>3}  {}{}{}",
            p.score,
            p.name,
            if p.is_me { " (you)" } else { "" },
            if p.is_host { " (host)" } else { "" }
        ));
    }
    if let Some(winner) = view.round.as_ref().and_then(|r| r.last_winner.clone()) {
        lines.push(format!("last round won by {winner}"));
    }
    lines.push("arrows/WASD steer, space stops, q leaves".into());
    for (i, line) in lines.iter().enumerate() {
        queue!(out, cursor::MoveTo(0, i as u16), Print(line))?;
    }
    out.flush()
}
