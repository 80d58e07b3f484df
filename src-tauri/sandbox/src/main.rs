//! `zoom-sandbox [PORT]`: runs the sandbox alone and prints its base URL.

#[tokio::main]
async fn main() {
    let port = match std::env::args().nth(1).map(|p| p.parse::<u16>()) {
        None => 0,
        Some(Ok(port)) => port,
        Some(Err(_)) => {
            eprintln!("usage: zoom-sandbox [PORT]");
            std::process::exit(2);
        }
    };
    let sandbox = match zoom_sandbox::start(port).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("zoom-sandbox: cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        }
    };
    println!("{}", sandbox.base_url());
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("zoom-sandbox: {e}");
    }
    sandbox.shutdown();
}
