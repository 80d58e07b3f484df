//! Unix times as the user's local clock shows them (the tray's lines, the command line's table).

/// `unix` in local time with a chrono format (`%H:%M`), or "-" for a time out of range.
pub fn format(unix: i64, fmt: &str) -> String {
    chrono::DateTime::from_timestamp(unix, 0).map(|t| t.with_timezone(&chrono::Local).format(fmt).to_string()).unwrap_or_else(|| "-".into())
}
