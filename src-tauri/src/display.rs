//! A clear message instead of a GTK panic when there is no display to open a window on.

#[cfg(all(unix, not(target_os = "macos")))]
pub fn check() -> Result<(), String> {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if set("DISPLAY") || set("WAYLAND_DISPLAY") {
        Ok(())
    } else {
        Err("no display: neither DISPLAY nor WAYLAND_DISPLAY is set. Start it from a desktop \
             session, or headless under Xvfb: xvfb-run -a zoom-connections"
            .into())
    }
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
pub fn check() -> Result<(), String> {
    Ok(())
}
