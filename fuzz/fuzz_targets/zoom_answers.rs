#![no_main]
// Any bytes as an answer of Zoom's token endpoint, users/me, SCIM or revoke, with any status.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    zoom_connections_engine::fuzzing::zoom_answer(data);
});
