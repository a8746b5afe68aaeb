use clap::Parser;

fn main() {
    kelastat::memory::configure();
    let cli = kelastat::cli::Cli::parse();
    kelastat::logging::init(cli.log_format);
    if let Err(err) = kelastat::app::execute(cli) {
        tracing::error!(exit_code = err.exit_code(), "{err}");
        std::process::exit(err.exit_code());
    }
}
