//! `zoom-sandbox [--port PORT] [--seed FILE] [--token-lifetime SECONDS] [--control]
//! [--populate ACCOUNT:USERS:GROUPS]`: runs the
//! sandbox alone and prints its base URL on the first line of stdout; with `--control`, the
//! control API's secret of this run on the second.

use zoom_sandbox::{SandboxConfig, Seed};

const USAGE: &str = "usage: zoom-sandbox [--port PORT] [--seed FILE] [--token-lifetime SECONDS] [--control] [--populate ACCOUNT:USERS:GROUPS]";

fn config_from_args() -> Result<SandboxConfig, String> {
    let mut config = SandboxConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--port" => config.port = value()?.parse().map_err(|_| format!("invalid port\n{USAGE}"))?,
            "--seed" => {
                let path = value()?;
                let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
                config.seed = Seed::from_json(&text)?;
            }
            "--token-lifetime" => {
                config.access_token_lifetime = value()?.parse().ok().filter(|s: &i64| *s > 0).ok_or_else(|| format!("invalid lifetime\n{USAGE}"))?
            }
            "--control" => config.control = true,
            "--populate" => {
                let spec = value()?;
                let parts: Vec<&str> = spec.split(':').collect();
                let (account, users, groups) = match parts.as_slice() {
                    [a, u, g] => (
                        *a,
                        u.parse().map_err(|_| format!("invalid --populate {spec}\n{USAGE}"))?,
                        g.parse().map_err(|_| format!("invalid --populate {spec}\n{USAGE}"))?,
                    ),
                    _ => return Err(format!("--populate takes ACCOUNT:USERS:GROUPS, e.g. acct_contoso:10000:300\n{USAGE}")),
                };
                zoom_sandbox::populate::populate(&mut config.seed, account, users, groups)?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(config)
}

#[tokio::main]
async fn main() {
    let config = match config_from_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("zoom-sandbox: {e}");
            std::process::exit(2);
        }
    };
    let port = config.port;
    let sandbox = match zoom_sandbox::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("zoom-sandbox: cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        }
    };
    println!("{}", sandbox.base_url());
    if let Some(secret) = sandbox.control_secret() {
        println!("{secret}");
        eprintln!("Control API: send the second line as the X-Sandbox-Control header.");
    }
    eprintln!("Open {}/ for the seeded users and apps. Ctrl-C stops.", sandbox.base_url());
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("zoom-sandbox: {e}");
    }
    sandbox.shutdown();
}
