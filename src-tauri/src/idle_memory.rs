//! What the app gives back while it has no window (measured in docs/benchmarks.md, In the
//! tray). Destroying the window ends WebKit's web process (window.rs); then, with no window:
//! - WebKit's network process is ended. WebKit does not end it when the last webview goes (wry
//!   issue #590, tauri issue #14626), and Tauri keeps the web context for the app's life on Linux
//!   so that it is reused. Nothing of ours lives in it: the page is served from the app's own
//!   scheme, the UI keeps no cookies, cache or storage there (docs/security.md). WebKit starts a
//!   new one with the next window, as it does after a network process crash. Under WebDriver
//!   (`TAURI_WEBVIEW_AUTOMATION`, set by tauri-driver) it is kept: WebKit ends the automation
//!   session with the network process, and the end-to-end tests follow the window across a close.
//! - glibc's freed heap pages, kept mapped for reuse, are handed back (`malloc_trim`).
//! - The pages of mapped files (WebKit, JavaScriptCore, the GL driver and its LLVM, the speech
//!   libraries WebKit links, this binary) go back to the kernel with `MADV_PAGEOUT`, as Android
//!   compacts an app that went to the background: the window touched them, the tray does not.
//!   Nothing is lost: they are clean copies of files, read back (usually from the page cache)
//!   when code on them runs again — the tray's own code within its next tick, the window's when
//!   it opens.

use std::time::Duration;

use tauri::{AppHandle, Runtime};

/// WebKit tears a webview down over a few turns of the main loop after `Destroyed`.
const SETTLE: Duration = Duration::from_secs(2);

/// After the window closed, or a start without one: gives back what only a window needs.
pub fn release_after_close<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(SETTLE).await;
        // On the main thread, where windows are built: no window can appear between the check
        // and the end of the network process.
        let (tx, rx) = tokio::sync::oneshot::channel();
        let main = app.clone();
        let ran = app.run_on_main_thread(move || {
            let _ = tx.send(crate::main_window(&main).is_none().then(end_network_process));
        });
        if let Err(e) = ran {
            tracing::warn!("could not release memory after the window closed: {e}");
            return;
        }
        let Ok(Some(ended)) = rx.await else { return };
        let paged_out = tokio::task::spawn_blocking(|| {
            trim();
            page_out_files()
        })
        .await
        .unwrap_or(0);
        tracing::info!(
            network_processes_ended = ended,
            paged_out_mib = paged_out >> 20,
            "no window: memory given back (WebKit's network process, the heap, file pages)"
        );
    });
}

/// `MADV_PAGEOUT` over every file mapping of this process; returns the bytes advised. A hint
/// only: no content changes, and a page in use is simply faulted back in.
#[cfg(target_os = "linux")]
fn page_out_files() -> usize {
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else { return 0 };
    let mut advised = 0;
    for line in maps.lines() {
        // `start-end perms offset dev inode path`: a file has a path starting with '/'.
        let mut fields = line.split_whitespace();
        let (Some(range), Some(path)) = (fields.next(), fields.nth(4)) else { continue };
        if !path.starts_with('/') {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else { continue };
        let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else { continue };
        // SAFETY: advice on this process's own mapping; MADV_PAGEOUT never changes its contents
        // (a range unmapped meanwhile only makes the call fail).
        if end > start && unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_PAGEOUT) } == 0 {
            advised += end - start;
        }
    }
    advised
}

#[cfg(not(target_os = "linux"))]
fn page_out_files() -> usize {
    0
}

#[cfg(target_os = "linux")]
fn under_webdriver() -> bool {
    std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref() == Ok("true")
}

/// WebKit's network processes among this process's children, ended with SIGTERM. Each is
/// checked again after it is pinned with a pidfd, so a pid reused in between is never signalled.
#[cfg(target_os = "linux")]
fn end_network_process() -> usize {
    if under_webdriver() {
        return 0;
    }
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    let mut ended = 0;
    for pid in entries.flatten().filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok()) {
        if !is_network_child(pid, me) {
            continue;
        }
        // SAFETY: plain syscalls on a pid and the descriptor they return, closed below.
        unsafe {
            let fd = libc::syscall(libc::SYS_pidfd_open, pid, 0) as libc::c_int;
            if fd < 0 {
                continue;
            }
            if is_network_child(pid, me) && libc::syscall(libc::SYS_pidfd_send_signal, fd, libc::SIGTERM, std::ptr::null::<libc::siginfo_t>(), 0) == 0 {
                ended += 1;
            }
            libc::close(fd);
        }
    }
    ended
}

#[cfg(not(target_os = "linux"))]
fn end_network_process() -> usize {
    0
}

/// Whether `pid` is a child of `parent` running WebKit's network process.
#[cfg(target_os = "linux")]
fn is_network_child(pid: i32, parent: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split at the last ')'.
    let Some((_, rest)) = stat.rsplit_once(") ") else { return false };
    let ppid = rest.split(' ').nth(1).and_then(|p| p.parse::<u32>().ok());
    ppid == Some(parent) && std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe.file_name().is_some_and(|n| n == "WebKitNetworkProcess"))
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim only returns free memory to the OS; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
