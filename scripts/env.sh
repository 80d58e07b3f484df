# Sourced by the setup and test scripts: finds the Rust toolchain and cargo-installed tools even
# when HOME is a fresh directory (rustup keeps toolchains under the real user's home).
real_home=$(getent passwd "$(id -un)" | cut -d: -f6)
if [ -z "${RUSTUP_HOME:-}" ] && [ ! -d "$HOME/.rustup" ] && [ -d "$real_home/.rustup" ]; then
  export RUSTUP_HOME="$real_home/.rustup"
fi
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
# $CARGO_HOME/bin first, even before it exists: `cargo install` (tauri-driver) puts tools there.
for dir in "$real_home/.cargo/bin" "$CARGO_HOME/bin"; do
  case ":$PATH:" in *":$dir:"*) ;; *) PATH="$dir:$PATH" ;; esac
done
export PATH
