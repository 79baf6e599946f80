//! The `firebreak` binary: parse the command line, run it, exit with its code.

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(firebreak::cli::run(&args).await);
}
