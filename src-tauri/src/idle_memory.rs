//! What the app gives back while it has no window (measured, and what each MiB is, in
//! docs/benchmarks.md, In the tray). Destroying the window ends WebKit's web process
//! (window.rs); then, with no window:
//! - WebKit's network process is ended. WebKit does not end it when the last webview goes, and
//!   Tauri keeps the web context for the app's life on Linux so that it is reused (the evidence:
//!   docs/benchmarks.md). Nothing of ours lives in it: the page is served from the app's own
//!   scheme and keeps no cookies, cache or storage there (docs/security.md). WebKit starts a new
//!   one with the next window, as it does after a network process crash. Under WebDriver
//!   (`TAURI_WEBVIEW_AUTOMATION`, set by tauri-driver) it is kept: WebKit ends the automation
//!   session with the network process, and the end-to-end tests follow the window across a close.
//! - glibc's freed heap pages, kept mapped for reuse, are handed back (`malloc_trim`).
//! - The file pages the window read (the code and read-only data of WebKit, JavaScriptCore, the
//!   GL driver and its LLVM, the speech voices WebKit links, this binary) are unmapped from the
//!   process: `MADV_DONTNEED` on the pages of read-only file mappings (`r-xp`, `r--p`) that are
//!   still the file's own (never written: /proc/self/pagemap says so), which any user may do
//!   (`MADV_PAGEOUT` drops a file's pages only for its owner or root). They stay in the page
//!   cache, and a page in use again is mapped back at its next access. A page the process wrote
//!   to (relocated data, made read-only after the loader wrote it) is private memory, not the
//!   file's, and is left alone; writable mappings are not touched at all. The one assumption:
//!   nothing makes an already read-only mapping writable and writes to it in the instant between
//!   the check and the unmapping (the loader does so only for a library it is still loading).

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
        let unmapped = tokio::task::spawn_blocking(|| {
            trim();
            unmap_file_pages()
        })
        .await
        .unwrap_or(0);
        tracing::info!(
            network_processes_ended = ended,
            file_pages_unmapped_mib = unmapped >> 20,
            "no window: memory given back (WebKit's network process, the heap, file pages)"
        );
    });
}

/// Unmaps the present, unwritten pages of this process's read-only private file mappings;
/// returns the bytes unmapped.
#[cfg(target_os = "linux")]
fn unmap_file_pages() -> usize {
    use std::io::{Read, Seek, SeekFrom};
    const PRESENT: u64 = 1 << 63;
    /// The page is the file's (or shared memory's), not a private copy.
    const FILE_PAGE: u64 = 1 << 61;
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else { return 0 };
    let Ok(mut pagemap) = std::fs::File::open("/proc/self/pagemap") else { return 0 };
    // SAFETY: sysconf has no preconditions.
    let page = match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        n if n > 0 => n as usize,
        _ => return 0,
    };
    let mut unmapped = 0;
    for line in maps.lines() {
        // `start-end perms offset dev inode path`: a file's code or read-only data, private.
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms), Some(path)) = (fields.next(), fields.next(), fields.nth(3)) else { continue };
        if !matches!(perms, "r-xp" | "r--p") || !path.starts_with('/') {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else { continue };
        let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else { continue };
        let pages = end.saturating_sub(start) / page;
        let mut entries = vec![0u8; pages * 8];
        if pagemap.seek(SeekFrom::Start((start / page * 8) as u64)).is_err() || pagemap.read_exact(&mut entries).is_err() {
            continue;
        }
        // Runs of pages that are present and the file's own.
        let mut run: Option<usize> = None;
        for i in 0..=pages {
            let ours = i < pages && {
                let mut entry = [0u8; 8];
                entry.copy_from_slice(&entries[i * 8..i * 8 + 8]);
                let entry = u64::from_le_bytes(entry);
                entry & PRESENT != 0 && entry & FILE_PAGE != 0
            };
            match (ours, run) {
                (true, None) => run = Some(i),
                (false, Some(first)) => {
                    let (at, len) = (start + first * page, (i - first) * page);
                    // SAFETY: these pages are the file's unchanged contents in a mapping that
                    // cannot be written (r-x or r--): dropping them loses nothing, the next
                    // access maps the same file page again.
                    if unsafe { libc::madvise(at as *mut libc::c_void, len, libc::MADV_DONTNEED) } == 0 {
                        unmapped += len;
                    }
                    run = None;
                }
                _ => {}
            }
        }
    }
    unmapped
}

#[cfg(not(target_os = "linux"))]
fn unmap_file_pages() -> usize {
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
