#![no_main]
// Any bytes as a callback URL (what a deep link or the loopback listener can hand the app).
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    zoom_connections_engine::fuzzing::callback_url(data);
});
