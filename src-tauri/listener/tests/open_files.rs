//! The open-file limit, in a test binary of its own: `raise_open_file_limit` acts once per
//! process, and here nothing has raised it before the test lowers it.
#![cfg(unix)]

#[test]
fn the_soft_open_file_limit_is_raised_to_the_hard_limit() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) }, 0);
    let low = limit.rlim_max.min(256);
    let lowered = libc::rlimit { rlim_cur: low, rlim_max: limit.rlim_max };
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lowered) }, 0);
    assert_eq!(zoom_connections_listener::open_file_limit(), low);
    zoom_connections_listener::raise_open_file_limit();
    assert_eq!(zoom_connections_listener::open_file_limit(), limit.rlim_max.min(65_536).max(low));
    assert!(limit.rlim_max <= 256 || zoom_connections_listener::open_file_limit() > 256, "raised");
}
